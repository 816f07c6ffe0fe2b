package server_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/linkdtest"
)

// issued is a link token taken apart.
type issued struct {
	clientID, code, payCode string
}

func issue(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials, body string) issued {
	t.Helper()
	r := e.LinkToken(t, c, body)
	if r.StatusCode != 200 {
		t.Fatalf("issue: %d %s", r.StatusCode, r.Body)
	}
	var content struct {
		LinkToken   string  `json:"linkToken"`
		PaymentLink *string `json:"paymentLink"`
	}
	if err := json.Unmarshal(r.Envelope(t).Content, &content); err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(content.LinkToken)
	u, _ := url.Parse(string(raw))
	out := issued{clientID: c.ID, code: strings.TrimPrefix(u.Fragment, "c=")}
	if content.PaymentLink != nil {
		pu, _ := url.Parse(*content.PaymentLink)
		out.payCode = strings.TrimPrefix(pu.Fragment, "c=")
	}
	return out
}

func redeem(t testing.TB, e *linkdtest.Env, clientID, kind, code string) *linkdtest.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"clientId": clientID, "kind": kind, "code": code})
	return e.Do(t, "POST", "/link/api/sessions", body, "Content-Type", "application/json")
}

func sessionToken(t *testing.T, r *linkdtest.Response) string {
	t.Helper()
	var c struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := json.Unmarshal(r.Envelope(t).Content, &c); err != nil || c.SessionToken == "" {
		t.Fatalf("no session token: %v %s", err, r.Body)
	}
	return c.SessionToken
}

func errType(t *testing.T, r *linkdtest.Response) string {
	t.Helper()
	env := r.Envelope(t)
	if env.ErrorType == nil {
		return ""
	}
	return *env.ErrorType
}

// TestRedeemConcurrently (docs/threat-model.md T3): 200 goroutines
// redeem one code → exactly 1 success, 199 refusals, zero 5xx; and the refusals revoke
// the session the winner opened (docs/threat-model.md T5).
func TestRedeemConcurrently(t *testing.T) {
	e := linkdtest.Start(t)
	tok := issue(t, e, e.Client, `{"userId":"u1"}`)
	const n = 200
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		types    = map[string]int{}
		winner   string
		start    = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := redeem(t, e, tok.clientID, "link", tok.code)
			mu.Lock()
			defer mu.Unlock()
			statuses[r.StatusCode]++
			if r.StatusCode == 200 {
				var c struct{ SessionToken string }
				json.Unmarshal(r.Envelope(t).Content, &c, json.MatchCaseInsensitiveNames(true))
				winner = c.SessionToken
			} else {
				types[errType(t, r)]++
			}
		}()
	}
	close(start)
	wg.Wait()
	if statuses[200] != 1 || statuses[409] != n-1 || types["linkTokenAlreadyUsed"] != n-1 {
		t.Fatalf("statuses %v, error types %v; want 1 × 200 and %d × 409 linkTokenAlreadyUsed", statuses, types, n-1)
	}
	r := e.Do(t, "GET", "/link/api/session", nil, "Authorization", "Bearer "+winner)
	if r.StatusCode != 401 || errType(t, r) != "sessionRevoked" {
		t.Fatalf("winner's session after reuse: %d %s", r.StatusCode, r.Body)
	}
	// The audit record (docs/threat-model.md T5): one line per reuse, naming the client,
	// without the code.
	var audits int
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		if !strings.Contains(line, `"event":"linkTokenReused"`) {
			continue
		}
		audits++
		if !strings.Contains(line, `"level":"WARN"`) || !strings.Contains(line, `"clientId":"`+tok.clientID+`"`) ||
			!strings.Contains(line, `"requestId":"`) || strings.Contains(line, tok.code) {
			t.Errorf("reuse audit line %s: want WARN with the client id and the request id, without the code", line)
		}
	}
	if audits != n-1 {
		t.Errorf("%d reuse audit lines, want %d (one per reuse)", audits, n-1)
	}
}

