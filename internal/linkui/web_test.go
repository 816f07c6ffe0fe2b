package linkui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/catalog"
)

// Checks of the Link UI's static files (internal/linkui/web): translations, messaging,
// CSP-safe markup, and the data the page keeps copies of.

// assets are the embedded files as the page's URLs name them.
var assets = func() fs.FS {
	s, err := fs.Sub(web, "web")
	if err != nil {
		panic(err)
	}
	return s
}()

func webText(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(assets, name)
	if err != nil {
		t.Fatalf("web/%s: %v", name, err)
	}
	return string(b)
}

// webFiles returns the embedded files whose names end in ext.
func webFiles(t *testing.T, ext string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ext) {
			out[p] = webText(t, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no %s files in web/", ext)
	}
	return out
}

var (
	langTableRE  = regexp.MustCompile(`(?ms)^const (\w+) = \{\n(.*?)^\};`)
	langEntryRE  = regexp.MustCompile(`^\s*'([^']+)':\s*'((?:[^'\\]|\\.)*)',\s*$`)
	messagesRE   = regexp.MustCompile(`export const MESSAGES = Object\.freeze\(\{([^}]*)\}\)`)
	placeholdeRE = regexp.MustCompile(`\{(\w+)\}`)
)

// translations parses i18n.js: language → key → text.
func translations(t *testing.T) (map[string]map[string]string, []string) {
	t.Helper()
	src := webText(t, "i18n.js")
	tables := map[string]map[string]string{}
	for _, m := range langTableRE.FindAllStringSubmatch(src, -1) {
		name, body := m[1], m[2]
		table := map[string]string{}
		for i, line := range strings.Split(body, "\n") {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			e := langEntryRE.FindStringSubmatch(line)
			if e == nil {
				t.Errorf("i18n.js %s, line %d of the table: not `'key': 'text',`: %q", name, i+1, line)
				continue
			}
			if _, dup := table[e[1]]; dup {
				t.Errorf("i18n.js %s: key %q twice", name, e[1])
			}
			table[e[1]] = e[2]
		}
		tables[name] = table
	}
	mm := messagesRE.FindStringSubmatch(src)
	if mm == nil {
		t.Fatal("i18n.js: no `export const MESSAGES = Object.freeze({ … })`")
	}
	var langs []string
	for _, l := range strings.Split(mm[1], ",") {
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	return tables, langs
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholdeRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// TestWebTranslations: every language has every key of en, no other key, no empty text,
// and the same {placeholders}; en and es are both there.
func TestWebTranslations(t *testing.T) {
	tables, langs := translations(t)
	if !slices.Contains(langs, "en") || !slices.Contains(langs, "es") {
		t.Fatalf("MESSAGES lists %v; want en and es at least", langs)
	}
	en := tables["en"]
	if len(en) < 100 {
		t.Fatalf("en has %d keys; the parser probably missed the table", len(en))
	}
	for _, lang := range langs {
		table, ok := tables[lang]
		if !ok {
			t.Errorf("MESSAGES lists %s but i18n.js has no `const %s = {` table", lang, lang)
			continue
		}
		for k, v := range en {
			tv, ok := table[k]
			switch {
			case !ok:
				t.Errorf("%s: missing key %q", lang, k)
			case strings.TrimSpace(tv) == "":
				t.Errorf("%s: empty text for %q", lang, k)
			case !slices.Equal(placeholders(v), placeholders(tv)):
				t.Errorf("%s: %q has placeholders %v, en has %v", lang, k, placeholders(tv), placeholders(v))
			}
		}
		for k := range table {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: key %q is not in en", lang, k)
			}
		}
	}
}

var (
	tCallRE      = regexp.MustCompile(`\bt(?:En)?\(\s*'([^']+)'`)
	keyLiteralRE = regexp.MustCompile(`'([a-z][A-Za-z]*\.[A-Za-z][A-Za-z.]*)'`)
	errorKeyRE   = regexp.MustCompile(`\{ icon: '\w+', key: '(\w+)' \}`)
	categoriesRE = regexp.MustCompile(`CATEGORY_ORDER = \[([^\]]*)\]`)
)

// TestWebTranslationKeysUsed: every key the scripts ask for exists in en.
func TestWebTranslationKeysUsed(t *testing.T) {
	tables, _ := translations(t)
	en := tables["en"]
	namespaces := map[string]bool{}
	for k := range en {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	for name, src := range webFiles(t, ".js") {
		if name == "i18n.js" {
			continue
		}
		for _, m := range tCallRE.FindAllStringSubmatch(src, -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: t(%q): no such key in i18n.js", name, m[1])
			}
		}
		for _, m := range keyLiteralRE.FindAllStringSubmatch(src, -1) {
			if ns := strings.SplitN(m[1], ".", 2)[0]; namespaces[ns] {
				if _, ok := en[m[1]]; !ok {
					t.Errorf("%s: key %q: no such key in i18n.js", name, m[1])
				}
			}
		}
	}
	// Keys built at run time: error screens and category labels.
	core := webText(t, "core.js")
	errs := errorKeyRE.FindAllStringSubmatch(core, -1)
	if len(errs) < 10 {
		t.Fatalf("core.js: found %d error kinds; the pattern no longer matches ERRORS", len(errs))
	}
	for _, m := range errs {
		for _, k := range []string{"error." + m[1] + ".title", "error." + m[1] + ".message"} {
			if _, ok := en[k]; !ok {
				t.Errorf("core.js ERRORS: no key %q", k)
			}
		}
	}
	cm := categoriesRE.FindStringSubmatch(webText(t, "app.js"))
	if cm == nil {
		t.Fatal("app.js: no CATEGORY_ORDER")
	}
	for _, c := range strings.Split(cm[1], ",") {
		c = strings.Trim(strings.TrimSpace(c), "'")
		for _, k := range []string{"category." + c, "kind." + c} {
			if _, ok := en[k]; !ok {
				t.Errorf("app.js CATEGORY_ORDER: no key %q", k)
			}
		}
	}
	cat := catalog.MustLoad()
	for _, in := range cat.Integrations() {
		if in.Hidden {
			continue
		}
		for _, c := range in.Categories {
			if _, ok := en["category."+c]; !ok {
				t.Errorf("catalog category %q (%s) has no label category.%s", c, in.Name, c)
			}
		}
	}
}

var (
	postMessageRE = regexp.MustCompile(`postMessage\s*\(`)
	wildcardRE    = regexp.MustCompile("postMessage\\s*\\([^;]*['\"`]\\*['\"`]")
	postCallRE    = regexp.MustCompile(`\bpost\(\s*'([^']+)'`)
	quotedRE      = regexp.MustCompile(`'([^']+)'`)
)

func jsList(t *testing.T, src, name string) []string {
	t.Helper()
	re := regexp.MustCompile(`(?s)export const ` + name + ` = Object\.freeze\(\[(.*?)\]\)`)
	m := re.FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("events.js: no %s", name)
	}
	var out []string
	for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	return out
}

