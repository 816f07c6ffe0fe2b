package e2e

// The assertions of the browser tests (browser_test.go): what each scenario's callbacks,
// screens and messages must be.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/walletsig"
)

// ---- matching JSON values against expectations ----

// re is a string that must match a regular expression.
type re string

// check is a custom expectation; it returns the problem, or "".
type check func(got any) string

// absent marks a member that must not be there (in a wanted object).
type absentT struct{}

var absent = absentT{}

var (
	reUUID        = re(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reAccessToken = re(`^lkat_[A-Za-z0-9_-]{43}$`)
	reRefresh     = re(`^lkrt_[A-Za-z0-9_-]{43}$`)
	reEVMHash     = re(`^0x[0-9a-f]{64}$`)
	// reEVMSignature is a personal_sign signature: r, s and v (27 or 28).
	reEVMSignature = re(`^0x[0-9a-f]{128}(1b|1c)$`)
	anyNumber      = check(func(got any) string {
		if f, ok := got.(float64); !ok || math.IsNaN(f) {
			return fmt.Sprintf("want a number, got %s", compactJSON(got))
		}
		return ""
	})
)

// match compares got (decoded JSON) with want: objects must have exactly want's members
// (absent ones must be missing), arrays the same length, scalars equal.
func match(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %s", path, compactJSON(got))}
		}
		var out []string
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, has := g[k]
			if w[k] == absent {
				if has {
					out = append(out, fmt.Sprintf("%s.%s: want no such member, got %s", path, k, compactJSON(gv)))
				}
				continue
			}
			if !has {
				out = append(out, fmt.Sprintf("%s.%s: missing (want %s)", path, k, describe(w[k])))
				continue
			}
			out = append(out, match(path+"."+k, w[k], gv)...)
		}
		var extra []string
		for k := range g {
			if _, ok := w[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			out = append(out, fmt.Sprintf("%s.%s: unexpected member %s", path, k, compactJSON(g[k])))
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want an array of %d, got %s", path, len(w), compactJSON(got))}
		}
		var out []string
		for i := range w {
			out = append(out, match(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	case re:
		s, ok := got.(string)
		if !ok || !regexp.MustCompile(string(w)).MatchString(s) {
			return []string{fmt.Sprintf("%s: want a string matching %s, got %s", path, w, compactJSON(got))}
		}
		return nil
	case check:
		if p := w(got); p != "" {
			return []string{path + ": " + p}
		}
		return nil
	case int:
		return match(path, float64(w), got)
	case float64:
		if g, ok := got.(float64); !ok || g != w {
			return []string{fmt.Sprintf("%s: want %v, got %s", path, w, compactJSON(got))}
		}
		return nil
	case string, bool, nil:
		if got != want {
			return []string{fmt.Sprintf("%s: want %s, got %s", path, compactJSON(want), compactJSON(got))}
		}
		return nil
	}
	return []string{fmt.Sprintf("%s: bad expectation %T", path, want)}
}

func describe(v any) string {
	switch w := v.(type) {
	case re:
		return "a string matching " + string(w)
	case check:
		return "a value passing a check"
	}
	return compactJSON(v)
}

// ---- expected callbacks ----

type obj = map[string]any

// ev is the host's record of onEvent({type, payload}); payload nil means no payload.
func ev(typ string, payload any) obj {
	e := obj{"type": typ}
	if payload != nil {
		e["payload"] = payload
	}
	return obj{"cb": "onEvent", "event": e}
}

func connected(payload any) obj { return obj{"cb": "onIntegrationConnected", "payload": payload} }

func transferFinished(payload any) obj { return obj{"cb": "onTransferFinished", "payload": payload} }

// exit is the record of onExit(error, summary): error nil means undefined.
func exit(errorMessage any, summary obj) obj {
	return obj{"cb": "onExit", "argc": 2, "hasError": errorMessage != nil, "error": errorMessage, "hasSummary": true, "summary": summary}
}

func selectedSandbox() obj {
	return obj{"id": sandboxID, "name": "Sandbox", "integrationType": "sandbox", "integrationName": "Sandbox"}
}

func sandboxInfo() obj { return obj{"integrationType": "sandbox", "integrationName": "Sandbox"} }

// sandboxAccount is one of the sandbox's accounts as the AccessTokenPayload shows it.
func sandboxAccount(id string) obj {
	switch id {
	case "sandbox-brokerage-1234":
		return obj{"accountId": id, "accountName": "Sandbox Brokerage ···1234", "fund": 18945, "cash": 2500}
	case "sandbox-savings-5678":
		return obj{"accountId": id, "accountName": "Sandbox Savings ···5678", "fund": 16750, "cash": 8000}
	}
	panic(id)
}

// accessPayload is the LinkPayload of onIntegrationConnected for the sandbox's accounts.
func (br *browserRun) accessPayload(accounts ...string) obj {
	var tokens []any
	for _, a := range accounts {
		tokens = append(tokens, obj{"account": sandboxAccount(a), "accessToken": reAccessToken, "refreshToken": reRefresh})
	}
	logo := br.linkd.PublicURL() + "/static/logos/sandbox"
	return obj{"accessToken": obj{
		"accountTokens": tokens,
		"brokerBrandInfo": obj{
			"brokerLogo": check(func(got any) string {
				s, _ := got.(string)
				svg, err := base64.StdEncoding.DecodeString(s)
				if err != nil || !bytes.Contains(svg, []byte("<svg")) {
					return fmt.Sprintf("want the base64 of an SVG, got %.60q…", s)
				}
				return ""
			}),
			"logoLightUrl": logo + ".svg", "logoDarkUrl": logo + "-dark.svg",
			"iconLightUrl": logo + ".svg", "iconDarkUrl": logo + "-dark.svg",
		},
		"expiresInSeconds":             3600,
		"refreshTokenExpiresInSeconds": 30 * 24 * 3600,
		"brokerType":                   "sandbox",
		"brokerName":                   "Sandbox",
	}}
}

// connectEvents are the callbacks of connecting the sandbox from the catalog.
func (br *browserRun) connectEvents(searched bool, accounts ...string) []obj {
	p := br.accessPayload(accounts...)
	return []obj{
		ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": searched}),
		ev("credentialsEntered", nil),
		ev("integrationAccountSelectionRequired", nil),
		ev("integrationConnected", p),
		connected(p),
	}
}

func seq(parts ...any) []obj {
	var out []obj
	for _, p := range parts {
		switch v := p.(type) {
		case obj:
			out = append(out, v)
		case []obj:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("seq: %T", p))
		}
	}
	return out
}

// ---- checks ----

func (br *browserRun) page(label string) *pageResult {
	p := br.res.Pages[label]
	if p == nil {
		br.t.Fatalf("%s: no record of page %q", br.run, label)
	}
	return p
}

// wantEvents compares the page's callbacks with want, one by one.
func (br *browserRun) wantEvents(label string, want []obj) {
	t := br.t
	t.Helper()
	got := br.page(label).Events
	gotKinds, wantKinds := callbackKinds(got), callbackKinds(want)
	if !slices.Equal(gotKinds, wantKinds) {
		t.Errorf("%s (page %s): callbacks\n got: %v\nwant: %v", br.run, label, gotKinds, wantKinds)
		return
	}
	for i := range want {
		for _, p := range match(fmt.Sprintf("callback[%d] %s", i, wantKinds[i]), map[string]any(want[i]), any(withoutKey(got[i], "at"))) {
			t.Errorf("%s (page %s): %s", br.run, label, p)
		}
	}
}

// callbackKinds names each callback: onEvent:type, or the callback's name.
func callbackKinds(events []map[string]any) []string {
	var out []string
	for _, e := range events {
		cb, _ := e["cb"].(string)
		if cb == "onEvent" {
			if ev, ok := e["event"].(map[string]any); ok {
				cb += ":" + fmt.Sprint(ev["type"])
			}
		}
		out = append(out, cb)
	}
	return out
}

// wantScreens compares the Link UI's screens with want (a trailing "finished" that the
// page may have shown while the SDK removed its iframe is ignored).
func (br *browserRun) wantScreens(label string, want ...string) {
	br.t.Helper()
	got := screenNames(br.page(label).Screens)
	if n := len(got); n > 0 && got[n-1] == "finished" {
		got = got[:n-1]
	}
	if !slices.Equal(got, want) {
		br.t.Errorf("%s (page %s): Link UI screens\n got: %v\nwant: %v", br.run, label, got, want)
	}
}

// event returns the payload of the page's first onEvent of type typ.
func (br *browserRun) event(label, typ string) map[string]any {
	for _, e := range br.page(label).Events {
		if ev, ok := e["event"].(map[string]any); ok && ev["type"] == typ {
			p, _ := ev["payload"].(map[string]any)
			return p
		}
	}
	br.t.Fatalf("%s: no %s event", br.run, typ)
	return nil
}

func (br *browserRun) data(key string) any { return br.res.Data[key] }

func (br *browserRun) wantData(key string, want any) {
	br.t.Helper()
	for _, p := range match("data."+key, want, br.data(key)) {
		br.t.Errorf("%s: %s", br.run, p)
	}
}

// linkURL is the Link UI's URL for this run's client, without the code.
func (br *browserRun) linkURL() string {
	return br.linkd.PublicURL() + "/link/" + br.client.ID
}

// checkCommon holds for every scenario whose Link UI loaded: the SDK's page made no
// request off the machine (Mesh's pre-warm iframe is off), nothing threw, every message
// the Link UI posted targeted the host's exact origin and arrived from the Link UI's
// origin, the code left the frame's address as soon as the page had read it
// (docs/threat-model.md T10), and each Link UI document sent exactly one redemption
// request (T6).
func (br *browserRun) checkCommon() {
	t := br.t
	r := br.res
	if len(r.ExternalRequests) > 0 {
		t.Errorf("%s: requests left the machine: %v", br.run, r.ExternalRequests)
	}
	if r.LinkDocuments == 0 || r.Redemptions != r.LinkDocuments {
		t.Errorf("%s: %d redemption requests for %d Link UI documents loaded; want one each", br.run, r.Redemptions, r.LinkDocuments)
	}
	for _, e := range r.PageErrors {
		t.Errorf("%s: uncaught error on page %v: %v", br.run, e["page"], e["message"])
	}
	for _, e := range r.InstrumentErrors {
		t.Errorf("%s: the test's instrumentation of the Link UI failed: %s", br.run, e)
	}
	linkOrigin := strings.TrimSuffix(br.linkd.PublicURL(), "/")
	tokens := br.env.issuedTokens(br.run)
	var codes []string
	for _, tok := range tokens {
		codes = append(codes, decodeToken(t, tok).Code)
	}
	for label, p := range r.Pages {
		var posted, received []string
		for _, m := range p.Posts {
			posted = append(posted, fmt.Sprint(m["type"]))
			if m["target"] != br.env.hostOrigin {
				t.Errorf("%s (page %s): the Link UI posted %v to target origin %v, want exactly %s", br.run, label, m["type"], m["target"], br.env.hostOrigin)
			}
		}
		for _, m := range p.Messages {
			received = append(received, fmt.Sprint(m["type"]))
			if m["origin"] != linkOrigin || m["fromLink"] != true {
				t.Errorf("%s (page %s): the host page received %v from origin %v (from the Link iframe: %v), want only messages of the Link iframe on %s",
					br.run, label, m["type"], m["origin"], m["fromLink"], linkOrigin)
			}
		}
		if !slices.Equal(posted, received) {
			t.Errorf("%s (page %s): the Link UI posted %v, the host received %v", br.run, label, posted, received)
		}
		if len(p.Screens) == 0 && !(br.scenario == "pay-wallet" && label == "main") {
			t.Errorf("%s (page %s): no Link UI screen was seen", br.run, label)
		}
		base := br.linkURL() + "#"
		if label == "pay" {
			base = br.linkd.PublicURL() + "/pay/" + br.client.ID // opened without SDK parameters
		}
		for _, s := range p.Screens {
			href, _ := s["href"].(string)
			if s["name"] == "loading" {
				continue
			}
			if !strings.HasPrefix(href, base) || strings.Contains(href, "c=") {
				t.Errorf("%s (page %s): on screen %v the Link UI's address is %q: want %s#<parameters> without the code", br.run, label, s["name"], href, base)
			}
			for _, c := range codes {
				if strings.Contains(href, c) {
					t.Errorf("%s (page %s): on screen %v the Link UI's address still holds the code: %q", br.run, label, s["name"], href)
				}
			}
		}
	}
}

// check runs the scenario's assertions.
func (br *browserRun) check() {
	t := br.t
	if br.scenario != "blocked-origin" {
		br.checkCommon()
	}
	tokens := br.env.issuedTokens(br.run)
	switch br.scenario {
	case "success":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		want := seq(ev("pageLoaded", nil), br.connectEvents(true, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}))
		br.wantEvents("main", want)
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")
		br.wantData("catalogTitle", "Connect your account")
		br.wantData("successTitle", "Account connected")
		br.wantData("badge", 1)
		br.wantData("linkAnother", 1)
		br.checkAccessTokens()
		br.checkBrandLogo()

	case "mfa":
		br.wantScreens("main", "loading", "catalog", "credentials", "mfa", "accounts", "success")
		p := br.accessPayload("sandbox-brokerage-1234", "sandbox-savings-5678")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			ev("integrationMfaRequired", nil),
			ev("integrationMfaEntered", nil), // 000000: refused on the screen, no connection error
			ev("integrationMfaEntered", nil), // 123456
			ev("integrationAccountSelectionRequired", nil),
			ev("integrationConnected", p),
			connected(p),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("mfaSubtitle", "Enter the 6-digit code we sent to your phone ending in 0042.")
		br.wantData("mfaError", "That code isn’t correct. Check it and try again.")
		br.wantData("successTitle", "Accounts connected")
		br.checkAccessTokens()

	case "wrong-password":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		p := br.accessPayload("sandbox-brokerage-1234")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			// What the user is shown (in English), and an errorType to branch on.
			ev("integrationConnectionError", obj{"errorMessage": "The username or password is incorrect.", "errorType": "invalidIntegrationCredentials"}),
			ev("credentialsEntered", nil),
			ev("integrationAccountSelectionRequired", nil),
			ev("integrationConnected", p),
			connected(p),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("formError", "The username or password is incorrect.")
		br.wantData("usernameAfter", "user_good")
		br.wantData("passwordAfter", "")

	case "restrict-accounts":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil), br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("linkAnother", 0)

	case "link-another":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success", "catalog", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil),
			br.connectEvents(false, "sandbox-brokerage-1234"),
			br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("linkAnother", 1)
		br.checkAccessTokens()

	case "integration-id":
		br.wantScreens("main", "loading", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil), br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))
		br.wantData("backButtonVisible", false)
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")

	case "transfer":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "loading", "transfer-asset", "loading",
			"transfer-preview", "transfer-executing", "transfer-success")
		br.checkTransfer(transferWant{
			networkID: ethereumID, networkName: "Ethereum", amount: 25, amountInFiat: 25,
			gas:               obj{"fee": 0.0004, "feeCurrency": "ETH", "feeInFiat": 1.2},
			institution:       obj{"fee": 0.025, "feeCurrency": "USDC", "feeInFiat": 0.03},
			client:            obj{"fee": 0.25, "feeCurrency": "USDC", "feeInFiat": 0.25},
			totalAmountInFiat: math.Round((25+0.025+0.25+0.0004*3000)*100) / 100,
		})
		br.wantData("catalogTitle", "Choose where to transfer from")
		br.wantData("preview", obj{
			"preview-amount":  "25 USDC",
			"to-address":      re(`^0x5aAe…eAed\s*Show$`),
			"amount":          re(`^25 USDC\s*\$25\.00$`),
			"fee-network":     re(`^0\.0004 ETH\s*\$1\.20$`),
			"fee-institution": re(`^0\.025 USDC\s*\$0\.03$`),
			"fee-client":      re(`^0\.25 USDC\s*\$0\.25$`),
			"total":           re(`^25\.275 USDC \+ 0\.0004 ETH\s*\$26\.48$`),
		})
		br.wantData("toAddressFull", allowedAddress)
		finished := br.transferFinishedPayload()
		br.wantData("txHashTitle", finished["txHash"])
		br.checkAfterLink(finished)

	case "transfer-amount":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "loading", "transfer-asset", "transfer-network",
			"transfer-amount", "transfer-preview", "transfer-executing", "transfer-success")
		br.checkTransfer(transferWant{
			networkID: br.env.baseID, networkName: "Base", amount: 10.5, amountInFiat: 10.5,
			gas:               obj{"fee": 0.00001, "feeCurrency": "ETH", "feeInFiat": 0.03},
			institution:       obj{"fee": 0.0105, "feeCurrency": "USDC", "feeInFiat": 0.01},
			client:            obj{"fee": 0, "feeCurrency": "USDC", "feeInFiat": 0},
			totalAmountInFiat: math.Round((10.5+0.0105+0.00001*3000)*100) / 100,
		})
		br.wantData("balance", "1,200 USDC")
		br.wantData("amountError", "That’s more than you can send. The most is 1,198.80119878 USDC.")
		br.wantData("preview", obj{
			"preview-amount":  "10.5 USDC",
			"to-address":      re(`^0x5aAe…eAed\s*Show$`),
			"amount":          re(`^10\.5 USDC\s*\$10\.50$`),
			"fee-network":     re(`^0\.00001 ETH\s*\$0\.03$`),
			"fee-institution": re(`^0\.0105 USDC\s*\$0\.01$`),
			"fee-client":      "Free",
			"total":           re(`^10\.5105 USDC \+ 0\.00001 ETH\s*\$10\.54$`),
		})

	case "transfer-max":
		br.checkMax()

	case "verify":
		br.wantScreens("main", "loading", "catalog", "verify", "verify-success")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("walletMessageSigned", obj{
				"signedMessageHash": reEVMSignature,
				"message":           br.env.verifyMessage,
				"address":           connector.SandboxWalletEVM,
				"timeStamp":         anyNumber,
				"isVerified":        true,
				"verifiedAddresses": []any{connector.SandboxWalletEVM},
			}),
			ev("verifyDonePage", nil),
			exit(nil, obj{"page": "verifyDonePage", "selectedIntegration": selectedSandbox()}),
		))
		ts, _ := br.event("main", "walletMessageSigned")["timeStamp"].(float64)
		if d := time.Since(time.UnixMilli(int64(ts))); d < 0 || d > 5*time.Minute {
			t.Errorf("%s: walletMessageSigned.timeStamp %v is not the time of signing (%v ago)", br.run, ts, d)
		}
		sig, _ := br.event("main", "walletMessageSigned")["signedMessageHash"].(string)
		if err := walletsig.Verify("evm", connector.SandboxWalletEVM, br.env.verifyMessage, sig); err != nil {
			t.Errorf("%s: the sandbox's signature does not verify: %v", br.run, err)
		}
		br.wantData("catalogTitle", "Choose your wallet")
		br.wantData("message", br.env.verifyMessage)
		br.wantData("network", "Ethereum")
		br.wantData("address", connector.SandboxWalletEVM)
		br.wantData("verifiedAddress", connector.SandboxWalletEVM)
		br.wantVerifications(obj{"address": connector.SandboxWalletEVM, "networkType": "evm", "isSandbox": true, "walletName": "Sandbox", "signedMessageHash": sig})

	case "verify-rejected":
		br.wantScreens("main", "loading", "catalog", "verify", "verify-mismatch")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("verifyWalletRejected", nil),
			ev("defiWalletError", obj{"integrationName": "Sandbox", "errorType": "verifyMismatch", "timeStamp": anyNumber,
				"details": obj{"requestedAddress": allowedAddress, "connectedAddress": connector.SandboxWalletEVM, "connectedNetwork": "Ethereum"}}),
			exit(nil, obj{"page": "verifyWalletRejectedPage", "selectedIntegration": selectedSandbox()}),
		))
		br.wantData("reasons", "This address isn’t one of those allowed.")
		br.wantVerifications()

	case "wallet-connect", "wallet-refused", "wallet-timeout", "wallet-verify-evm", "wallet-verify-solana", "wallet-wrong-address", "wallet-tampered", "pay-wallet",
		"wallet-chooser":
		br.checkWallets()

	case "operator-revoked":
		cancelled := "This link was cancelled by the app that created it. Please start again from the app."
		br.wantScreens("main", "loading", "catalog", "credentials", "error(sessionRevokedByOperator)")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			exit(cancelled, obj{"page": "errorPage", "selectedIntegration": selectedSandbox(), "errorMessage": cancelled, "errorType": "sessionRevokedByOperator"}),
		))
		br.wantData("revoked", obj{"clientId": br.client.ID, "revokedLinkTokens": 0, "revokedSessions": 1})
		br.wantData("title", "This link was cancelled")
		br.wantData("message", "The app that created this link cancelled it. Go back to the app and start again.")

	case "reused-token":
		used := "This link was already used. For your security, please start again from the app."
		revoked := "This link was opened again somewhere else, so this session was ended for your security. Please start again from the app."
		br.wantScreens("second", "loading", "error(linkTokenAlreadyUsed)")
		br.wantEvents("second", seq(ev("pageLoaded", nil), exit(used, obj{"page": "errorPage", "errorMessage": used, "errorType": "linkTokenAlreadyUsed"})))
		br.wantScreens("main", "loading", "catalog", "credentials", "error(sessionRevoked)")
		br.wantEvents("main", seq(
			ev("pageLoaded", nil),
			ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
			ev("credentialsEntered", nil),
			exit(revoked, obj{"page": "errorPage", "selectedIntegration": selectedSandbox(), "errorMessage": revoked, "errorType": "sessionRevoked"}),
		))
		br.wantData("secondTitle", "This link was already used")
		br.wantData("secondMessage", "For your security, each link opens only once. Go back to the app and start again.")
		// The first page's user learns what happened: the link was opened elsewhere.
		br.wantData("firstTitle", "This link was opened somewhere else")
		br.wantData("firstMessage", "The same link was opened again, in another window or on another device, so this session was ended for your security. Go back to the app and start again.")
		if len(tokens) != 1 {
			t.Fatalf("%s: the backend issued %d tokens, want 1", br.run, len(tokens))
		}
		tu := decodeToken(t, tokens[0])
		if r := br.linkd.redeem(t, tu.ClientID, "link", tu.Code); r.Code != http.StatusConflict || r.Type() != "linkTokenAlreadyUsed" {
			t.Errorf("%s: redeeming the reused code again: %v, want 409 linkTokenAlreadyUsed", br.run, r)
		}

	case "expired-token":
		expired := "This link has expired. Please start again from the app."
		br.wantScreens("main", "loading", "error(linkTokenExpired)")
		br.wantEvents("main", seq(ev("pageLoaded", nil), exit(expired, obj{"page": "errorPage", "errorMessage": expired, "errorType": "linkTokenExpired"})))
		br.wantData("title", "This link has expired")
		br.wantData("message", "Links stay valid for a few minutes only. Go back to the app and start again.")
		br.wantData("hrefAfterLoad", br.linkURL()+"#lng=en")

	case "blocked-origin":
		br.checkBlocked(tokens)

	case "readme-snippet":
		br.wantScreens("main", "loading", "catalog", "credentials", "accounts", "success")
		br.wantEvents("main", seq(ev("pageLoaded", nil), br.connectEvents(false, "sandbox-brokerage-1234"),
			exit(nil, obj{"page": "integrationConnectedPage", "selectedIntegration": selectedSandbox()})))

	default:
		t.Fatalf("no checks for scenario %q", br.scenario)
	}
}

