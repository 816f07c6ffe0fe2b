// The messages the Link UI may post to the page that embeds it, and nothing else.
//
// LINK_EVENT_TYPE_KEYS is copied verbatim from @meshconnect/web-link-sdk@3.13.0
// (utils/event-types.js): the SDK forwards a message to the host's onEvent only when its
// type is one of these keys (web_test.go compares the two lists when the SDK is installed).
export const LINK_EVENT_TYPE_KEYS = Object.freeze([
  'integrationConnected',
  'integrationConnectionError',
  'integrationMfaRequired',
  'integrationMfaEntered',
  'integrationOAuthStarted',
  'integrationAccountSelectionRequired',
  'transferCompleted',
  'integrationSelected',
  'credentialsEntered',
  'transferStarted',
  'transferPreviewed',
  'transferPreviewError',
  'transferExecutionError',
  'transferConfigureError',
  'pageLoaded',
  'transferAssetSelected',
  'transferNetworkSelected',
  'transferAmountEntered',
  'transferMfaRequired',
  'transferMfaEntered',
  'transferKycRequired',
  'transferExecuted',
  'transferInitiated',
  'transferNoEligibleAssets',
  'walletMessageSigned',
  'verifyDonePage',
  'verifyWalletRejected',
  'connectionDeclined',
  'connectionUnavailable',
  'transferDeclined',
  'done',
  'close',
  'SDKinjectedWalletProviders',
  'legalTermsViewed',
  'seeWhatHappenedClicked',
  'executeFundingStep',
  'fundingOptionsUpdated',
  'fundingOptionsViewed',
  'gasIncreaseWarning',
  'linkTransferQRGenerated',
  'methodSelected',
  'defiWalletError',
  'homePageLoaded',
]);

// MESSAGE_TYPES are the SDK's EventType (utils/types.d.ts): messages Link.js handles by
// name rather than forwarding.
export const MESSAGE_TYPES = Object.freeze([
  'loaded',
  'brokerageAccountAccessToken',
  'delayedAuthentication',
  'transferFinished',
]);

// DERIVED_BY_SDK are events the SDK emits itself (integrationConnected from
// brokerageAccountAccessToken, transferCompleted from transferFinished, pageLoaded from
// loaded); posting them too would make the host see them twice.
export const DERIVED_BY_SDK = Object.freeze([
  'integrationConnected',
  'transferCompleted',
  'pageLoaded',
]);

// ALLOWED_TYPES is the one list post() accepts.
export const ALLOWED_TYPES = Object.freeze(new Set([
  ...MESSAGE_TYPES,
  ...LINK_EVENT_TYPE_KEYS.filter((k) => !DERIVED_BY_SDK.includes(k)),
]));