// TestWebMessaging: one postMessage call of the page's own (the vendored Comlink's go
// through the bridge's endpoint, locked the same way), never to '*'; every type posted is
// one the SDK handles, and none that the SDK derives itself.
func TestWebMessaging(t *testing.T) {
	for _, bad := range []string{"window.parent.postMessage(msg, '*')", `parent.postMessage({type: 'done'}, "*");`, "w.postMessage(x,`*`)"} {
		if !wildcardRE.MatchString(bad) {
			t.Fatalf("the wildcard check misses %s", bad)
		}
	}
	calls := 0
	for name, src := range webFiles(t, ".js") {
		if wildcardRE.MatchString(src) {
			t.Errorf("%s: postMessage with target '*'", name)
		}
		n := len(postMessageRE.FindAllString(src, -1))
		if strings.HasPrefix(name, "vendor/") {
			continue // Comlink: windowEndpoint posts to the origin bridge.js gives it
		}
		if n > 0 && name != "messaging.js" {
			t.Errorf("%s: calls postMessage; only messaging.js may (through post())", name)
		}
		calls += n
	}
	if calls != 1 {
		t.Errorf("found %d postMessage calls; want exactly 1 (messaging.js post())", calls)
	}
	msg := webText(t, "messaging.js")
	if !strings.Contains(msg, "window.parent.postMessage(msg, target)") {
		t.Error("messaging.js: post() no longer posts to the locked target origin")
	}
	if !strings.Contains(msg, "e.source !== window.parent || e.origin !== target") {
		t.Error("messaging.js: incoming messages are not checked against the parent window and origin")
	}

	// The bridge posts through Comlink's windowEndpoint to the parent on the locked origin,
	// and reads answers only from that window and origin (docs/threat-model.md U2).
	bridge := webText(t, "bridge.js")
	for _, want := range []string{"Comlink.windowEndpoint(window.parent, window, origin)", "e.source === window.parent && e.origin === origin", "origin !== '*'"} {
		if !strings.Contains(bridge, want) {
			t.Errorf("bridge.js: no %q", want)
		}
	}
	if n := strings.Count(webText(t, "app.js"), "startDiscovery(parent)"); n != 1 || !strings.Contains(webText(t, "app.js"), "parent = state.kind === 'pay' ? null : lock(config.origins);") {
		t.Error("app.js: the bridge is no longer opened with the origin lock() accepted")
	}

	events := webText(t, "events.js")
	keys := jsList(t, events, "LINK_EVENT_TYPE_KEYS")
	types := jsList(t, events, "MESSAGE_TYPES")
	derived := jsList(t, events, "DERIVED_BY_SDK")
	for name, src := range webFiles(t, ".js") {
		for _, m := range postCallRE.FindAllStringSubmatch(src, -1) {
			typ := m[1]
			switch {
			case slices.Contains(derived, typ):
				t.Errorf("%s: posts %s, which the SDK derives itself", name, typ)
			case !slices.Contains(keys, typ) && !slices.Contains(types, typ):
				t.Errorf("%s: posts %s, which the SDK does not handle", name, typ)
			}
		}
	}

	// The copy of the SDK's list matches the SDK, when the e2e tests' node_modules are there.
	sdk, err := os.ReadFile(filepath.Join("..", "..", "e2e", "node_modules", "@meshconnect", "web-link-sdk", "utils", "event-types.js"))
	if err != nil {
		t.Logf("SDK not installed (%v); not comparing LINK_EVENT_TYPE_KEYS", err)
		return
	}
	m := regexp.MustCompile(`(?s)var LINK_EVENT_TYPE_KEYS = \[(.*?)\]`).FindStringSubmatch(string(sdk))
	if m == nil {
		t.Fatal("SDK event-types.js: no LINK_EVENT_TYPE_KEYS")
	}
	var want []string
	for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
		want = append(want, q[1])
	}
	if !slices.Equal(keys, want) {
		t.Errorf("events.js LINK_EVENT_TYPE_KEYS differs from the SDK's:\n got %v\nwant %v", keys, want)
	}
}

