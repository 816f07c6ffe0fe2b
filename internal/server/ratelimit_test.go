package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
)

// TestRateLimitHeaders: the RateLimit-Policy and RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers-11; docs/threat-model.md R2) parse as structured
// fields, follow each limiter, agree with Retry-After on a 429, and a retry after t
// seconds (on the test's clock) succeeds.
func TestRateLimitHeaders(t *testing.T) {
	type want struct {
		code           int
		policy, limits string // "" : the field must be absent
	}
	check := func(t *testing.T, r *linkdtest.Response, w want) {
		t.Helper()
		if r.StatusCode != w.code {
			t.Fatalf("status %d, want %d: %s", r.StatusCode, w.code, r.Body)
		}
		for _, f := range []struct{ name, want string }{{"RateLimit-Policy", w.policy}, {"RateLimit", w.limits}} {
			got := r.Header.Get(f.name)
			if got == "" && f.want == "" {
				continue
			}
			items, err := parseList(got)
			if err != nil {
				t.Fatalf("%s: %q is not a structured-field list: %v", f.name, got, err)
			}
			if s := fmt.Sprint(items); s != f.want {
				t.Errorf("%s: %q parses as %s, want %s", f.name, got, s, f.want)
			}
		}
		if w.code == 429 {
			items, _ := parseList(r.Header.Get("RateLimit"))
			if len(items) == 0 || strconv.Itoa(int(items[len(items)-1].params["t"].(int64))) != r.Header.Get("Retry-After") {
				t.Errorf("RateLimit %q: t differs from Retry-After %q", r.Header.Get("RateLimit"), r.Header.Get("Retry-After"))
			}
		}
	}
	retryAfter := func(r *linkdtest.Response) time.Duration {
		n, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		return time.Duration(n) * time.Second
	}

	t.Run("client bucket", func(t *testing.T) {
		e := linkdtest.Start(t)
		c := e.NewClient(t, func(c *store.Client) { c.RateLimit = 1; c.RateBurst = 3 })
		policy := `["client" q=3 w=3]`
		for i, limits := range []string{`["client" r=2 t=1]`, `["client" r=1 t=2]`, `["client" r=0 t=1]`} {
			t.Logf("request %d", i+1)
			check(t, e.LinkToken(t, c, `{"userId":"u1"}`), want{200, policy, limits})
		}
		r := e.LinkToken(t, c, `{"userId":"u1"}`)
		check(t, r, want{429, policy, `["client" r=0 t=1]`})
		// Any endpoint of the API, and an answer that is not a success, carries them.
		check(t, e.Do(t, "GET", "/api/v1/integrations", nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret),
			want{429, policy, `["client" r=0 t=1]`})
		e.Clock.Advance(retryAfter(r))
		check(t, e.LinkToken(t, c, `{}`), want{400, policy, `["client" r=0 t=1]`})
		e.Clock.Advance(retryAfter(r))
		check(t, e.LinkToken(t, c, `{"userId":"u1"}`), want{200, policy, `["client" r=0 t=1]`})
		// A client without a rate limit gets no fields.
		check(t, e.LinkToken(t, e.Client, `{"userId":"u1"}`), want{200, "", ""})
	})

	t.Run("failed authentications", func(t *testing.T) {
		e := linkdtest.Start(t, func(c *config.Serve) { c.AuthFailures = 2 })
		bad := linkdtest.Credentials{ID: e.Client.ID, Secret: "wrong"}
		for range 2 {
			check(t, e.LinkToken(t, bad, `{"userId":"u1"}`), want{401, "", ""}) // no countdown for a guesser
		}
		r := e.LinkToken(t, e.Client, `{"userId":"u1"}`)
		check(t, r, want{429, `["auth-failures" q=2 w=60]`, `["auth-failures" r=0 t=30]`})
		e.Clock.Advance(retryAfter(r))
		check(t, e.LinkToken(t, e.Client, `{"userId":"u1"}`), want{200, "", ""})
	})

	t.Run("active tokens and the client bucket", func(t *testing.T) {
		e := linkdtest.Start(t, func(c *config.Serve) { c.MaxActiveTokens = 2; c.TokenTTL = time.Minute })
		c := e.NewClient(t, func(c *store.Client) { c.RateLimit = 100 })
		policy := `["client" q=100 w=1 "active-tokens" q=2 w=60]`
		check(t, e.LinkToken(t, c, `{"userId":"u1"}`), want{200, policy, `["client" r=99 t=1 "active-tokens" r=1 t=60]`})
		check(t, e.LinkToken(t, c, `{"userId":"u1"}`), want{200, policy, `["client" r=98 t=1 "active-tokens" r=0 t=60]`})
		r := e.LinkToken(t, c, `{"userId":"u1"}`)
		check(t, r, want{429, policy, `["client" r=97 t=1 "active-tokens" r=0 t=60]`})
		e.Clock.Advance(retryAfter(r))
		check(t, e.LinkToken(t, c, `{"userId":"u1"}`), want{200, policy, `["client" r=99 t=1 "active-tokens" r=1 t=60]`}) // both expired
	})
}

