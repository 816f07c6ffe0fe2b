package sdk_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/sdk"
)

// TestHandlerHeaders: the script is a JavaScript module others import from other origins
// (CORS), never sniffed, cached briefly and revalidated by ETag; served at its route.
func TestHandlerHeaders(t *testing.T) {
	e := linkdtest.Start(t)
	cases := []struct {
		path, contentType, contains string
	}{
		{"/sdk/link.js", "text/javascript; charset=utf-8", "export function createLink(options)"},
		{"/sdk/link.d.ts", "application/typescript; charset=utf-8", "export declare function createLink(options: LinkOptions): Link;"},
		{"/sdk/comlink.js", "text/javascript; charset=utf-8", "function windowEndpoint(w, context = globalThis, targetOrigin = \"*\")"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := e.Do(t, "GET", tc.path, nil, "Origin", "https://app.example")
			if r.StatusCode != 200 {
				t.Fatalf("status %d", r.StatusCode)
			}
			for h, want := range map[string]string{
				"Content-Type":                 tc.contentType,
				"Cache-Control":                "public, max-age=300",
				"X-Content-Type-Options":       "nosniff",
				"Access-Control-Allow-Origin":  "*",
				"Cross-Origin-Resource-Policy": "cross-origin",
				"Set-Cookie":                   "",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if !strings.Contains(string(r.Body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			etag := r.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if r := e.Do(t, "GET", tc.path, nil, "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", r.StatusCode)
			}
			if r := e.Do(t, "HEAD", tc.path, nil); r.StatusCode != 200 || len(r.Body) != 0 {
				t.Errorf("HEAD: status %d, %d bytes", r.StatusCode, len(r.Body))
			}
			if r := e.Do(t, "POST", tc.path, nil); r.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("POST: status %d, want 405", r.StatusCode)
			}
		})
	}
}

func TestHandlerUnknownFile(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler of an unknown file did not panic")
		}
	}()
	sdk.Handler("index.html")
}

// TestScriptSafety: the script never posts to '*' (a message could reach whatever page
// the iframe was navigated to), never evaluates strings, makes no network request of its
// own, and names the version Go reports.
func TestScriptSafety(t *testing.T) {
	js := string(sdk.Script())
	// Comments may mention anything; check the code.
	code := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAllString(js, "")
	bad := []struct {
		name string
		re   *regexp.Regexp
	}{
		{"postMessage to '*'", regexp.MustCompile(`postMessage\([^)]*['"` + "`" + `]\*['"` + "`" + `]`)},
		{"eval", regexp.MustCompile(`\beval\b`)},
		{"Function constructor", regexp.MustCompile(`\bFunction\(`)},
		{"string timer", regexp.MustCompile(`set(Timeout|Interval)\(\s*['"` + "`" + `]`)},
		{"innerHTML", regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write`)},
		{"network request", regexp.MustCompile(`\bfetch\(|XMLHttpRequest|sendBeacon|WebSocket|EventSource`)},
		{"<style> element", regexp.MustCompile(`createElement\(['"]style['"]\)`)},
		{"wildcard origin", regexp.MustCompile(`targetOrigin\s*[:=]\s*['"]\*`)},
	}
	for _, b := range bad {
		if loc := b.re.FindStringIndex(code); loc != nil {
			t.Errorf("link.js has %s: %q", b.name, code[loc[0]:loc[1]])
		}
	}
	if got := strings.Count(code, "postMessage("); got != 1 {
		t.Errorf("link.js calls postMessage %d times, want once (post(), with the link origin)", got)
	}
	if !strings.Contains(code, "w.postMessage(message, current.origin)") {
		t.Error("postMessage does not name the link token's origin")
	}
	if !strings.Contains(code, "event.origin !== origin || event.source !== iframe.contentWindow") {
		t.Error("the message listener does not check both origin and source")
	}
	if want := "const SDK_VERSION = 'linkd-" + sdk.Version + "';"; !strings.Contains(code, want) {
		t.Errorf("link.js lacks %q", want)
	}
}

// TestEventKeysMatchTypes: the event keys the script forwards are exactly those its
// TypeScript declarations (copied from Mesh's event-types.d.ts) list.
func TestEventKeysMatchTypes(t *testing.T) {
	js := string(sdk.Script())
	dts, err := os.ReadFile("web/link.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)const LINK_EVENT_TYPE_KEYS = \[(.*?)\];`).FindStringSubmatch(js)
	list := regexp.MustCompile(`type LinkEventTypeKeyList = readonly \[(.*?)\];`).FindStringSubmatch(string(dts))
	if block == nil || list == nil {
		t.Fatal("key lists not found")
	}
	keys := func(s string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`['"](\w+)['"]`).FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	jsKeys, dtsKeys := keys(block[1]), keys(list[1])
	if len(jsKeys) != 43 || !slices.Equal(jsKeys, dtsKeys) {
		t.Errorf("link.js keys (%d) %v\n!= link.d.ts keys (%d) %v", len(jsKeys), jsKeys, len(dtsKeys), dtsKeys)
	}
	// The Link UI keeps the same list (a copy: the SDK is one file that host pages import
	// from another origin, so it cannot import the page's module).
	page, err := os.ReadFile("../linkui/web/events.js")
	if err != nil {
		t.Fatal(err)
	}
	pageBlock := regexp.MustCompile(`(?s)LINK_EVENT_TYPE_KEYS = Object.freeze\(\[(.*?)\]\)`).FindStringSubmatch(string(page))
	if pageBlock == nil || !slices.Equal(keys(pageBlock[1]), jsKeys) {
		t.Errorf("the Link UI's event keys (internal/linkui/web/events.js) differ from link.js's")
	}
}

// TestHandlerDirect: the handler works outside the server too (no middleware needed).
func TestHandlerDirect(t *testing.T) {
	w := httptest.NewRecorder()
	sdk.Handler("link.js").ServeHTTP(w, httptest.NewRequest("GET", "/sdk/link.js", nil))
	if w.Code != 200 || w.Body.Len() != len(sdk.Script()) {
		t.Errorf("status %d, %d bytes", w.Code, w.Body.Len())
	}
}

// TestLoadWatchdog: the errorType link.js reports for a Link UI that never loaded is the
// catalogue's (internal/problem), and its default wait is the documented 15 s.
func TestLoadWatchdog(t *testing.T) {
	js := string(sdk.Script())
	for _, want := range []string{
		"const NOT_LOADED = '" + problem.LinkUINotLoaded.Name + "';",
		"const LOAD_TIMEOUT_MS = 15000;",
		"options?.linkdLoadTimeout",
		"errorType: NOT_LOADED",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("link.js lacks %q", want)
		}
	}
	if !strings.Contains(problem.LinkUINotLoaded.Description, "15 s") {
		t.Errorf("the catalogue's %s does not state the 15 s default", problem.LinkUINotLoaded.Name)
	}
}
