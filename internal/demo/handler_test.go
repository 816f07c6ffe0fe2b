package demo_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/demo"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/webhook"
)

func startDemo(t *testing.T, mods ...func(*config.Serve)) (*linkdtest.Env, demo.Credentials) {
	t.Helper()
	e := linkdtest.Start(t, append([]func(*config.Serve){func(c *config.Serve) { c.Demo = true }}, mods...)...)
	b, err := os.ReadFile(filepath.Join(e.Config.DataDir, demo.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var cr demo.Credentials
	if err := json.Unmarshal(b, &cr); err != nil {
		t.Fatal(err)
	}
	return e, cr
}

func postScenario(t *testing.T, e *linkdtest.Env, body string, headers ...string) *linkdtest.Response {
	t.Helper()
	return e.Do(t, "POST", "/demo/api/linktoken", []byte(body), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// TestDemoLinkToken: every scenario gets a link token of the demo client, on the public
// URL, from a request the link-token service accepts.
func TestDemoLinkToken(t *testing.T) {
	e, cr := startDemo(t)
	cases := []struct {
		scenario string
		request  []string // the request the backend made contains these
	}{
		{"connect", []string{`"userId":"demo-user"`}},
		{"deposit", []string{`"networkId":"` + demo.NetworkEthereum + `","symbol":"USDC"`, `"networkId":"` + demo.NetworkSolana + `","symbol":"USDC"`,
			`"amountInFiat":25`, `"transactionId":"demo-`}},
		{"verify", []string{`"verificationMethods":["signedMessage"]`, `"message":"I own this wallet`}},
		{"sandbox", []string{`"integrationId":"` + demo.IntegrationSandbox + `"`}},
	}
	urlRE := regexp.MustCompile(`^` + regexp.QuoteMeta(e.URL+"/link/"+cr.ClientID+"#c=") + `[A-Za-z0-9_-]{64}$`)
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			// A browser's same-origin fetch, as the page makes it.
			r := postScenario(t, e, `{"scenario":"`+tc.scenario+`"}`, "Sec-Fetch-Site", "same-origin", "Origin", e.URL)
			env := r.Envelope(t)
			if r.StatusCode != 200 || env.Status != "ok" {
				t.Fatalf("status %d %s: %s", r.StatusCode, env.Status, r.Body)
			}
			var content struct {
				LinkToken string         `json:"linkToken"`
				Scenario  string         `json:"scenario"`
				Request   map[string]any `json:"request"`
			}
			if err := json.Unmarshal(env.Content, &content); err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(content.LinkToken)
			if err != nil || !urlRE.Match(raw) {
				t.Errorf("link token decodes to %q (%v), want %s…", raw, err, urlRE)
			}
			if content.Scenario != tc.scenario {
				t.Errorf("scenario %q", content.Scenario)
			}
			for _, s := range tc.request {
				if !strings.Contains(string(env.Content), s) {
					t.Errorf("request lacks %s: %s", s, env.Content)
				}
			}
		})
	}
	if logs := e.Logs.String(); !strings.Contains(logs, `"clientId":"`+cr.ClientID+`"`) {
		t.Error("access log does not name the demo client")
	}
	if logs := e.Logs.String(); strings.Contains(logs, cr.ClientSecret) {
		t.Error("demo client secret in the logs")
	}
}

// TestDemoLinkTokenRefusals: unknown scenarios and bad bodies are 400 in the envelope;
// browser requests from other origins are 403.
func TestDemoLinkTokenRefusals(t *testing.T) {
	e, _ := startDemo(t)
	cases := []struct {
		name      string
		body      string
		headers   []string
		status    int
		errorType string
	}{
		{"unknown scenario", `{"scenario":"withdraw"}`, nil, 400, "invalidEnumValue"},
		{"no scenario", `{}`, nil, 400, "invalidEnumValue"},
		{"not JSON", `scenario=connect`, nil, 400, "invalidJson"},
		{"wrong type", `{"scenario":1}`, nil, 400, "invalidJson"},
		{"not declared JSON", `{"scenario":"connect"}`, []string{"Content-Type", "text/plain"}, 415, "unsupportedMediaType"},
		{"cross-site fetch", `{"scenario":"connect"}`, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, 403, "crossOriginRequest"},
		{"same-site, other origin", `{"scenario":"connect"}`, []string{"Sec-Fetch-Site", "same-site", "Origin", "https://sub.localhost"}, 403, "crossOriginRequest"},
		{"old browser, other Origin", `{"scenario":"connect"}`, []string{"Origin", "https://evil.example"}, 403, "crossOriginRequest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postScenario(t, e, tc.body, tc.headers...)
			env := r.Envelope(t)
			if r.StatusCode != tc.status || env.ErrorType == nil || *env.ErrorType != tc.errorType || env.Content != nil && string(env.Content) != "null" {
				t.Errorf("got %d %s, want %d %s", r.StatusCode, r.Body, tc.status, tc.errorType)
			}
		})
	}
}

