// Entry point of the esbuild bundle of Mesh's @meshconnect/web-link-sdk (3.13.0, from
// e2e/package-lock.json) that the browser tests' host page loads as a classic script.
// e2e/browser_test.go builds it once per run into a temporary directory (never committed):
//
//   esbuild browser/host/mesh-sdk-entry.js --bundle --format=iife --outfile=$TMP/mesh-sdk.js
//
// The page sets window.meshLinkShouldSkipPrewarm = true before this bundle runs: the SDK's
// module code would otherwise add a hidden iframe loading https://web.meshconnect.com/prewarm.
import { createLink, isLinkEventTypeKey } from '@meshconnect/web-link-sdk';

window.MeshSDK = { createLink, isLinkEventTypeKey };
