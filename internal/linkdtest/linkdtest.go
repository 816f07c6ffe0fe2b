// Package linkdtest starts a complete linkd in-process for tests: the real server, route
// table and middleware, on a real embedded database in a temporary directory, listening
// on a loopback port, with a clock the test can move forward. Every answer it serves is
// validated against linkd's OpenAPI document (openapitest.Check), failing the test on a
// mismatch.
package linkdtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/openapi/openapitest"
	"github.com/linkd-dev/linkd/internal/server"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// Clock follows real time plus an offset that tests move forward with Advance, so that
// expiry can be tested without sleeping and everything else behaves naturally.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Env is a running linkd.
type Env struct {
	URL    string // base URL (also the public URL inside link tokens)
	Store  *sqlite.Store
	Server *server.Server
	Clock  *Clock
	Config config.Serve
	// Client is a client created at start: id, secret, origin https://app.example.
	Client Credentials
	// Logs holds everything the server logged (the access log included).
	Logs *SyncBuffer
}

// Credentials are a client's id and secret.
type Credentials struct {
	ID, Secret string
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes (the server logs from many
// goroutines).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts linkd with the default configuration, changed by mods, and stops it at the
// end of the test.
func Start(t testing.TB, mods ...func(*config.Serve)) *Env {
	t.Helper()
	e, stop, err := open(t.TempDir(), func(format string, args ...any) { t.Errorf(format, args...) }, mods...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return e
}

// Open is Start for code without a testing.TB (godoc examples): linkd on a database in
// dataDir, until stop is called. Its answers are validated against the OpenAPI document
// too: stop panics with the mismatches, if there were any.
func Open(dataDir string, mods ...func(*config.Serve)) (e *Env, stop func(), err error) {
	var (
		mu       sync.Mutex
		problems []string
	)
	e, stopServer, err := open(dataDir, func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}, mods...)
	if err != nil {
		return nil, nil, err
	}
	return e, func() {
		stopServer()
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			panic(strings.Join(problems, "\n"))
		}
	}, nil
}

// open starts linkd on a database in dataDir; every answer is validated against the
// OpenAPI document, each mismatch reported to report (a test cannot opt out).
func open(dataDir string, report func(format string, args ...any), mods ...func(*config.Serve)) (e *Env, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	e = &Env{URL: "http://" + ln.Addr().String(), Clock: &Clock{}, Logs: &SyncBuffer{}}
	c := config.Serve{
		Store: config.Store{DataDir: dataDir, SQLiteSync: "normal"}, Addr: ln.Addr().String(), PublicURL: e.URL,
		TokenTTL: 10 * time.Minute, SessionTTL: 30 * time.Minute, MaxBody: 64 << 10, AuthFailures: 0,
		PurgeInterval: time.Hour, Retention: time.Hour, ShutdownTimeout: 5 * time.Second,
		LogLevel: "debug", LogFormat: "json", AccessLog: true, Metrics: true, SandboxSettleDelay: 5 * time.Second,
		AccessTokenTTL: time.Hour, RefreshTokenTTL: 30 * 24 * time.Hour,
	}
	for _, m := range mods {
		m(&c)
	}
	if err := c.Check(); err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	e.Config = c
	st, err := sqlite.Open(context.Background(), c.DataDir, sqlite.Options{})
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	e.Store = st
	log := slog.New(slog.NewJSONHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var access *server.AccessLog
	if c.AccessLog {
		access = server.NewAccessLog(e.Logs, c.LogFormat)
	}
	srv, err := server.FromConfig(&c, st, log, access, e.Clock.Now)
	if err != nil {
		ln.Close()
		st.Close()
		return nil, nil, err
	}
	e.Server = srv
	validated, validations := openapitest.Wrap(srv.Handler(), report)
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: validated}}
	hs.Start()
	stop = func() {
		hs.Close()
		validations()
		st.Close()
	}
	if e.Client, err = e.CreateClient(func(c *store.Client) { c.Origins = []string{"https://app.example"} }); err != nil {
		stop()
		return nil, nil, err
	}
	return e, stop, nil
}