type transferWant struct {
	networkID, networkName   string
	amount, amountInFiat     float64
	gas, institution, client obj
	totalAmountInFiat        float64
}

// transferFinishedPayload is the onTransferFinished payload the page recorded.
func (br *browserRun) transferFinishedPayload() map[string]any {
	for _, e := range br.page("main").Events {
		if e["cb"] == "onTransferFinished" {
			p, _ := e["payload"].(map[string]any)
			return p
		}
	}
	br.t.Fatalf("%s: no onTransferFinished", br.run)
	return nil
}

// checkTransfer asserts the callbacks of a transfer from the sandbox's first account,
// and that the ids agree across events, onTransferFinished and the summary.
func (br *browserRun) checkTransfer(w transferWant) {
	t := br.t
	txn := transactionID(br.run)
	user := userID(br.run)
	p := br.accessPayload("sandbox-brokerage-1234")
	finished := obj{
		"status": "success", "txId": reUUID, "fromAddress": sandboxEVMAddr, "toAddress": allowedAddress,
		"symbol": "USDC", "amount": w.amount, "networkId": w.networkID, "userId": user, "clientTransactionId": txn,
		"amountInFiat": w.amountInFiat, "totalAmountInFiat": w.totalAmountInFiat, "networkName": w.networkName,
		"txHash": reEVMHash, "transferId": reUUID,
	}
	br.wantEvents("main", seq(
		ev("pageLoaded", nil),
		ev("integrationSelected", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "userSearched": false}),
		ev("credentialsEntered", nil),
		ev("integrationAccountSelectionRequired", nil),
		ev("integrationConnected", p),
		connected(p),
		ev("transferStarted", sandboxInfo()),
		ev("transferAssetSelected", obj{"symbol": "USDC"}),
		ev("transferNetworkSelected", obj{"id": w.networkID, "name": w.networkName}),
		ev("transferAmountEntered", nil),
		ev("transferPreviewed", obj{
			"amount": w.amount, "symbol": "USDC", "toAddress": allowedAddress, "networkId": w.networkID,
			"previewId": reUUID, "networkName": w.networkName, "amountInFiat": w.amountInFiat, "fiatCurrency": "USD",
			"integrationType": "sandbox", "integrationName": "Sandbox",
			"estimatedNetworkGasFee": w.gas, "institutionTransferFee": w.institution, "customClientFee": w.client,
			"cryptocurrencyFundingOptions": []any{}, "userId": user, "clientTransactionId": txn,
		}),
		ev("transferInitiated", obj{"integrationType": "sandbox", "integrationName": "Sandbox", "status": "pending"}),
		ev("transferExecuted", obj{
			"status": "success", "txId": reUUID, "fromAddress": sandboxEVMAddr, "toAddress": allowedAddress,
			"symbol": "USDC", "amount": w.amount, "networkId": w.networkID, "userId": user, "clientTransactionId": txn,
		}),
		ev("transferCompleted", finished),
		transferFinished(finished),
		exit(nil, obj{"page": "transferExecutedPage", "selectedIntegration": selectedSandbox(), "transfer": obj{
			"previewId": reUUID, "symbol": "USDC", "amount": w.amount, "amountInFiat": w.amountInFiat,
			"networkId": w.networkID, "transactionId": reUUID,
		}}),
	))
	if t.Failed() {
		return
	}
	// The same transfer everywhere.
	preview := br.event("main", "transferPreviewed")
	executed := br.event("main", "transferExecuted")
	completed := br.event("main", "transferCompleted")
	got := br.transferFinishedPayload()
	var summary map[string]any
	for _, e := range br.page("main").Events {
		if e["cb"] == "onExit" {
			s, _ := e["summary"].(map[string]any)
			summary, _ = s["transfer"].(map[string]any)
		}
	}
	if got["transferId"] != preview["previewId"] || summary["previewId"] != preview["previewId"] {
		t.Errorf("%s: previewId %v, transferId %v, summary.transfer.previewId %v: want one id", br.run, preview["previewId"], got["transferId"], summary["previewId"])
	}
	if got["txId"] != executed["txId"] || summary["transactionId"] != got["txId"] {
		t.Errorf("%s: transferExecuted.txId %v, onTransferFinished.txId %v, summary.transfer.transactionId %v: want one id", br.run, executed["txId"], got["txId"], summary["transactionId"])
	}
	if compactJSON(completed) != compactJSON(got) {
		t.Errorf("%s: transferCompleted payload %s differs from onTransferFinished's %s", br.run, compactJSON(completed), compactJSON(got))
	}
}

