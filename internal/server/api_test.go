package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	ethereum = "e3c7fdd8-b1fc-4e51-85ae-bb276e075611"
	ethAddr  = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	typical  = `{"userId":"user-1","transferOptions":{"toAddresses":[{"networkId":"` + ethereum + `","symbol":"USDC","address":"` + ethAddr + `","amount":25}],"amountInFiat":25,"transactionId":"tx-1","clientFee":0.01,"transferType":"payment","generatePayLink":true},"restrictMultipleAccounts":true}`
)

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

var codeRE = regexp.MustCompile(`#c=[A-Za-z0-9_-]{64}`)

var tokenRE = regexp.MustCompile(`"linkToken":"([A-Za-z0-9+/=]+)"`)

// stable replaces the random and per-run parts of an answer (the token, its code, the
// base URL, the client id), keeping the exact bytes otherwise, so that it can be compared
// with a golden file.
func stable(e *linkdtest.Env, clientID string, body []byte) []byte {
	out := tokenRE.ReplaceAllStringFunc(string(body), func(m string) string {
		raw, _ := base64.StdEncoding.DecodeString(tokenRE.FindStringSubmatch(m)[1])
		return `"linkToken":"base64(` + stableURL(e, clientID, string(raw)) + `)"`
	})
	return []byte(stableURL(e, clientID, out))
}

func stableURL(e *linkdtest.Env, clientID, s string) string {
	s = strings.ReplaceAll(s, e.URL, "{publicUrl}")
	s = strings.ReplaceAll(s, clientID, "{clientId}")
	return codeRE.ReplaceAllString(s, "#c={code}")
}

func TestLinkTokenWireFormat(t *testing.T) {
	e := linkdtest.Start(t)
	cases := []struct {
		name, body string
		status     int
	}{
		{"minimal", `{"userId":"user-1"}`, 200},
		{"pay link", typical, 200},
		{"validation error", `{"userId":"","transferOptions":{"clientFee":2}}`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.LinkToken(t, e.Client, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			golden(t, "linktoken_"+strings.ReplaceAll(tc.name, " ", "_")+".json", stable(e, e.Client.ID, resp.Body))
		})
	}
}

// TestLinkTokenURL checks the token's meaning: an absolute URL on the public base URL,
// with a 256-bit code in the fragment, that the SDK's appendQueryParam leaves intact.
func TestLinkTokenURL(t *testing.T) {
	for _, public := range []string{"", "https://linkd.example.test/base"} {
		t.Run("public="+public, func(t *testing.T) {
			e := linkdtest.Start(t, func(c *config.Serve) {
				if public != "" {
					c.PublicURL = public
				}
			})
			base := public
			if base == "" {
				base = e.URL
			}
			env := e.LinkToken(t, e.Client, typical).Envelope(t)
			var content struct{ LinkToken, PaymentLink string }
			if err := json.Unmarshal(env.Content, &content, json.MatchCaseInsensitiveNames(true)); err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(content.LinkToken)
			if err != nil {
				t.Fatalf("linkToken is not standard base64: %v", err)
			}
			for kind, s := range map[string]string{"link": string(raw), "pay": content.PaymentLink} {
				u, err := url.Parse(s)
				if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
					t.Fatalf("%s URL %q is not an absolute http(s) URL", kind, s)
				}
				wantPrefix := base + "/" + kind + "/" + e.Client.ID + "#c="
				if !strings.HasPrefix(s, wantPrefix) || u.RawQuery != "" {
					t.Errorf("%s URL %q, want %s<code> and no query", kind, s, wantPrefix)
				}
				code, _ := strings.CutPrefix(u.Fragment, "c=")
				if b, err := base64.RawURLEncoding.DecodeString(code); err != nil || len(b) < 32 {
					t.Errorf("%s code %q: %d bytes (%v), want ≥ 32 random bytes", kind, code, len(b), err)
				}
				// The SDK appends its parameters with '?' or '&' after the whole string.
				sdk := s + "?lng=en&th=dark"
				su, _ := url.Parse(sdk)
				if su.RawQuery != "" || !strings.HasPrefix(su.Fragment, "c="+code+"?lng=en") {
					t.Errorf("after the SDK's appendQueryParam: query %q fragment %q", su.RawQuery, su.Fragment)
				}
			}
			if strings.Contains(string(raw), content.PaymentLink[strings.Index(content.PaymentLink, "#"):]) {
				t.Error("link token and payment link share a code")
			}
		})
	}
}