// TestRedeemOutcomes: every way a redemption can fail is told apart (docs/design.md §3; the error types are in the README),
// and a refused redemption does not consume a code that is still good.
func TestRedeemOutcomes(t *testing.T) {
	e := linkdtest.Start(t)
	other := e.NewClient(t)
	ctx := context.Background()

	t.Run("ok, then session", func(t *testing.T) {
		tok := issue(t, e, e.Client, `{"userId":"u-7","restrictMultipleAccounts":true}`)
		r := redeem(t, e, tok.clientID, "link", tok.code)
		if r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		var info struct {
			Kind   string
			Client struct {
				Name    string
				Origins []string
			}
			Options struct {
				UserID                   string
				RestrictMultipleAccounts bool
			}
		}
		if err := json.Unmarshal(r.Envelope(t).Content, &info, json.MatchCaseInsensitiveNames(true)); err != nil {
			t.Fatal(err)
		}
		if info.Kind != "link" || info.Options.UserID != "u-7" || !info.Options.RestrictMultipleAccounts ||
			info.Client.Name != "Test Client" || len(info.Client.Origins) != 1 {
			t.Errorf("session info %+v", info)
		}
		s := e.Do(t, "GET", "/link/api/session", nil, "Authorization", "Bearer "+sessionToken(t, r))
		if s.StatusCode != 200 {
			t.Errorf("session: %d %s", s.StatusCode, s.Body)
		}
	})
	cases := []struct {
		name   string
		setup  func(t *testing.T) (clientID, kind, code string)
		status int
		typ    string
		// stillGood: after the refusal, the code still redeems for its own client.
		stillGood bool
	}{
		{"unknown code", func(t *testing.T) (string, string, string) {
			return e.Client.ID, "link", strings.Repeat("A", 64)
		}, 404, "linkTokenNotFound", false},
		{"malformed code", func(t *testing.T) (string, string, string) {
			return e.Client.ID, "link", "x'; DROP TABLE link_codes; --"
		}, 404, "linkTokenNotFound", false},
		{"another client's page", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, `{"userId":"u1"}`)
			return other.ID, "link", tok.code
		}, 404, "linkTokenNotFound", true},
		{"pay code on the link page", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, typical)
			return e.Client.ID, "link", tok.payCode
		}, 404, "linkTokenNotFound", true},
		{"expired", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, `{"userId":"u1"}`)
			e.Clock.Advance(10*time.Minute + time.Second)
			return tok.clientID, "link", tok.code
		}, 403, "linkTokenExpired", false},
		{"revoked by the operator", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, `{"userId":"u1"}`)
			if _, _, err := e.Store.RevokeClientCodes(ctx, e.Client.ID, e.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			return tok.clientID, "link", tok.code
		}, 403, "linkTokenRevoked", false},
		{"used", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, `{"userId":"u1"}`)
			if r := redeem(t, e, tok.clientID, "link", tok.code); r.StatusCode != 200 {
				t.Fatal(r.StatusCode)
			}
			return tok.clientID, "link", tok.code
		}, 409, "linkTokenAlreadyUsed", false},
		{"bad kind", func(t *testing.T) (string, string, string) {
			tok := issue(t, e, e.Client, `{"userId":"u1"}`)
			return tok.clientID, "iframe", tok.code
		}, 400, "invalidEnumValue", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, kind, code := tc.setup(t)
			r := redeem(t, e, client, kind, code)
			if r.StatusCode != tc.status || errType(t, r) != tc.typ {
				t.Fatalf("%d %s, want %d %s", r.StatusCode, r.Body, tc.status, tc.typ)
			}
			env := r.Envelope(t)
			if env.DisplayMessage == nil || *env.DisplayMessage == "" {
				t.Error("no displayMessage for the Link UI")
			}
			if tc.stillGood {
				if r := redeem(t, e, e.Client.ID, map[bool]string{true: "pay", false: "link"}[tc.name == "pay code on the link page"], code); r.StatusCode != 200 {
					t.Errorf("code no longer redeemable by its own page: %d %s", r.StatusCode, r.Body)
				}
			}
		})
	}
	t.Run("disabled client: refused, not consumed", func(t *testing.T) {
		c := e.NewClient(t)
		tok := issue(t, e, c, `{"userId":"u1"}`)
		if err := e.Store.SetClientEnabled(ctx, c.ID, false); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second) // past the authenticator's cache
		if r := redeem(t, e, c.ID, "link", tok.code); r.StatusCode != 423 || errType(t, r) != "clientDisabled" {
			t.Fatalf("disabled: %d %s", r.StatusCode, r.Body)
		}
		if err := e.Store.SetClientEnabled(ctx, c.ID, true); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
		if r := redeem(t, e, c.ID, "link", tok.code); r.StatusCode != 200 {
			t.Fatalf("re-enabled: %d %s", r.StatusCode, r.Body)
		}
	})
	t.Run("session expires", func(t *testing.T) {
		tok := issue(t, e, e.Client, `{"userId":"u1"}`)
		st := sessionToken(t, redeem(t, e, tok.clientID, "link", tok.code))
		e.Clock.Advance(30 * time.Minute)
		r := e.Do(t, "GET", "/link/api/session", nil, "Authorization", "Bearer "+st)
		if r.StatusCode != 401 || errType(t, r) != "sessionExpired" {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
	})
	t.Run("bad session credentials", func(t *testing.T) {
		for _, h := range []string{"", "Bearer", "Bearer x", "Basic " + strings.Repeat("A", 43), "Bearer " + strings.Repeat("A", 43)} {
			r := e.Do(t, "GET", "/link/api/session", nil, "Authorization", h)
			if r.StatusCode != 401 || errType(t, r) != "sessionInvalid" {
				t.Errorf("Authorization %q: %d %s", h, r.StatusCode, r.Body)
			}
		}
	})
	t.Run("cross-origin browser request", func(t *testing.T) {
		tok := issue(t, e, e.Client, `{"userId":"u1"}`)
		body, _ := json.Marshal(map[string]string{"clientId": tok.clientID, "kind": "link", "code": tok.code})
		r := e.Do(t, "POST", "/link/api/sessions", body, "Content-Type", "application/json",
			"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if r.StatusCode != 403 || errType(t, r) != "crossOriginRequest" {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		if r := redeem(t, e, tok.clientID, "link", tok.code); r.StatusCode != 200 {
			t.Errorf("code consumed by the refused request: %d", r.StatusCode)
		}
	})
}