// accountTokens are the accountTokens of every onIntegrationConnected callback the page
// got, in order.
func (br *browserRun) accountTokens() []map[string]any {
	var out []map[string]any
	for _, e := range br.page("main").Events {
		if e["cb"] != "onIntegrationConnected" {
			continue
		}
		p, _ := e["payload"].(map[string]any)
		at, _ := p["accessToken"].(map[string]any)
		accounts, _ := at["accountTokens"].([]any)
		for _, a := range accounts {
			m, _ := a.(map[string]any)
			out = append(out, m)
		}
	}
	return out
}

// checkAccessTokens calls POST /api/v1/balance/get, as the client's backend would, with
// every access token onIntegrationConnected delivered (and refuses a refresh token).
func (br *browserRun) checkAccessTokens() {
	t := br.t
	n := 0
	for _, a := range br.accountTokens() {
		acct, _ := a["account"].(map[string]any)
		for _, kind := range []string{"accessToken", "refreshToken"} {
			tok, _ := a[kind].(string)
			body, _ := json.Marshal(map[string]string{"authToken": tok, "type": "sandbox"})
			r := br.linkd.do(t, "POST", "/api/v1/balance/get", body, "X-Client-Id", br.client.ID, "X-Client-Secret", br.client.Secret,
				"Content-Type", "application/json")
			if kind == "refreshToken" {
				if r.Code != http.StatusUnauthorized || r.Type() != "authTokenInvalid" {
					t.Errorf("%s: balance/get with the refresh token of %v: %v, want 401 authTokenInvalid", br.run, acct["accountId"], r)
				}
				continue
			}
			n++
			var c struct {
				TotalCash float64 `json:"totalCashUsdValue"`
			}
			if r.Code != http.StatusOK || json.Unmarshal(r.Env.Content, &c) != nil {
				t.Errorf("%s: balance/get with the access token of %v: %v, want 200", br.run, acct["accountId"], r)
			} else if c.TotalCash != acct["cash"] {
				t.Errorf("%s: balance/get of %v: totalCashUsdValue %v, want the account's cash %v", br.run, acct["accountId"], c.TotalCash, acct["cash"])
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no access token to try", br.run)
	}
}

// checkBrandLogo: brokerBrandInfo.brokerLogo is the base64 of the logo at logoLightUrl.
func (br *browserRun) checkBrandLogo() {
	t := br.t
	p := br.event("main", "integrationConnected")
	at, _ := p["accessToken"].(map[string]any)
	brand, _ := at["brokerBrandInfo"].(map[string]any)
	u, _ := brand["logoLightUrl"].(string)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s: logoLightUrl %q: %v", br.run, u, err)
	}
	r := br.linkd.do(t, "GET", pu.Path, nil)
	if r.Code != http.StatusOK || base64.StdEncoding.EncodeToString(r.Body) != brand["brokerLogo"] {
		t.Errorf("%s: GET %s: HTTP %d, %d bytes: want 200 with the bytes brokerBrandInfo.brokerLogo encodes", br.run, u, r.Code, len(r.Body))
	}
}

// checkBlocked: on a host origin the client did not register, the browser refused to
// frame the Link UI (CSP frame-ancestors), nothing reached the page from the Link UI, and
// the code is unspent. linkd logged a warning naming the client, the origin and the fix;
// linkd's SDK called onExit with the likely cause after linkdLoadTimeout (Mesh's SDK
// calls nothing).
func (br *browserRun) checkBlocked(tokens []string) {
	t := br.t
	r := br.res
	p := br.page("main")
	if br.sdk == "linkd" {
		blocked := br.env.blockedOrigin
		msg := re(`^linkd SDK: the Link UI did not load within 6 s\. Most likely this page's origin \(` + regexp.QuoteMeta(blocked) +
			`\) is not one of the link token's client's origins.*linkd client update ` + br.client.ID + ` --origin ` + regexp.QuoteMeta(blocked) + ` `)
		br.wantEvents("main", []obj{exit(msg, obj{"page": "startPage", "errorMessage": msg, "errorType": "linkUiNotLoaded"})})
	} else if len(p.Events) != 0 {
		t.Errorf("%s: the host page got callbacks: %v", br.run, callbackKinds(p.Events))
	}
	// Both runs frame the same client from the same origin: one warning a minute, so the
	// line may be the other run's.
	logs := br.linkd.Logs()
	fix := "linkd client update " + br.client.ID + " --origin " + br.env.hostOrigin + " --origin " + br.env.blockedOrigin
	var warned bool
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "did not register") && strings.Contains(l, "clientId="+br.client.ID) &&
			strings.Contains(l, "origin="+br.env.blockedOrigin) && strings.Contains(l, "allowedOrigins=["+br.env.hostOrigin+"]") && strings.Contains(l, fix) {
			warned = true
		}
	}
	if !warned {
		t.Errorf("%s: linkd logged no warning naming client %s, origin %s, allowed origins [%s] and %q", br.run, br.client.ID, br.env.blockedOrigin, br.env.hostOrigin, fix)
	}
	if len(p.Messages) != 0 || len(p.Posts) != 0 || len(p.Screens) != 0 {
		t.Errorf("%s: the Link UI ran: screens %v, posted %d, host received %d messages", br.run, screenNames(p.Screens), len(p.Posts), len(p.Messages))
	}
	if n, _ := r.Data["frameScreens"].(float64); n != 0 || r.Data["frameScreens"] == nil {
		t.Errorf("%s: the iframe holds %v [data-screen] elements, want 0", br.run, r.Data["frameScreens"])
	}
	if u, _ := r.Data["frameURL"].(string); u != "chrome-error://chromewebdata/" && u != "about:blank" {
		t.Errorf("%s: the iframe's document is %q, want Chromium's error page (blocked by frame-ancestors)", br.run, u)
	}
	blocked := false
	for _, c := range r.Console {
		if s, _ := c["text"].(string); strings.Contains(s, "frame-ancestors") && strings.Contains(s, br.env.hostOrigin) {
			blocked = true
		}
	}
	if !blocked {
		t.Errorf("%s: no console report of the frame-ancestors refusal naming %s; console: %v", br.run, br.env.hostOrigin, r.Console)
	}
	if len(r.ExternalRequests) > 0 {
		t.Errorf("%s: requests left the machine: %v", br.run, r.ExternalRequests)
	}
	if len(tokens) != 1 {
		t.Fatalf("%s: the backend issued %d tokens, want 1", br.run, len(tokens))
	}
	tu := decodeToken(t, tokens[0])
	res := br.linkd.redeem(t, tu.ClientID, "link", tu.Code)
	if res.Code != http.StatusOK {
		t.Errorf("%s: the code opened on the blocked page should be unspent: POST /link/api/sessions answered %v, want 200", br.run, res)
	}
}