// TestAuthentication: OWASP API2:2023 — one answer for missing, unknown and wrong
// credentials; secrets in the query string are ignored.
func TestAuthentication(t *testing.T) {
	e := linkdtest.Start(t)
	other := e.NewClient(t)
	cases := []struct {
		name    string
		path    string
		headers []string
	}{
		{"no headers", "/api/v1/linktoken", nil},
		{"id only", "/api/v1/linktoken", []string{"X-Client-Id", e.Client.ID}},
		{"secret only", "/api/v1/linktoken", []string{"X-Client-Secret", e.Client.Secret}},
		{"unknown id", "/api/v1/linktoken", []string{"X-Client-Id", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "X-Client-Secret", e.Client.Secret}},
		{"not a uuid", "/api/v1/linktoken", []string{"X-Client-Id", "acme", "X-Client-Secret", e.Client.Secret}},
		{"wrong secret", "/api/v1/linktoken", []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret + "x"}},
		{"another client's secret", "/api/v1/linktoken", []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", other.Secret}},
		{"secret prefix", "/api/v1/linktoken", []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret[:20]}},
		{"secret in query string", "/api/v1/linktoken?client_secret=" + e.Client.Secret + "&X-Client-Secret=" + e.Client.Secret, []string{"X-Client-Id", e.Client.ID}},
		{"integrations", "/api/v1/integrations", []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", "nope"}},
		{"networks", "/api/v1/transfers/managed/networks", nil},
	}
	var first []byte
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if !strings.HasPrefix(tc.path, "/api/v1/linktoken") {
				method = "GET"
			}
			resp := e.Do(t, method, tc.path, []byte(`{"userId":"u1"}`), append(tc.headers, "Content-Type", "application/json")...)
			if resp.StatusCode != 401 {
				t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
			}
			if first == nil {
				first = resp.Body
				golden(t, "unauthorized.json", resp.Body)
			} else if !bytes.Equal(first, resp.Body) {
				t.Errorf("401 body differs:\n%s\nvs\n%s", first, resp.Body)
			}
		})
	}
}

func TestClientStates(t *testing.T) {
	e := linkdtest.Start(t)
	ctx := context.Background()
	disabled := e.NewClient(t, func(c *store.Client) { c.Enabled = false })
	us := e.NewClient(t, func(c *store.Client) { c.Jurisdiction = "US" })
	de := e.NewClient(t, func(c *store.Client) { c.Jurisdiction = "DE" })
	pii := e.NewClient(t, func(c *store.Client) { c.AllowPIIUserID = true })
	sub := store.SubClient{ID: "0b9b6c55-5a39-4d3c-9d0e-2f6f2b3b0a11", ClientID: e.Client.ID, Name: "Merchant", CreatedAt: time.Now()}
	if err := e.Store.CreateSubClient(ctx, sub); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		client linkdtest.Credentials
		body   string
		status int
		typ    string
	}{
		{"disabled client", disabled, `{"userId":"u1"}`, 423, "clientDisabled"},
		{"disabled client, bad body", disabled, `{`, 423, "clientDisabled"},
		{"jurisdiction allows", us, `{"userId":"u1","brokerType":"binanceUs"}`, 200, ""},
		{"jurisdiction refuses", de, `{"userId":"u1","brokerType":"binanceUs"}`, 451, "integrationUnavailableInJurisdiction"},
		{"pii allowed for this client", pii, `{"userId":"jane@example.com"}`, 200, ""},
		{"own sub-client", e.Client, `{"userId":"u1","subClientId":"` + sub.ID + `"}`, 200, ""},
		{"sub-client of another client", us, `{"userId":"u1","subClientId":"` + sub.ID + `"}`, 404, "subClientNotFound"},
		{"unknown sub-client", e.Client, `{"userId":"u1","subClientId":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}`, 404, "subClientNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.LinkToken(t, tc.client, tc.body)
			env := resp.Envelope(t)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if tc.typ == "" {
				if env.Status != "ok" || env.ErrorType != nil {
					t.Errorf("envelope %+v", env)
				}
				return
			}
			if env.ErrorType == nil || *env.ErrorType != tc.typ {
				t.Errorf("errorType %v, want %s", env.ErrorType, tc.typ)
			}
			wantStatus := map[int]string{423: "locked", 451: "unavailableForLegalReasons", 404: "notFound"}[tc.status]
			if env.Status != wantStatus {
				t.Errorf("status %q, want %q", env.Status, wantStatus)
			}
		})
	}
}