// TestWebCSPSafe: the page runs under `script-src 'self'; style-src 'self'` with no
// third-party host: no inline script or style, no eval, no HTML strings, no storage of
// the session credential.
func TestWebCSPSafe(t *testing.T) {
	html := webText(t, "index.html")
	for _, m := range regexp.MustCompile(`<script\b[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(m, ` src="`) && !strings.Contains(m, `type="application/json"`) {
			t.Errorf("index.html: inline script %s", m)
		}
	}
	if !strings.Contains(html, "{{.Config}}") || !strings.Contains(html, `id="linkd-config"`) {
		t.Error("index.html: the linkd-config JSON block is gone")
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`\sstyle\s*=`), regexp.MustCompile(`\son[a-z]+\s*=`), regexp.MustCompile(`<style`),
		regexp.MustCompile(`javascript:`),
	} {
		if bad.MatchString(html) {
			t.Errorf("index.html: matches %s", bad)
		}
	}
	forbidden := []string{"eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
		"setAttribute('style'", "localStorage", "sessionStorage", "document.cookie", "indexedDB", ".cssText"}
	for name, src := range webFiles(t, ".js") {
		for _, f := range forbidden {
			if strings.Contains(src, f) {
				t.Errorf("%s: uses %s", name, f)
			}
		}
	}
	hostRE := regexp.MustCompile(`https?://[^\s'"()<>]+`)
	for _, ext := range []string{".js", ".css", ".html"} {
		for name, src := range webFiles(t, ext) {
			for _, u := range hostRE.FindAllString(src, -1) {
				if !strings.HasPrefix(u, "http://www.w3.org/2000/svg") {
					t.Errorf("%s: refers to %s (no third-party hosts)", name, u)
				}
			}
		}
	}
}

