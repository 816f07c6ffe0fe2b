package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/meshapi"
)

// ethereumUSDC is a transfer destination valid in linkd's catalog: the Ethereum network,
// its USDC token, and the token's own contract address as the destination.
var ethereumUSDC = meshapi.ToAddress{NetworkID: "e3c7fdd8-b1fc-4e51-85ae-bb276e075611", Symbol: "USDC",
	Address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", Amount: 10}

// payLink is a request for a payment link to ethereumUSDC.
func payLink(userID string) *meshapi.LinkTokenRequest {
	return &meshapi.LinkTokenRequest{UserID: userID,
		TransferOptions: &meshapi.TransferOptions{GeneratePayLink: true, ToAddresses: []meshapi.ToAddress{ethereumUSDC}}}
}

// appendQueryParam is @meshconnect/web-link-sdk's utils/url.js appendQueryParam, which
// Link.js applies to the decoded link token for lng, fiatCur, th and rt.
func appendQueryParam(u, key, value string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + key + "=" + value
}

// TestTokenURL checks the URL inside a link token and the payment link, with a public
// URL behind a proxy (with a path prefix) and with the default public URL: absolute, on
// exactly that base, the code in the fragment (never sent to a server), no query string,
// and the web SDK's query parameters ending up inside the fragment.
func TestTokenURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		publicURL string // "": the default, http://localhost:<port>
	}{
		{name: "behind a proxy with a path prefix", args: []string{"--public-url", "https://linkd.example.test/base"}, publicURL: "https://linkd.example.test/base"},
		{name: "public URL with a trailing slash", args: []string{"--public-url", "https://linkd.example.test/base/"}, publicURL: "https://linkd.example.test/base"},
		{name: "public URL with a port", args: []string{"--public-url=http://linkd.example.test:8443"}, publicURL: "http://linkd.example.test:8443"},
		{name: "default public URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startLinkd(t, tc.args...)
			c := p.createClient(t, "Token Co")
			public := tc.publicURL
			if public == "" {
				_, port, _ := net.SplitHostPort(p.Addr)
				public = "http://localhost:" + port
			}
			if public != p.PublicURL() {
				t.Fatalf("helper's PublicURL() = %q, want %q", p.PublicURL(), public)
			}

			body, _ := json.Marshal(payLink("u-1"))
			r := p.linkToken(t, c, string(body)) // raw: this test reads the answer's bytes
			var content struct {
				LinkToken   string  `json:"linkToken"`
				PaymentLink *string `json:"paymentLink"`
			}
			decodeContent(t, r, &content)
			raw, err := base64.StdEncoding.DecodeString(content.LinkToken)
			if err != nil {
				t.Fatalf("linkToken %q is not standard base64: %v", content.LinkToken, err)
			}
			if base64.StdEncoding.EncodeToString(raw) != content.LinkToken {
				t.Errorf("linkToken %q is not canonical standard base64 (padded, +/)", content.LinkToken)
			}
			if !strings.HasPrefix(string(raw), public+"/link/") {
				t.Errorf("decoded token %q does not start with %s/link/", raw, public)
			}
			tok := parsePageURL(t, string(raw))
			checkPageURL(t, tok, public, "/link/", c.ID)

			// The SDK appends its parameters to the end of the decoded string: with the
			// code in a fragment and no '?', they all land inside the fragment.
			sdk := string(raw)
			for _, kv := range [][2]string{{"lng", "en"}, {"fiatCur", "USD"}, {"th", "dark"}, {"rt", "embedded"}} {
				sdk = appendQueryParam(sdk, kv[0], kv[1])
			}
			su, err := url.Parse(sdk)
			if err != nil {
				t.Fatal(err)
			}
			if su.RawQuery != "" || su.EscapedPath() != tok.URL.EscapedPath() || su.Host != tok.URL.Host {
				t.Errorf("SDK URL %q: query %q, path %q: want no query and the token's path", sdk, su.RawQuery, su.EscapedPath())
			}
			frag, err := url.ParseQuery(strings.Replace(su.Fragment, "?", "&", 1))
			if err != nil || frag.Get("c") != tok.Code || frag.Get("lng") != "en" || frag.Get("rt") != "embedded" {
				t.Errorf("SDK URL fragment %q: want c=<code> then the SDK's parameters (%v)", su.Fragment, err)
			}

			if content.PaymentLink == nil {
				t.Fatal("paymentLink = null, want a URL (generatePayLink: true)")
			}
			pay := parsePageURL(t, *content.PaymentLink)
			checkPageURL(t, pay, public, "/pay/", c.ID)
			if pay.Code == tok.Code {
				t.Errorf("paymentLink and linkToken carry the same code %q", pay.Code)
			}

			// The catalog's logos are served under the same public base URL.
			var catalog struct {
				Items []struct {
					Logo struct {
						LogoLightURL string `json:"logoLightUrl"`
					} `json:"logo"`
				} `json:"items"`
			}
			decodeContent(t, p.integrations(t, c), &catalog)
			if len(catalog.Items) == 0 || !strings.HasPrefix(catalog.Items[0].Logo.LogoLightURL, public+"/static/logos/") {
				t.Errorf("integration logo URL is not under %s/static/logos/: %+v", public, catalog.Items[:min(1, len(catalog.Items))])
			}

			// A second token has a fresh code; both codes open their own page kind.
			tok2, _ := p.issue(t, c, user("u-1"))
			if tok2.Code == tok.Code {
				t.Errorf("two tokens carry the same code %q", tok.Code)
			}
			for _, k := range []struct{ kind, code string }{{"link", tok.Code}, {"pay", pay.Code}, {"link", tok2.Code}} {
				if r := p.redeem(t, c.ID, k.kind, k.code); r.Code != http.StatusOK {
					t.Errorf("redeem %s code: %v, want 200", k.kind, r)
				}
			}
		})
	}
}