// checkMax: "Max" (button-max) fills "the most the account can send" (TESTIDS.md), so the
// amount it fills prices, and the transfer goes through. The sandbox's brokerage account
// holds 1,200 USDC; sending USDC on Ethereum costs an institution fee of 0.1 % in USDC
// (the network fee is paid in ETH), so the most it can send is 1200 / 1.001 USDC.
func (br *browserRun) checkMax() {
	t := br.t
	most := math.Floor(1200/1.001*1e8) / 1e8
	if refused, ok := br.data("maxRefused").(string); ok {
		var previewErr any
		for _, e := range br.page("main").Events {
			if ev, _ := e["event"].(map[string]any); ev != nil && ev["type"] == "transferPreviewError" {
				previewErr = ev["payload"]
			}
		}
		t.Errorf("%s: BUG: Max filled %v USDC, and Continue refused it: %q (transferPreviewError %s). "+
			"Max should fill the most the account can send, fees included: %v USDC (1,200 USDC held, 0.1 %% institution fee)",
			br.run, br.data("maxValue"), refused, compactJSON(previewErr), most)
		return
	}
	kinds := callbackKinds(br.page("main").Events)
	if slices.Contains(kinds, "onEvent:transferPreviewError") || !slices.Contains(kinds, "onTransferFinished") {
		t.Errorf("%s: callbacks %v: want a transfer without preview errors", br.run, kinds)
	}
	p := br.event("main", "transferPreviewed")
	amount, _ := p["amount"].(float64)
	fee, _ := p["institutionTransferFee"].(map[string]any)["fee"].(float64)
	if amount+fee > 1200+1e-9 || amount < most-1e-6 {
		t.Errorf("%s: Max priced %v USDC + %v USDC fee: want the most the account can send (%v USDC, within its 1,200 USDC)", br.run, amount, fee, most)
	}
}

