package e2e

// The assertions of the browser-wallet scenarios (browser_test.go, walletScenarios): the
// wallets live in the host page only; the Link UI reaches them over the wallet bridge with
// both SDKs, and linkd verifies their signatures.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/linkd-dev/linkd/internal/walletsig"
)

const (
	metaMaskID = "34aeb688-decb-485f-9d80-b66466783394"
	phantomID  = "6d3872c2-ff7e-5075-94fe-b78a59ff3c65"
)

// brandInfo matches a connected wallet's brokerBrandInfo: an object with a logo.
var brandInfo = check(func(got any) string {
	if m, ok := got.(map[string]any); !ok || m["brokerLogo"] == "" {
		return "no brand info"
	}
	return ""
})

func selectedWallet(id, name string) obj {
	return obj{"id": id, "name": name, "integrationType": "deFiWallet", "integrationName": name}
}

func walletSelected(name string, searched ...bool) obj {
	return ev("integrationSelected", obj{"integrationType": "deFiWallet", "integrationName": name, "userSearched": len(searched) > 0 && searched[0]})
}

// wantVerifications lists the run's user's verifications with @meshconnect/node-api
// (node/walletsverify.mjs) and compares them, newest first, with want: each want names
// the members it checks.
func (br *browserRun) wantVerifications(want ...obj) {
	t := br.t
	t.Helper()
	user := userID(br.run)
	if len(user) > 50 {
		user = user[:50]
	}
	out, errOut, code := runNode(t, br.env.node, "walletsverify.mjs", "LINKD_URL="+br.linkd.URL,
		"LINKD_CLIENT_ID="+br.client.ID, "LINKD_CLIENT_SECRET="+br.client.Secret, "USER_ID="+user)
	var res struct {
		HTTPStatus int    `json:"httpStatus"`
		Status     string `json:"status"`
		Content    struct {
			Verifications []map[string]any `json:"verifications"`
		} `json:"content"`
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || code != 0 || res.Status != "ok" {
		t.Fatalf("%s: v1WalletsVerifyList: exit %d, %v\n%s\n%s", br.run, code, err, out, errOut)
	}
	got := res.Content.Verifications
	if len(got) != len(want) {
		t.Errorf("%s: v1WalletsVerifyList(UserId=%s): %d verifications, want %d: %s", br.run, user, len(got), len(want), compactJSON(got))
		return
	}
	for i, w := range want {
		w["userId"], w["verificationMethod"], w["message"] = user, "signedMessage", br.env.verifyMessage
		for k, v := range w {
			if fmt.Sprint(got[i][k]) != fmt.Sprint(v) {
				t.Errorf("%s: verification %d: %s = %s, want %s", br.run, i, k, compactJSON(got[i][k]), compactJSON(v))
			}
		}
	}
}

// checkBridge: the wallet bridge's traffic went only between the Link UI and its host, on
// their exact origins, in both directions (docs/threat-model.md U2).
func (br *browserRun) checkBridge(label string, wantTraffic bool) {
	t := br.t
	p := br.page(label)
	linkOrigin := strings.TrimSuffix(br.linkd.PublicURL(), "/")
	for _, m := range p.BridgePosts {
		if m["target"] != br.env.hostOrigin {
			t.Errorf("%s: the Link UI sent a bridge request to %v, want exactly %s", br.run, m["target"], br.env.hostOrigin)
		}
	}
	for _, m := range p.BridgeMessages {
		if m["origin"] != linkOrigin || m["fromLink"] != true {
			t.Errorf("%s: the host received a bridge request from %v (from the Link iframe: %v)", br.run, m["origin"], m["fromLink"])
		}
	}
	if wantTraffic && len(p.BridgePosts) == 0 {
		t.Errorf("%s: the Link UI made no bridge request", br.run)
	}
}

// checkWallets asserts the browser-wallet scenarios.
func (br *browserRun) checkWallets() {
	t := br.t
	mm := testWallets.metaMask()
	switch br.scenario {
	case "wallet-connect":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-connecting", "wallet-connected")
		payload := obj{"accessToken": obj{
			"accountTokens": []any{obj{"account": obj{"accountId": mm, "accountName": "MetaMask " + mm[:6] + "…" + mm[38:], "fund": 0, "cash": 0},
				"accessToken": reAccessToken, "refreshToken": reRefresh}},
			"brokerBrandInfo":  brandInfo,
			"expiresInSeconds": 3600, "refreshTokenExpiresInSeconds": anyNumber, "brokerType": "deFiWallet", "brokerName": "MetaMask",
		}}
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("MetaMask", true),
			ev("integrationConnected", payload),
			connected(payload),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedWallet(metaMaskID, "MetaMask")}),
		))
		br.wantData("metaMaskSub", "Found in this browser")
		br.wantData("phantomSub", "Found in this browser")
		br.wantData("coinbaseMuted", true)
		br.wantData("rabbyName", "Rabby Wallet")
		br.wantData("frameHasWallets", false)
		br.wantData("walletAddress", mm)
		br.wantData("walletNetwork", "Ethereum")
		br.wantData("calls", []any{"MetaMask eth_requestAccounts", "MetaMask eth_chainId"})

	case "wallet-chooser":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-chain", "wallet-connecting", "wallet-connected")
		ph := testWallets.phantomEVMAddress()
		payload := obj{"accessToken": obj{
			"accountTokens": []any{obj{"account": obj{"accountId": ph, "accountName": "Phantom " + ph[:6] + "…" + ph[38:], "fund": 0, "cash": 0},
				"accessToken": reAccessToken, "refreshToken": reRefresh}},
			"brokerBrandInfo": brandInfo, "expiresInSeconds": 3600, "refreshTokenExpiresInSeconds": anyNumber,
			"brokerType": "deFiWallet", "brokerName": "Phantom",
		}}
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("Phantom"),
			ev("integrationConnected", payload),
			connected(payload),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedWallet(phantomID, "Phantom")}),
		))
		br.wantData("kinds", []any{"wallet-kind-evm: Ethereum and EVM networks", "wallet-kind-solana: Solana"})
		br.wantData("walletAddress", ph)
		br.wantData("walletNetwork", "Ethereum")
		br.wantData("calls", []any{"Phantom eth_requestAccounts", "Phantom eth_chainId"})

	case "wallet-refused":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-connecting", "catalog", "wallet-connecting", "wallet-declined", "catalog")
		closed := obj{"page": "catalogPage"}
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("MetaMask"),
			walletSelected("MetaMask"),
			ev("connectionDeclined", obj{"integrationType": "deFiWallet", "integrationName": "MetaMask", "reason": "userDeclined",
				"errorMessage": "User rejected the request."}),
			exit(nil, closed),
		))
		br.wantData("declined", "You declined the connection in MetaMask. Nothing was shared.")

	case "wallet-timeout":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-connecting", "wallet-timeout")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("MetaMask"),
			ev("defiWalletError", obj{"integrationName": "MetaMask", "errorType": "timeout", "details": obj{}, "timeStamp": anyNumber}),
			exit(nil, obj{"page": "walletErrorPage", "selectedIntegration": selectedWallet(metaMaskID, "MetaMask")}),
		))
		br.wantData("timedOut", "We waited 2 minutes for MetaMask. Open the wallet, check for a pending request, then try again.")

	case "wallet-verify-evm", "wallet-verify-solana", "pay-wallet":
		name, id, addr, typ, network := "MetaMask", metaMaskID, mm, "evm", "Ethereum"
		if br.scenario == "wallet-verify-solana" {
			name, id, addr, typ, network = "Phantom", phantomID, testWallets.phantom(), "solana", "Solana"
		}
		var sig string
		if br.scenario == "pay-wallet" {
			// A full page: no SDK, no messages, no bridge; the wallet is this page's own.
			br.wantScreens("pay", "loading", "catalog", "wallet-connecting", "verify", "verify-success")
			if p := br.page("pay"); len(p.Posts)+len(p.BridgePosts) != 0 {
				t.Errorf("%s: the full page posted %d messages and %d bridge requests, want none", br.run, len(p.Posts), len(p.BridgePosts))
			}
			br.wantData("mode", "page")
			br.wantData("verifiedAddress", mm)
			br.wantData("calls", []any{"MetaMask eth_requestAccounts", "MetaMask eth_chainId", "MetaMask personal_sign"})
		} else {
			br.checkBridge("main", true)
			br.wantScreens("main", "loading", "catalog", "wallet-connecting", "verify", "verify-success")
			sigRE := reEVMSignature
			if typ == "solana" {
				sigRE = re(`^[1-9A-HJ-NP-Za-km-z]{80,90}$`)
			}
			br.wantEvents("main", seq(
				ev("pageLoaded", nil),
				walletSelected(name),
				ev("walletMessageSigned", obj{"signedMessageHash": sigRE, "message": br.env.verifyMessage, "address": addr,
					"timeStamp": anyNumber, "isVerified": true, "verifiedAddresses": []any{addr}}),
				ev("verifyDonePage", nil),
				exit(nil, obj{"page": "verifyDonePage", "selectedIntegration": selectedWallet(id, name)}),
			))
			sig, _ = br.event("main", "walletMessageSigned")["signedMessageHash"].(string)
			if err := walletsig.Verify(typ, addr, br.env.verifyMessage, sig); err != nil {
				t.Errorf("%s: the posted signature does not verify: %v", br.run, err)
			}
			br.wantData("address", addr)
		}
		if br.scenario == "wallet-verify-solana" {
			br.wantData("successTitle", "Billetera verificada")
		} else if br.scenario == "wallet-verify-evm" {
			br.wantData("verifiedNetwork", network)
		}
		want := obj{"address": addr, "networkType": typ, "walletName": name, "isSandbox": false}
		if sig != "" {
			want["signedMessageHash"] = sig
		}
		br.wantVerifications(want)

	case "wallet-wrong-address":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-connecting", "verify", "verify-mismatch")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("MetaMask"),
			ev("verifyWalletRejected", nil),
			ev("defiWalletError", obj{"integrationName": "MetaMask", "errorType": "verifyMismatch", "timeStamp": anyNumber,
				"details": obj{"requestedAddress": allowedAddress, "connectedAddress": mm, "connectedNetwork": "Ethereum"}}),
			exit(nil, obj{"page": "verifyWalletRejectedPage", "selectedIntegration": selectedWallet(metaMaskID, "MetaMask")}),
		))
		br.wantData("reasons", "This address isn’t one of those allowed.")
		// Nothing was signed in vain, and nothing stored.
		if calls, _ := br.data("calls").([]any); slices.Contains(calls, any("MetaMask personal_sign")) {
			t.Errorf("%s: the wallet was asked to sign: %v", br.run, calls)
		}
		br.wantVerifications()

	case "wallet-tampered":
		br.checkBridge("main", true)
		br.wantScreens("main", "loading", "catalog", "wallet-connecting", "verify", "verify-rejected")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			walletSelected("MetaMask"),
			ev("verifyWalletRejected", nil),
			exit(nil, obj{"page": "verifyWalletRejectedPage", "selectedIntegration": selectedWallet(metaMaskID, "MetaMask")}),
		))
		br.wantData("reasons", "The signature doesn’t match this address and message.")
		// linkd refused it (the page sent it on), and stored nothing.
		br.wantData("walletAPI", []any{obj{"path": "wallet/verify", "status": 403, "errorType": "walletSignatureInvalid"}})
		br.wantVerifications()
	}
}