// TestHTTPLayer: media type, size, method and route errors, all in the envelope.
func TestHTTPLayer(t *testing.T) {
	e := linkdtest.Start(t)
	auth := []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret}
	big := `{"userId":"u1","transferOptions":{"description":"` + strings.Repeat("x", 64<<10) + `"}}`
	cases := []struct {
		name    string
		method  string
		path    string
		body    string
		headers []string
		status  int
		typ     string
		allow   string
	}{
		{"no content type", "POST", "/api/v1/linktoken", `{"userId":"u1"}`, nil, 415, "unsupportedMediaType", ""},
		{"form content type", "POST", "/api/v1/linktoken", `userId=u1`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupportedMediaType", ""},
		{"text/plain", "POST", "/api/v1/linktoken", `{"userId":"u1"}`, []string{"Content-Type", "text/plain"}, 415, "unsupportedMediaType", ""},
		{"json in latin1", "POST", "/api/v1/linktoken", `{"userId":"u1"}`, []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "unsupportedMediaType", ""},
		{"json utf-8", "POST", "/api/v1/linktoken", `{"userId":"u1"}`, []string{"Content-Type", "application/json; charset=UTF-8"}, 200, "", ""},
		{"+json suffix", "POST", "/api/v1/linktoken", `{"userId":"u1"}`, []string{"Content-Type", "application/vnd.linkd+json"}, 200, "", ""},
		{"body over 64 KiB", "POST", "/api/v1/linktoken", big, []string{"Content-Type", "application/json"}, 413, "requestTooLarge", ""},
		{"GET linktoken", "GET", "/api/v1/linktoken", ``, nil, 405, "methodNotAllowed", "POST"},
		{"PUT linktoken", "PUT", "/api/v1/linktoken", `{}`, []string{"Content-Type", "application/json"}, 405, "methodNotAllowed", "POST"},
		{"DELETE linktoken", "DELETE", "/api/v1/linktoken", ``, nil, 405, "methodNotAllowed", "POST"},
		{"OPTIONS linktoken", "OPTIONS", "/api/v1/linktoken", ``, []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, 405, "methodNotAllowed", "POST"},
		{"POST integrations", "POST", "/api/v1/integrations", `{}`, []string{"Content-Type", "application/json"}, 405, "methodNotAllowed", "GET, HEAD"},
		{"unknown route", "GET", "/api/v1/nope", ``, nil, 404, "routeNotFound", ""},
		{"unknown root path", "GET", "/wp-admin", ``, nil, 404, "routeNotFound", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.Do(t, tc.method, tc.path, []byte(tc.body), append(append([]string{}, auth...), tc.headers...)...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			env := resp.Envelope(t)
			if tc.typ != "" && (env.ErrorType == nil || *env.ErrorType != tc.typ) {
				t.Errorf("errorType %v, want %s", env.ErrorType, tc.typ)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			// Server-to-server API: never CORS (OWASP API8:2023), never cached (RFC 6749 §5.1).
			for h, want := range map[string]string{"Access-Control-Allow-Origin": "", "Cache-Control": "no-store",
				"Pragma": "no-cache", "X-Content-Type-Options": "nosniff", "Content-Type": "application/json; charset=utf-8"} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

// TestRateLimits: a client's own limit (429 with Retry-After) does not affect another
// client; repeated failed authentications from one address are cut off (OWASP API2).
func TestRateLimits(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.AuthFailures = 5 })
	limited := e.NewClient(t, func(c *store.Client) { c.RateLimit = 1; c.RateBurst = 3 })
	for i := range 3 {
		if r := e.LinkToken(t, limited, `{"userId":"u1"}`); r.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	r := e.LinkToken(t, limited, `{"userId":"u1"}`)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") != "1" || *r.Envelope(t).ErrorType != "rateLimited" || r.Envelope(t).Status != "tooManyRequest" {
		t.Fatalf("4th request: %d Retry-After=%q %s", r.StatusCode, r.Header.Get("Retry-After"), r.Body)
	}
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("other client: %d", r.StatusCode)
	}
	bad := linkdtest.Credentials{ID: e.Client.ID, Secret: "wrong"}
	for i := range 5 {
		if r := e.LinkToken(t, bad, `{"userId":"u1"}`); r.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, r.StatusCode)
		}
	}
	for _, c := range []linkdtest.Credentials{bad, e.Client} {
		r := e.LinkToken(t, c, `{"userId":"u1"}`)
		if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("after 5 failures: %d %s", r.StatusCode, r.Body)
		}
	}
	e.Clock.Advance(time.Minute)
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("a minute later: %d %s", r.StatusCode, r.Body)
	}
}