// afterLinkResult is node/afterlink.mjs's output line.
type afterLinkResult struct {
	OK       bool     `json:"ok"`
	Failures []string `json:"failures"`
	Results  struct {
		Statuses []string `json:"statuses"`
		Transfer struct {
			ID, Status, Hash string
		} `json:"transfer"`
		Holdings struct {
			AccountID string `json:"accountId"`
			Positions int    `json:"positions"`
		} `json:"holdings"`
	} `json:"results"`
}

// checkAfterLink does what the page's backend does after a deposit, with Mesh's
// node-api (node/afterlink.mjs): it confirms the transfer onTransferFinished reported by
// listing transfers with its transaction id (v1TransfersManagedMeshList) until the
// sandbox settles it, reads the account with the access token onIntegrationConnected
// delivered (v1HoldingsGetCreate, v1BalanceGetCreate) and refreshes that token.
func (br *browserRun) checkAfterLink(finished map[string]any) {
	t := br.t
	var access, refresh string
	if tokens := br.accountTokens(); len(tokens) > 0 {
		access, _ = tokens[0]["accessToken"].(string)
		refresh, _ = tokens[0]["refreshToken"].(string)
	}
	transferID, _ := finished["transferId"].(string)
	txHash, _ := finished["txHash"].(string)
	stdout, stderr, code := runNode(t, br.env.node, "afterlink.mjs", "LINKD_URL="+br.linkd.URL, "LINKD_CLIENT_ID="+br.client.ID,
		"LINKD_CLIENT_SECRET="+br.client.Secret, "CLIENT_TRANSACTION_ID="+transactionID(br.run), "TRANSFER_ID="+transferID,
		"TX_HASH="+txHash, "ACCESS_TOKEN="+access, "REFRESH_TOKEN="+refresh, "WANT_STATUS=succeeded")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var res afterLinkResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("afterlink.mjs (exit %d) printed no result: %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	if code != 0 || !res.OK {
		t.Fatalf("%s: after Link, with node-api: exit %d, %d failed check(s):\n  %s\nstderr:\n%s", br.run, code, len(res.Failures),
			strings.Join(res.Failures, "\n  "), stderr)
	}
	if res.Results.Transfer.ID != transferID || res.Results.Transfer.Status != "succeeded" || res.Results.Holdings.AccountID != "sandbox-brokerage-1234" {
		t.Errorf("%s: after Link: %+v", br.run, res.Results)
	}
	t.Logf("%s: node-api saw the transfer go %v, and %d positions", br.run, res.Results.Statuses, res.Results.Holdings.Positions)
}
