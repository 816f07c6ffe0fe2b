package linkui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// records is a slog.Handler that keeps every record: a fake logger for assertions.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *records) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *records) WithGroup(string) slog.Handler      { return h }

// take returns the records so far and forgets them.
func (h *records) take() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.recs
	h.recs = nil
	return out
}

func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = fmt.Sprint(a.Value.Any())
		return true
	})
	return m
}

// TestFramingDiagnosis: a Link page requested as a frame by an origin the client did not
// register (and a disabled client's page, and a payment page in a frame) is logged once
// per client and origin per minute, naming the client, the origin, the allowed origins
// and the command that fixes it; allowed frames, pages opened as pages, and frames whose
// parent cannot be told are not.
func TestFramingDiagnosis(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	newClient := func(id string, enabled bool, origins ...string) {
		if err := st.CreateClient(ctx, store.Client{ID: id, Name: "Acme", Enabled: enabled, Origins: origins, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	const (
		acme     = "11111111-1111-4111-8111-111111111111"
		none     = "22222222-2222-4222-8222-222222222222"
		disabled = "33333333-3333-4333-8333-333333333333"
	)
	newClient(acme, true, "https://app.example", "http://localhost:3000")
	newClient(none, true)
	newClient(disabled, false, "https://app.example")
	log := &records{}
	h := &Handler{Auth: auth.NewAuthenticator(st, clock), Store: st, PublicURL: "https://linkd.example", Now: clock, Log: slog.New(log)}

	request := func(kind, client string, headers ...string) {
		t.Helper()
		path := "/link/" + client
		if kind == store.KindPay {
			path = "/pay/" + client
		}
		r := httptest.NewRequest("GET", "https://linkd.example"+path, nil)
		r.SetPathValue("clientId", client)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		w := httptest.NewRecorder()
		h.Page(kind)(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
	}
	frame := func(referer string) []string {
		return []string{"Sec-Fetch-Dest", "iframe", "Sec-Fetch-Site", "cross-site", "Referer", referer}
	}

	type want struct {
		msg, client, origin, allowed, fix string
	}
	cases := []struct {
		name    string
		kind    string
		client  string
		headers []string
		advance time.Duration
		want    []want
	}{
		{name: "unregistered origin", kind: store.KindLink, client: acme, headers: frame("http://localhost:8000/checkout?x=1"),
			want: []want{{"on an origin its client did not register", acme, "http://localhost:8000", "[https://app.example http://localhost:3000]",
				"linkd client update " + acme + " --origin https://app.example --origin http://localhost:3000 --origin http://localhost:8000"}}},
		{name: "same origin again within the minute: quiet", kind: store.KindLink, client: acme, headers: frame("http://localhost:8000/"), advance: 30 * time.Second},
		{name: "another origin: its own warning", kind: store.KindLink, client: acme, headers: frame("https://evil.example/"),
			want: []want{{"did not register", acme, "https://evil.example", "[https://app.example http://localhost:3000]", "--origin https://evil.example"}}},
		{name: "a minute later: again", kind: store.KindLink, client: acme, headers: frame("http://localhost:8000/"), advance: 31 * time.Second,
			want: []want{{"did not register", acme, "http://localhost:8000", "", ""}}},
		{name: "client without origins", kind: store.KindLink, client: none, headers: frame("http://localhost:3000/"),
			want: []want{{"did not register", none, "http://localhost:3000", "[]", "linkd client update " + none + " --origin http://localhost:3000"}}},
		{name: "default port normalised", kind: store.KindLink, client: acme, headers: frame("HTTPS://App.Example:443/pay")},
		{name: "registered origin", kind: store.KindLink, client: acme, headers: frame("http://localhost:3000/")},
		{name: "not a frame", kind: store.KindLink, client: acme, headers: []string{"Sec-Fetch-Dest", "document", "Referer", "https://chat.example/"}},
		{name: "no fetch metadata", kind: store.KindLink, client: acme, headers: []string{"Referer", "https://chat.example/"}},
		{name: "frame with no referrer", kind: store.KindLink, client: acme, headers: []string{"Sec-Fetch-Dest", "iframe", "Sec-Fetch-Site", "cross-site"}},
		{name: "same-origin frame without a referrer", kind: store.KindLink, client: acme, headers: []string{"Sec-Fetch-Dest", "iframe", "Sec-Fetch-Site", "same-origin"},
			want: []want{{"did not register", acme, "https://linkd.example", "", "--origin https://linkd.example"}}},
		{name: "disabled client", kind: store.KindLink, client: disabled, headers: frame("https://app.example/"),
			want: []want{{"disabled client", disabled, "https://app.example", "[https://app.example]", "linkd client enable " + disabled}}},
		{name: "payment page in a frame", kind: store.KindPay, client: acme, headers: frame("https://app.example/"),
			want: []want{{"payment page", acme, "https://app.example", "", "open paymentLink as a page"}}},
		{name: "payment page as a page", kind: store.KindPay, client: acme, headers: []string{"Sec-Fetch-Dest", "document"}},
		{name: "unknown client", kind: store.KindLink, client: "44444444-4444-4444-8444-444444444444", headers: frame("https://x.example/")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = now.Add(tc.advance)
			request(tc.kind, tc.client, tc.headers...)
			got := log.take()
			if len(got) != len(tc.want) {
				var msgs []string
				for _, r := range got {
					msgs = append(msgs, r.Message)
				}
				t.Fatalf("%d log records %q, want %d", len(got), msgs, len(tc.want))
			}
			for i, w := range tc.want {
				r, a := got[i], attrs(got[i])
				if r.Level != slog.LevelWarn || !strings.Contains(r.Message, w.msg) {
					t.Errorf("record %v %q, want a warning containing %q", r.Level, r.Message, w.msg)
				}
				if a["clientId"] != w.client || a["origin"] != w.origin {
					t.Errorf("clientId %q origin %q, want %q %q", a["clientId"], a["origin"], w.client, w.origin)
				}
				if w.allowed != "" && a["allowedOrigins"] != w.allowed {
					t.Errorf("allowedOrigins %s, want %s", a["allowedOrigins"], w.allowed)
				}
				if !strings.Contains(a["fix"], w.fix) {
					t.Errorf("fix %q, want it to contain %q", a["fix"], w.fix)
				}
			}
		})
	}
}

// TestFramingWarningsBounded: varying the Referer cannot flood the log: at most
// framingWarnBurst framing warnings a minute in all.
func TestFramingWarningsBounded(t *testing.T) {
	var w framingWarnings
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var logged []int
	for i := range 100 {
		if w.allow(fmt.Sprintf("client origin https://%d.example", i), now) {
			logged = append(logged, i)
		}
	}
	if len(logged) != framingWarnBurst || logged[len(logged)-1] != framingWarnBurst-1 {
		t.Fatalf("logged %d warnings for 100 origins in one instant (%v), want the first %d", len(logged), logged, framingWarnBurst)
	}
	if !w.allow("client origin https://later.example", now.Add(framingWarnEvery)) {
		t.Error("a minute later, a new origin is still not logged")
	}
}