// TestDemoIssuesLikeTheAPI: the demo's backend issues through the API's own path, so it
// is held to --max-active-tokens and its tokens are counted like any client's.
func TestDemoIssuesLikeTheAPI(t *testing.T) {
	e, _ := startDemo(t, func(c *config.Serve) { c.MaxActiveTokens = 1 })
	if r := postScenario(t, e, `{"scenario":"connect"}`); r.StatusCode != 200 {
		t.Fatalf("first token: %d %s", r.StatusCode, r.Body)
	}
	r := postScenario(t, e, `{"scenario":"deposit"}`)
	env := r.Envelope(t)
	if r.StatusCode != 429 || env.ErrorType == nil || *env.ErrorType != "tooManyActiveTokens" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("second token: %d %s", r.StatusCode, r.Body)
	}
	// Another client is not affected.
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("another client: %d %s", r.StatusCode, r.Body)
	}
	if m := e.Do(t, "GET", "/metrics", nil); !strings.Contains(string(m.Body), "linkd_link_tokens_issued_total 2") {
		t.Errorf("issued tokens not counted:\n%s", m.Body)
	}
}

// TestDemoRevokedSecret: when the demo client's secret was revoked (or rotated) behind
// serve's back, the demo's backend says what to do rather than a bare 401.
func TestDemoRevokedSecret(t *testing.T) {
	e, cr := startDemo(t)
	if _, err := e.Store.RevokeSecrets(context.Background(), cr.ClientID, nil, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Second) // past the authenticator's cache
	r := postScenario(t, e, `{"scenario":"connect"}`)
	env := r.Envelope(t)
	if r.StatusCode != 401 || env.ErrorType == nil || *env.ErrorType != "invalidCredentials" ||
		!strings.Contains(env.Message, "delete "+demo.FileName+" in the data directory") {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
}

// TestDemoPage: the page and its assets, with the Link UI's strict CSP (no inline script).
func TestDemoPage(t *testing.T) {
	e, cr := startDemo(t)
	r := e.Do(t, "GET", "/demo", nil)
	if r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8",
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
			"frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin", "Cache-Control": "no-store",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	page := string(r.Body)
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(m, ` src="`) {
			t.Errorf("inline script: %s", m)
		}
	}
	if regexp.MustCompile(`\son[a-z]+=|style="|javascript:`).MatchString(page) {
		t.Error("inline handler or style attribute in the page")
	}
	if !strings.Contains(page, `data-public-origin="`+e.URL+`"`) || strings.Contains(page, cr.ClientSecret) {
		t.Error("page config wrong, or the secret leaked into the page")
	}
	assets := []struct{ path, contentType, contains string }{
		{"/demo/assets/app.js", "text/javascript; charset=utf-8", "import { createLink } from '../../sdk/link.js';"},
		{"/demo/assets/app.css", "text/css; charset=utf-8", ".card"},
		{"/demo/assets/logo.svg", "image/svg+xml", "<svg"},
	}
	for _, a := range assets {
		r := e.Do(t, "GET", a.path, nil)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != a.contentType || !strings.Contains(string(r.Body), a.contains) {
			t.Errorf("%s: %d %q", a.path, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	for _, p := range []string{"/demo/assets/index.html", "/demo/assets/nope.js", "/demo/assets/../handler.go"} {
		if r := e.Do(t, "GET", p, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	// The Link UI page may be framed by the demo page: the client's origins include it.
	if r := e.Do(t, "GET", "/link/"+cr.ClientID, nil); !strings.HasSuffix(r.Header.Get("Content-Security-Policy"), "frame-ancestors "+e.URL) {
		t.Errorf("Link UI CSP %q does not let the demo page frame it", r.Header.Get("Content-Security-Policy"))
	}
}

// TestNoDemoWithoutFlag: without --demo there is no page, no endpoint and no file.
func TestNoDemoWithoutFlag(t *testing.T) {
	e := linkdtest.Start(t)
	for _, p := range []struct{ method, path string }{{"GET", "/demo"}, {"POST", "/demo/api/linktoken"}, {"GET", "/demo/assets/app.js"}} {
		r := e.Do(t, p.method, p.path, []byte(`{"scenario":"connect"}`), "Content-Type", "application/json")
		if env := r.Envelope(t); r.StatusCode != 404 || *env.ErrorType != "routeNotFound" {
			t.Errorf("%s %s: %d %s", p.method, p.path, r.StatusCode, r.Body)
		}
	}
	if _, err := os.Stat(filepath.Join(e.Config.DataDir, demo.FileName)); err == nil {
		t.Error("demo client file created without --demo")
	}
	// The SDK is always served.
	if r := e.Do(t, "GET", "/sdk/link.js", nil); r.StatusCode != 200 {
		t.Errorf("/sdk/link.js: %d", r.StatusCode)
	}
}

// TestDemoWebhook: `serve --demo` registers a webhook to its own receiver, delivers to it
// although it is on a loopback address (that webhook only), and the page learns of each
// delivery with the result of the signature check; a forged delivery shows as bad.
func TestDemoWebhook(t *testing.T) {
	e, cr := startDemo(t)
	if cr.WebhookID == "" || !strings.HasPrefix(cr.WebhookSecret, webhook.SecretPrefix) {
		t.Fatalf("demo credentials without a webhook: %+v", cr)
	}
	hooks, err := e.Store.Webhooks(context.Background(), cr.ClientID)
	if err != nil || len(hooks) != 1 || hooks[0].ID != cr.WebhookID || hooks[0].URL != e.URL+demo.WebhookPath {
		t.Fatalf("demo webhook: %+v, %v", hooks, err)
	}
	stop := e.Server.StartBackground(context.Background())
	defer stop()
	r := postScenario(t, e, `{"scenario":"deposit"}`, "Sec-Fetch-Site", "same-origin", "Origin", e.URL)
	var content struct{ LinkToken string }
	json.Unmarshal(r.Envelope(t).Content, &content, json.MatchCaseInsensitiveNames(true))
	s := e.Open(t, content.LinkToken)
	fin := s.Transfer(t, s.ConnectSandbox(t), demo.NetworkEthereum, "USDC")

	type page struct {
		Deliveries []struct {
			Seq         int64
			SignatureOK bool
			Event       struct{ TransferID, TransferStatus, EventID string }
		}
	}
	poll := func(after int64, n int) page {
		t.Helper()
		var p page
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			r := e.Do(t, "GET", fmt.Sprintf("/demo/api/webhooks?after=%d", after), nil)
			json.Unmarshal(r.Envelope(t).Content, &p, json.MatchCaseInsensitiveNames(true))
			if len(p.Deliveries) >= n {
				return p
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%d deliveries after %d, want %d", len(p.Deliveries), after, n)
		return p
	}
	got := poll(0, 1).Deliveries[0]
	if !got.SignatureOK || got.Event.TransferID != fin.TransferID || got.Event.TransferStatus != "pending" {
		t.Fatalf("first delivery: %+v", got)
	}
	e.Clock.Advance(5 * time.Second)
	if n, err := e.Server.SettleOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("SettleOnce = %d, %v", n, err)
	}
	final := poll(got.Seq, 1).Deliveries[0]
	if !final.SignatureOK || final.Event.TransferStatus != "succeeded" || final.Event.EventID == got.Event.EventID {
		t.Errorf("final delivery: %+v", final)
	}
	// A forged delivery is kept, and shown as such.
	forged := e.Do(t, "POST", demo.WebhookPath, []byte(`{"transferStatus":"succeeded"}`), "Content-Type", "application/json",
		webhook.SignatureHeader, webhook.Sign("whsec_guess", []byte(`{"transferStatus":"succeeded"}`)))
	if forged.StatusCode != 200 {
		t.Fatalf("forged delivery: %d", forged.StatusCode)
	}
	if p := poll(final.Seq, 1); p.Deliveries[0].SignatureOK {
		t.Error("a forged delivery passed the signature check")
	}
}