// sfItem is an item of a structured-field list (RFC 9651 §3.1): a bare item and its
// parameters. String renders it as `[bare k=v …]` for comparisons (strings quoted).
type sfItem struct {
	bare   any
	keys   []string
	params map[string]any
}

func (it sfItem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%#v", it.bare)
	for _, k := range it.keys {
		fmt.Fprintf(&b, " %s=%v", k, it.params[k])
	}
	return b.String()
}

// parseList parses a structured-field list of items whose bare items and parameter
// values are integers, strings, tokens or booleans (RFC 9651 §4.2.1, the subset the
// RateLimit fields use); anything else is an error.
func parseList(s string) ([]sfItem, error) {
	p := &sfParser{s: s}
	var out []sfItem
	p.skip(" \t")
	for p.i < len(p.s) {
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		out = append(out, it)
		p.skip(" \t")
		if p.i == len(p.s) {
			return out, nil
		}
		if p.s[p.i] != ',' {
			return nil, fmt.Errorf("byte %d: want ',' between items", p.i)
		}
		p.i++
		p.skip(" \t")
		if p.i == len(p.s) {
			return nil, fmt.Errorf("trailing comma")
		}
	}
	return out, nil
}

type sfParser struct {
	s string
	i int
}

func (p *sfParser) skip(set string) {
	for p.i < len(p.s) && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *sfParser) item() (sfItem, error) {
	bare, err := p.bare()
	if err != nil {
		return sfItem{}, err
	}
	it := sfItem{bare: bare, params: map[string]any{}}
	for p.i < len(p.s) && p.s[p.i] == ';' {
		p.i++
		p.skip(" ")
		k := p.key()
		if k == "" {
			return sfItem{}, fmt.Errorf("byte %d: want a parameter key", p.i)
		}
		var v any = true
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			if v, err = p.bare(); err != nil {
				return sfItem{}, err
			}
		}
		if _, dup := it.params[k]; !dup {
			it.keys = append(it.keys, k)
		}
		it.params[k] = v
	}
	return it, nil
}

func (p *sfParser) key() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'a' && c <= 'z' || c == '*' || p.i > start && (c >= '0' && c <= '9' || strings.IndexByte("_-.", c) >= 0) {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *sfParser) bare() (any, error) {
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i-start > 15 || p.i < len(p.s) && p.s[p.i] == '.' {
			return nil, fmt.Errorf("byte %d: not an integer of at most 15 digits", start)
		}
		return strconv.ParseInt(p.s[start:p.i], 10, 64)
	case c == '"':
		var b strings.Builder
		for p.i++; p.i < len(p.s); p.i++ {
			switch c := p.s[p.i]; {
			case c == '\\' && p.i+1 < len(p.s) && (p.s[p.i+1] == '"' || p.s[p.i+1] == '\\'):
				p.i++
				b.WriteByte(p.s[p.i])
			case c == '"':
				p.i++
				return b.String(), nil
			case c < 0x20 || c > 0x7e:
				return nil, fmt.Errorf("byte %d: not allowed in a string", p.i)
			default:
				b.WriteByte(c)
			}
		}
		return nil, fmt.Errorf("unterminated string")
	case c == '?' && p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1'):
		p.i += 2
		return p.s[p.i-1] == '1', nil
	case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '*':
		start := p.i
		for p.i < len(p.s) && strings.IndexByte(" \t,;\"()", p.s[p.i]) < 0 {
			p.i++
		}
		return sfToken(p.s[start:p.i]), nil
	}
	return nil, fmt.Errorf("byte %d: unsupported bare item", p.i)
}

// sfToken is a token bare item, told apart from a string.
type sfToken string

// TestParseList checks the test's own parser against RFC 9651's examples.
func TestParseList(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"default";q=100;w=10`, `["default" q=100 w=10]`},
		{`"permin";q=50;w=60,"perhr";q=1000;w=3600`, `["permin" q=50 w=60 "perhr" q=1000 w=3600]`},
		{`sugar, tea ,  rum`, `["sugar" "tea" "rum"]`},
		{`abc;a=1;b=2; cde_456`, `["abc" a=1 b=2 cde_456=true]`},
		{`"a\"b";x=?0`, `["a\"b" x=false]`},
	} {
		items, err := parseList(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := fmt.Sprint(items); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`"a`, `a,`, `1.5`, `"x";Q=1`, `(1 2)`} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("%s: parsed, want an error", bad)
		}
	}
}