// TestActiveTokenCap: a client holds at most --max-active-tokens unexpired link tokens
// (docs/threat-model.md A4); refused requests and invalid ones do not count, other clients are
// not affected, and tokens stop counting once they expire. (Like the rate limit, the cap
// is checked before the body is validated.)
func TestActiveTokenCap(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.MaxActiveTokens = 3 })
	for i := range 3 {
		// An invalid request issues nothing and takes no place.
		if r := e.LinkToken(t, e.Client, `{}`); r.StatusCode != 400 {
			t.Fatalf("invalid request: %d %s", r.StatusCode, r.Body)
		}
		if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
			t.Fatalf("token %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	r := e.LinkToken(t, e.Client, `{"userId":"u1"}`)
	env := r.Envelope(t)
	if r.StatusCode != 429 || env.ErrorType == nil || *env.ErrorType != "tooManyActiveTokens" || env.Status != "tooManyRequest" ||
		!strings.Contains(env.Message, "--max-active-tokens") {
		t.Fatalf("4th token: %d %s", r.StatusCode, r.Body)
	}
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > int(e.Config.TokenTTL.Seconds())+60 {
		t.Errorf("Retry-After = %q, want the seconds until the oldest token expires", r.Header.Get("Retry-After"))
	}
	if r := e.LinkToken(t, e.NewClient(t), `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("another client: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Advance(e.Config.TokenTTL + time.Minute)
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("once the tokens have expired: %d %s", r.StatusCode, r.Body)
	}
}

func TestCatalogEndpoints(t *testing.T) {
	e := linkdtest.Start(t)
	auth := []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret}
	var integrations struct {
		Items []struct {
			ID, Name, Type string
			Logo           struct{ LogoLightURL string } `json:"logo"`
		} `json:"items"`
	}
	env := e.Do(t, "GET", "/api/v1/integrations", nil, auth...).Envelope(t)
	if err := json.Unmarshal(env.Content, &integrations, json.MatchCaseInsensitiveNames(true)); err != nil || len(integrations.Items) < 50 {
		t.Fatalf("integrations: %v, %d items", err, len(integrations.Items))
	}
	// Every logo URL is served by linkd itself.
	for _, it := range integrations.Items[:5] {
		u := it.Logo.LogoLightURL
		if !strings.HasPrefix(u, e.URL+"/static/logos/") {
			t.Fatalf("%s logo %q not on linkd", it.Type, u)
		}
		r := e.Do(t, "GET", strings.TrimPrefix(u, e.URL), nil)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(r.Body, []byte("<svg")) {
			t.Errorf("%s: %d %s", u, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	var networks struct {
		Networks []struct{ ID, Name, NetworkType string } `json:"networks"`
	}
	env = e.Do(t, "GET", "/api/v1/transfers/managed/networks", nil, auth...).Envelope(t)
	if err := json.Unmarshal(env.Content, &networks, json.MatchCaseInsensitiveNames(true)); err != nil || len(networks.Networks) < 15 {
		t.Fatalf("networks: %v, %d", err, len(networks.Networks))
	}
	if r := e.Do(t, "GET", "/static/logos/nope.svg", nil); r.StatusCode != 404 {
		t.Errorf("unknown logo: %d", r.StatusCode)
	}
}

// TestNo5xxForAnyBody throws malformed and hostile bodies at the endpoint: every answer
// is a 2xx or 4xx envelope.
func TestNo5xxForAnyBody(t *testing.T) {
	e := linkdtest.Start(t)
	bodies := []string{
		``, `null`, `0`, `"x"`, `[]`, `{}`, `{"userId":{}}`, `{"userId":[]}`, `{"userId":"u","transferOptions":{"toAddresses":{}}}`,
		`{"userId":"u","transferOptions":{"toAddresses":[null]}}`, `{"userId":"u","transferOptions":{"toAddresses":[1,"x"]}}`,
		`{"userId":"u","transferOptions":{"goodsDetails":[null]}}`, `{"userId":"u","verifyWalletOptions":{"addresses":[null]}}`,
		`{"userId":"u","transferOptions":{"amountInFiat":-0}}`, `{"userId":"u","transferOptions":{"clientFee":1e-400}}`,
		strings.Repeat(`[`, 10000), `{"userId":"\ud800"}`, `{"userId":"\u0000"}`, "\xef\xbb\xbf{\"userId\":\"u\"}",
		`{"userId":"u","brokerType":""}`, `{"userId":"u","integrationId":""}`, `{"userId":"u","subClientId":""}`,
		`{"userId":"u","transferOptions":{"toAddresses":[{"networkId":"","symbol":"","address":""}]}}`,
		`{"userId":"u","verifyWalletOptions":{"message":"m","networkId":"","networkType":""}}`,
	}
	for _, b := range bodies {
		r := e.LinkToken(t, e.Client, b)
		if r.StatusCode >= 500 || (r.StatusCode != 200 && r.StatusCode != 400) {
			t.Errorf("body %.40q: status %d %s", b, r.StatusCode, r.Body)
		}
		r.Envelope(t)
	}
}

// TestErrorResponsesHideInternals: a store that fails answers 503 with Retry-After and a
// generic message (docs/threat-model.md S1: fail closed, no 200 for an unpersisted token).
func TestErrorResponsesHideInternals(t *testing.T) {
	e := linkdtest.Start(t)
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 { // warm the client cache
		t.Fatal(r.StatusCode)
	}
	e.Store.Close()
	r := e.LinkToken(t, e.Client, `{"userId":"u1"}`)
	env := r.Envelope(t)
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || *env.ErrorType != "storeUnavailable" || env.Status != "serverFailure" {
		t.Fatalf("closed store: %d %s", r.StatusCode, r.Body)
	}
	if strings.Contains(string(r.Body), "sqlite") || strings.Contains(string(r.Body), "closed") {
		t.Errorf("internal error text leaked: %s", r.Body)
	}
	if r := e.Do(t, "GET", "/readyz", nil); r.StatusCode != 503 {
		t.Errorf("readyz with a closed store: %d", r.StatusCode)
	}
	if r := e.Do(t, "GET", "/healthz", nil); r.StatusCode != 200 {
		t.Errorf("healthz: %d", r.StatusCode)
	}
}