// NewClient creates an enabled client, changed by mods, and returns its credentials.
func (e *Env) NewClient(t testing.TB, mods ...func(*store.Client)) Credentials {
	t.Helper()
	c, err := e.CreateClient(mods...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CreateClient is NewClient for code without a testing.TB.
func (e *Env) CreateClient(mods ...func(*store.Client)) (Credentials, error) {
	secret, hash := auth.NewSecret()
	now := e.Clock.Now()
	c := store.Client{ID: uuid.NewString(), Name: "Test Client", Enabled: true, CreatedAt: now,
		Secrets: []store.Secret{{Hash: hash, CreatedAt: now}}}
	for _, m := range mods {
		m(&c)
	}
	if err := e.Store.CreateClient(context.Background(), c); err != nil {
		return Credentials{}, err
	}
	return Credentials{ID: c.ID, Secret: secret}, nil
}

// Response is an answer, with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// Envelope decodes the body as the Mesh envelope.
func (r *Response) Envelope(t testing.TB) Envelope {
	t.Helper()
	var env Envelope
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatalf("body is not an envelope: %v\n%s", err, r.Body)
	}
	return env
}

// Envelope is the decoded Mesh envelope.
type Envelope struct {
	Content        jsontext.Value `json:"content"`
	Status         string         `json:"status"`
	Message        string         `json:"message"`
	DisplayMessage *string        `json:"displayMessage"`
	ErrorType      *string        `json:"errorType"`
	ErrorData      jsontext.Value `json:"errorData"`
}

// Do sends a request to path with the headers (pairs of name, value) and body.
func (e *Env) Do(t testing.TB, method, path string, body []byte, headers ...string) *Response {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Response: resp, Body: b}
}

// LinkToken posts body to /api/v1/linktoken as client c.
func (e *Env) LinkToken(t testing.TB, c Credentials, body string) *Response {
	t.Helper()
	return e.Do(t, "POST", "/api/v1/linktoken", []byte(body),
		"X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json")
}

// Session is a Link session, opened and driven as the Link UI's script does.
type Session struct {
	e *Env
	// Token is the session credential (Authorization: Bearer).
	Token string
}

// Open redeems a link token (the linkToken of POST /api/v1/linktoken) and returns its
// session.
func (e *Env) Open(t testing.TB, linkToken string) *Session {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(linkToken)
	if err != nil {
		t.Fatalf("link token: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"clientId": path.Base(u.Path), "kind": "link", "code": strings.TrimPrefix(u.Fragment, "c=")})
	var info struct {
		SessionToken string `json:"sessionToken"`
	}
	r := e.Do(t, "POST", "/link/api/sessions", body, "Content-Type", "application/json")
	if r.StatusCode != 200 {
		t.Fatalf("redeem: %d %s", r.StatusCode, r.Body)
	}
	if err := json.Unmarshal(r.Envelope(t).Content, &info); err != nil || info.SessionToken == "" {
		t.Fatalf("redeem: %v %s", err, r.Body)
	}
	return &Session{e: e, Token: info.SessionToken}
}

// Must calls the Link UI's API at /link/api/<path>, fails the test unless it answers
// 200, and decodes the content into out (if not nil).
func (s *Session) Must(t testing.TB, method, path, body string, out any) {
	t.Helper()
	h := []string{"Authorization", "Bearer " + s.Token}
	var b []byte
	if body != "" {
		b, h = []byte(body), append(h, "Content-Type", "application/json")
	}
	r := s.e.Do(t, method, "/link/api/"+path, b, h...)
	if r.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, path, r.StatusCode, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Envelope(t).Content, out, json.MatchCaseInsensitiveNames(true)); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, r.Body)
		}
	}
}

// SandboxIntegration is the catalog id of the sandbox.
const SandboxIntegration = "b9cc860a-935d-5982-8562-c164e2e7a703"

// Connected is a sandbox account connected in a session, with the tokens the page got.
type Connected struct {
	ConnectionID, AccountID   string
	AccessToken, RefreshToken string
}

// ConnectSandbox signs in to the sandbox as user_good and chooses its first account.
func (s *Session) ConnectSandbox(t testing.TB) Connected {
	t.Helper()
	var conn struct {
		ConnectionID string
		Accounts     []struct{ AccountID string }
	}
	s.Must(t, "POST", "connections", `{"integrationId":"`+SandboxIntegration+`","username":"user_good","password":"pass_good"}`, &conn)
	var linked struct {
		AccessToken struct {
			AccountTokens []struct{ AccessToken, RefreshToken string }
		}
	}
	s.Must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+conn.Accounts[0].AccountID+`"]}`, &linked)
	at := linked.AccessToken.AccountTokens[0]
	return Connected{ConnectionID: conn.ConnectionID, AccountID: conn.Accounts[0].AccountID, AccessToken: at.AccessToken, RefreshToken: at.RefreshToken}
}

// Finished is the part of the transferFinished payload tests read.
type Finished struct {
	TransferID, TxHash, TxID, ClientTransactionID string
	Amount, AmountInFiat                          float64
}

// Transfer previews and executes a transfer of symbol on network networkID from the
// connected account (the amount the link token fixes) and returns the transferFinished
// payload.
func (s *Session) Transfer(t testing.TB, c Connected, networkID, symbol string) Finished {
	t.Helper()
	var p struct{ PreviewID string }
	s.Must(t, "POST", "transfers", `{"connectionId":"`+c.ConnectionID+`","accountId":"`+c.AccountID+`","networkId":"`+networkID+`","symbol":"`+symbol+`"}`, &p)
	var f Finished
	s.Must(t, "POST", "transfers/"+p.PreviewID+"/execute", "", &f)
	return f
}