var (
	testIDRE     = regexp.MustCompile("testid: (?:'([^']+)'|`([^`]+)`)")
	feeIDRE      = regexp.MustCompile(`feeRow\([^)]*, '([^']+)'\)`)
	addressIDRE  = regexp.MustCompile(`addressValue\([^)]*, '([^']+)'\)`)
	screenNameRE = regexp.MustCompile(`\bscreen\('([a-z-]+)'`)
)

// TestWebTestIDsDocumented: TESTIDS.md lists every screen and test id the scripts use, and
// the screens the browser tests rely on exist.
func TestWebTestIDsDocumented(t *testing.T) {
	doc := webText(t, "TESTIDS.md")
	documented := func(id string) bool { return strings.Contains(doc, "`"+id+"`") || strings.Contains(doc, "`"+id) }
	screens := map[string]bool{}
	for name, src := range webFiles(t, ".js") {
		for _, m := range testIDRE.FindAllStringSubmatch(src, -1) {
			id := m[1]
			if id == "" {
				// A template: check the part before the first ${…}.
				id = m[2][:strings.Index(m[2]+"${", "${")]
				if id == "" {
					continue // `${name}-title`: documented as NAME-title
				}
			}
			if !documented(id) {
				t.Errorf("%s: test id %q is not in TESTIDS.md", name, id)
			}
		}
		for _, re := range []*regexp.Regexp{feeIDRE, addressIDRE} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				if !documented(m[1]) {
					t.Errorf("%s: test id %q is not in TESTIDS.md", name, m[1])
				}
			}
		}
		for _, m := range screenNameRE.FindAllStringSubmatch(src, -1) {
			screens[m[1]] = true
			if !strings.Contains(doc, "| `"+m[1]+"` |") {
				t.Errorf("%s: screen %q is not in TESTIDS.md's table", name, m[1])
			}
		}
	}
	for _, s := range []string{"loading", "error", "catalog", "credentials", "unavailable", "mfa", "accounts", "success",
		"transfer-asset", "transfer-network", "transfer-amount", "transfer-preview", "transfer-executing", "transfer-success",
		"verify", "verify-success", "verify-rejected", "not-allowed"} {
		if !screens[s] {
			t.Errorf("no screen %q", s)
		}
	}
}

// TestVendoredComlink: vendor/comlink.js is Comlink 4.4.2's ESM build byte for byte, with
// its licence (compared with the npm package when the e2e tests' node_modules are there).
func TestVendoredComlink(t *testing.T) {
	got := webText(t, "vendor/comlink.js")
	if !strings.Contains(webText(t, "vendor/LICENSE.comlink"), "Apache License") || !strings.Contains(got, "SPDX-License-Identifier: Apache-2.0") {
		t.Error("vendor/: Comlink's licence is missing")
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "e2e", "node_modules", "comlink", "dist", "esm", "comlink.mjs"))
	if err != nil {
		t.Skipf("comlink not installed (%v); not comparing", err)
	}
	if got != string(want) {
		t.Error("vendor/comlink.js differs from e2e/node_modules/comlink/dist/esm/comlink.mjs")
	}
}