// TestSecretsNeverAtRestOrInLogs is docs/threat-model.md T7 and T10: after a full flow, neither the
// database files nor the logs contain a client secret, a link token, a code or a session
// credential.
func TestSecretsNeverAtRestOrInLogs(t *testing.T) {
	e := linkdtest.Start(t)
	r := e.LinkToken(t, e.Client, typical)
	var content struct{ LinkToken, PaymentLink string }
	json.Unmarshal(r.Envelope(t).Content, &content, json.MatchCaseInsensitiveNames(true))
	tok := issue(t, e, e.Client, typical)
	sess := sessionToken(t, redeem(t, e, tok.clientID, "link", tok.code))
	redeem(t, e, tok.clientID, "pay", tok.payCode)
	e.Do(t, "GET", "/link/api/session", nil, "Authorization", "Bearer "+sess)
	e.Do(t, "POST", "/api/v1/linktoken?secret="+e.Client.Secret, nil)

	secrets := map[string]string{
		"client secret": e.Client.Secret, "link token": content.LinkToken, "payment link": content.PaymentLink,
		"code": tok.code, "pay code": tok.payCode, "session credential": sess,
	}
	var files []string
	entries, _ := os.ReadDir(e.Config.DataDir)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(e.Config.DataDir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, string(b))
	}
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, `"path":"/api/v1/linktoken"`) {
		t.Fatal("access log missing: the test would prove nothing")
	}
	for what, s := range secrets {
		for _, f := range files {
			if strings.Contains(f, s) {
				t.Errorf("%s found in the database files", what)
			}
		}
		if strings.Contains(logs, s) {
			t.Errorf("%s found in the logs", what)
		}
	}
}

// TestPurge: expired codes and sessions are deleted after the retention, so storage stays
// bounded (docs/design.md §7).
func TestPurge(t *testing.T) {
	e := linkdtest.Start(t)
	for range 5 {
		issue(t, e, e.Client, `{"userId":"u1"}`)
	}
	tok := issue(t, e, e.Client, `{"userId":"u1"}`)
	redeem(t, e, tok.clientID, "link", tok.code)
	if n, err := e.Server.PurgeOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("purge of live rows: %d, %v", n, err)
	}
	e.Clock.Advance(30*time.Minute + time.Hour + time.Second) // session TTL + retention
	n, err := e.Server.PurgeOnce(context.Background())
	if err != nil || n != 7 {
		t.Fatalf("purge: %d rows, %v; want 7 (6 codes, 1 session)", n, err)
	}
	if r := redeem(t, e, tok.clientID, "link", tok.code); r.StatusCode != 404 {
		t.Errorf("purged code: %d", r.StatusCode)
	}
	m := e.Do(t, "GET", "/metrics", nil)
	if !strings.Contains(string(m.Body), "linkd_store_purged_rows_total 7") || !strings.Contains(string(m.Body), "linkd_link_tokens_issued_total 6") {
		t.Errorf("metrics:\n%s", m.Body)
	}
}
