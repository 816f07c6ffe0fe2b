package server_test

import (
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
)

// TestLinkPageHeaders is docs/threat-model.md U1 and U4: the page a link token opens may be framed
// only by the client's registered origins (a header, no X-Frame-Options), loads only its
// own resources, leaks no referrer and is never cached; loading it consumes nothing.
func TestLinkPageHeaders(t *testing.T) {
	e := linkdtest.Start(t)
	two := e.NewClient(t, func(c *store.Client) { c.Origins = []string{"https://a.example", "http://localhost:3000"} })
	none := e.NewClient(t, func(c *store.Client) { c.Origins = nil })
	disabled := e.NewClient(t, func(c *store.Client) { c.Enabled = false; c.Origins = []string{"https://a.example"} })
	cases := []struct {
		name, path, ancestors string
	}{
		{"one origin", "/link/" + e.Client.ID, "frame-ancestors https://app.example"},
		{"two origins", "/link/" + two.ID, "frame-ancestors https://a.example http://localhost:3000"},
		{"no origins", "/link/" + none.ID, "frame-ancestors 'none'"},
		{"disabled client", "/link/" + disabled.ID, "frame-ancestors 'none'"},
		{"unknown client", "/link/3fa85f64-5717-4562-b3fc-2c963f66afa6", "frame-ancestors 'none'"},
		{"not a client id", "/link/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "frame-ancestors 'none'"},
		{"payment page", "/pay/" + e.Client.ID, "frame-ancestors 'none'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, "GET", tc.path, nil)
			if r.StatusCode != 200 {
				t.Fatalf("status %d", r.StatusCode)
			}
			csp := r.Header.Get("Content-Security-Policy")
			if !strings.HasSuffix(csp, tc.ancestors) || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP %q, want it to end with %q", csp, tc.ancestors)
			}
			for h, want := range map[string]string{"X-Frame-Options": "", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
				"X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8", "Access-Control-Allow-Origin": ""} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if strings.Contains(string(r.Body), "<script>alert") || strings.Contains(string(r.Body), "alert(1)") {
				t.Error("path text reflected into the page")
			}
		})
	}
	// Loading the page (as a previewer would) does not consume the code.
	tok := issue(t, e, e.Client, `{"userId":"u1"}`)
	for range 3 {
		e.Do(t, "GET", "/link/"+tok.clientID, nil)
	}
	if r := redeem(t, e, tok.clientID, "link", tok.code); r.StatusCode != 200 {
		t.Fatalf("code consumed by page loads: %d", r.StatusCode)
	}
	// Assets: JavaScript MIME type for modules; no directory listing or template source.
	if r := e.Do(t, "GET", "/link/assets/app.js", nil); r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("app.js: %d %q", r.StatusCode, r.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/link/assets/index.html", "/link/assets/", "/link/assets/nope.js"} {
		if r := e.Do(t, "GET", p, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r := e.Do(t, "GET", "/link/assets/../page.go", nil); strings.Contains(string(r.Body), "package linkui") {
		t.Error("Go source served")
	}
}
