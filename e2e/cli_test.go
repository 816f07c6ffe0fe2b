package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/linkd-dev/linkd/meshapi"
)

// propagation is how soon a `linkd client` change must reach a running server
// (`linkd client help`: "Changes reach a running server within one second").
const propagation = time.Second

// decodeOnly decodes stdout as exactly one JSON object into v and fails the test if
// anything but white space surrounds it. It returns the object's member names.
func decodeOnly(t testing.TB, stdout string, v any) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout has more than one JSON object:\n%s", stdout)
	}
	if err := json.Unmarshal([]byte(stdout), v); err != nil {
		t.Fatalf("stdout %s: %v", stdout, err)
	}
	names := make([]string, 0, len(members))
	for k := range members {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// status renders an answer as "200" or "423 clientDisabled", for comparisons.
func status(r *response) string {
	if r.Code == http.StatusOK {
		return "200"
	}
	return fmt.Sprintf("%d %s", r.Code, r.Type())
}

// expectStatus polls GET /api/v1/integrations as c until it answers want ("200",
// "401 invalidCredentials", …), failing the test after propagation.
func expectStatus(t testing.TB, p *proc, c creds, want, what string) {
	t.Helper()
	waitFor(t, propagation, what, func() string {
		if got := status(p.integrations(t, c)); got != want {
			return "got " + got + ", want " + want
		}
		return ""
	})
}

// TestCLIClientCreate checks `linkd client create` against a running server: stdout is
// exactly {"clientId","clientSecret"} and nothing else, the id is a uuid, the new
// credentials work at once, and `client show` has the settings, never the secret.
func TestCLIClientCreate(t *testing.T) {
	t.Parallel()
	p := startLinkd(t)
	tests := []struct {
		name    string
		args    []string
		origins []string
	}{
		{name: "name only", args: []string{"--name", "Plain"}, origins: []string{}},
		{name: "one origin", args: []string{"--name", "Shop", "--origin", "https://app.example"}, origins: []string{"https://app.example"}},
		{name: "origins normalised and deduplicated",
			args:    []string{"--origin", "https://App.Example:443/", "--name", "Multi", "--origin", "http://localhost:3000", "--origin", "https://app.example"},
			origins: []string{"https://app.example", "http://localhost:3000"}},
		{name: "every setting", args: []string{"--name", "Full", "--origin", "https://app.example", "--jurisdiction", "us",
			"--rate-limit", "50", "--burst", "100", "--allow-pii-user-id"}, origins: []string{"https://app.example"}},
		{name: "flags after --data", args: []string{"--data", "DATA", "--name", "Late"}, origins: []string{}},
		// 60 characters, 115 bytes: the limit is "1–100 printable characters".
		{name: "non-ASCII name under 100 characters", args: []string{"--name", "Общество с ограниченной ответственностью «Платёжные решения»"}, origins: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"client", "create"}, tc.args...)
			if i := slices.Index(args, "DATA"); i >= 0 {
				args[i] = p.DataDir
			} else {
				args = append(args, "--data", p.DataDir)
			}
			stdout, stderr, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("linkd %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
			}
			// Without an origin the client works, and stderr says that no page can embed its
			// Link UI yet; with one, stderr is empty.
			if wantWarning := len(tc.origins) == 0; wantWarning != strings.Contains(stderr, "no --origin") ||
				!wantWarning && stderr != "" || strings.Count(stderr, "\n") > 1 {
				t.Errorf("linkd %s: stderr %q (origins %q)", strings.Join(args, " "), stderr, tc.origins)
			}
			var c creds
			if names := decodeOnly(t, stdout, &c); !slices.Equal(names, []string{"clientId", "clientSecret"}) {
				t.Fatalf("stdout members %v, want exactly clientId and clientSecret:\n%s", names, stdout)
			}
			if !isUUID(c.ID) {
				t.Errorf("clientId %q is not a lower-case uuid", c.ID)
			}
			if len(c.Secret) < 32 {
				t.Errorf("clientSecret %q is too short for a secret", c.Secret)
			}
			if r := p.integrations(t, c); r.Code != http.StatusOK {
				t.Errorf("the new client's first request: %v, want 200", r)
			}
			show := mustCLI(t, "client", "show", c.ID, "--data", p.DataDir)
			if strings.Contains(show, c.Secret) {
				t.Errorf("client show prints the secret:\n%s", show)
			}
			var v struct {
				ClientID string   `json:"clientId"`
				Enabled  bool     `json:"enabled"`
				Origins  []string `json:"origins"`
			}
			decodeOnly(t, show, &v)
			if v.ClientID != c.ID || !v.Enabled || !slices.Equal(v.Origins, tc.origins) {
				t.Errorf("client show = %+v, want id %s, enabled, origins %q", v, c.ID, tc.origins)
			}
		})
	}
}

// TestCLIWhileServing runs the `linkd client` commands against the data directory of a
// running server, and checks that each change reaches it within a second.
//
// The server runs with --auth-failures 0: the checks poll until a change shows (a disabled
// client, a revoked secret are seen once the server's client cache refreshes, up to
// auth.MaxStaleness), and polling every 50 ms would otherwise exhaust the per-address
// limit on failed authentications (10 a minute) and get 429 for every test sharing the
// server.
func TestCLIWhileServing(t *testing.T) {
	t.Parallel()
	p := startLinkd(t, "--auth-failures", "0")
	data := []string{"--data", p.DataDir}
	cli := func(t *testing.T, args ...string) string {
		t.Helper()
		return mustCLI(t, append(args, data...)...)
	}

	tests := []struct {
		name string
		run  func(t *testing.T, c creds)
	}{
		{"disable and enable", func(t *testing.T, c creds) {
			var out struct {
				ClientID string `json:"clientId"`
				Enabled  bool   `json:"enabled"`
			}
			pending, _ := p.issue(t, c, user("u-1"))
			opened, _ := p.issue(t, c, user("u-2"))
			var info sessionInfo
			decodeContent(t, p.redeem(t, c.ID, "link", opened.Code), &info)

			decodeOnly(t, cli(t, "client", "disable", c.ID), &out)
			if out.ClientID != c.ID || out.Enabled {
				t.Errorf("client disable printed %+v", out)
			}
			expectStatus(t, p, c, "423 clientDisabled", "client disable → 423")
			if r := p.linkToken(t, c, `{"userId":"u-1"}`); r.Code != http.StatusLocked || r.Env.Status != "locked" || r.Type() != "clientDisabled" {
				t.Errorf("POST /api/v1/linktoken of a disabled client: %v, want 423 locked clientDisabled", r)
			}
			// A disabled client's links do not open, and trying does not consume them.
			if r := p.redeem(t, c.ID, "link", pending.Code); status(r) != "423 clientDisabled" {
				t.Errorf("redeeming a disabled client's token: %v, want 423 clientDisabled", r)
			}
			if r := p.session(t, info.SessionToken); status(r) != "423 clientDisabled" {
				t.Errorf("a disabled client's open session: %v, want 423 clientDisabled", r)
			}

			cli(t, "client", "enable", c.ID)
			expectStatus(t, p, c, "200", "client enable → 200")
			p.issue(t, c, user("u-1")) // after enable
			if r := p.redeem(t, c.ID, "link", pending.Code); r.Code != http.StatusOK {
				t.Errorf("redeeming, after enable, a token tried while disabled: %v, want 200", r)
			}
			if r := p.session(t, info.SessionToken); r.Code != http.StatusOK {
				t.Errorf("a session opened before disable, after enable: %v, want 200", r)
			}
		}},

		{"rotate and revoke secrets", func(t *testing.T, c creds) {
			old := c
			var rot struct {
				Secret string    `json:"clientSecret"`
				Expire time.Time `json:"previousSecretsExpireAt"`
			}
			decodeOnly(t, cli(t, "client", "rotate-secret", c.ID, "--grace", "1h"), &rot)
			if rot.Secret == "" || rot.Secret == old.Secret || time.Until(rot.Expire) < 59*time.Minute {
				t.Fatalf("rotate-secret --grace 1h printed secret %q, previousSecretsExpireAt %v", rot.Secret, rot.Expire)
			}
			cur := creds{c.ID, rot.Secret}
			expectStatus(t, p, cur, "200", "rotated secret works")
			if got := status(p.integrations(t, old)); got != "200" {
				t.Errorf("previous secret during its grace period: %s, want 200", got)
			}

			var rev struct {
				Revoked int `json:"revokedSecrets"`
			}
			decodeOnly(t, cli(t, "client", "revoke-secret", c.ID), &rev)
			if rev.Revoked != 1 {
				t.Errorf("revoke-secret: revokedSecrets %d, want 1", rev.Revoked)
			}
			expectStatus(t, p, old, "401 invalidCredentials", "revoked secret stops")
			if got := status(p.integrations(t, cur)); got != "200" {
				t.Errorf("newest secret after revoke-secret: %s, want 200", got)
			}

			decodeOnly(t, cli(t, "client", "rotate-secret", c.ID, "--grace", "0s"), &rot)
			next := creds{c.ID, rot.Secret}
			expectStatus(t, p, next, "200", "secret rotated with --grace 0s works")
			expectStatus(t, p, cur, "401 invalidCredentials", "previous secret stops at once with --grace 0s")

			show := cli(t, "client", "show", c.ID)
			for _, s := range []string{old.Secret, cur.Secret, next.Secret} {
				if strings.Contains(show, s) {
					t.Errorf("client show prints a secret:\n%s", show)
				}
			}
			var v struct {
				Secrets []struct {
					Live bool `json:"live"`
				} `json:"secrets"`
			}
			decodeOnly(t, show, &v)
			var live []bool
			for _, s := range v.Secrets {
				live = append(live, s.Live)
			}
			if !slices.Equal(live, []bool{true, false, false}) {
				t.Errorf("client show: live flags %v, want [true false false] (newest first)\n%s", live, show)
			}

			cli(t, "client", "revoke-secret", c.ID, "--all")
			expectStatus(t, p, next, "401 invalidCredentials", "revoke-secret --all stops the newest secret too")
			decodeOnly(t, cli(t, "client", "rotate-secret", c.ID), &rot)
			expectStatus(t, p, creds{c.ID, rot.Secret}, "200", "rotate-secret after revoke-secret --all")
		}},

		{"rotate with --grace 0s retires every previous secret", func(t *testing.T, c creds) {
			// A normal rotation with a grace period, then an emergency one (the new
			// secret leaked): "the previous ones keep working for the grace period", 0s.
			first := c
			var rot struct {
				Secret string `json:"clientSecret"`
			}
			decodeOnly(t, cli(t, "client", "rotate-secret", c.ID, "--grace", "1h"), &rot)
			second := creds{c.ID, rot.Secret}
			expectStatus(t, p, second, "200", "rotated secret works")
			decodeOnly(t, cli(t, "client", "rotate-secret", c.ID, "--grace", "0s"), &rot)
			third := creds{c.ID, rot.Secret}
			expectStatus(t, p, third, "200", "secret rotated with --grace 0s works")
			expectStatus(t, p, second, "401 invalidCredentials", "secret replaced with --grace 0s stops")
			expectStatus(t, p, first, "401 invalidCredentials", "older secret, still in the grace of an earlier rotation, stops with --grace 0s")
		}},

		{"rate limit changed while serving", func(t *testing.T, c creds) {
			cli(t, "client", "update", c.ID, "--rate-limit", "1", "--burst", "1")
			waitFor(t, propagation, "client update --rate-limit 1 --burst 1 → 429", func() string {
				p.integrations(t, c)
				r := p.integrations(t, c)
				if r.Code != http.StatusTooManyRequests || r.Type() != "rateLimited" || r.Env.Status != "tooManyRequest" || r.Header.Get("Retry-After") == "" {
					return fmt.Sprintf("second request in a row: %v (Retry-After %q)", r, r.Header.Get("Retry-After"))
				}
				return ""
			})
			cli(t, "client", "update", c.ID, "--rate-limit", "0")
			waitFor(t, propagation, "client update --rate-limit 0 → unlimited", func() string {
				for range 5 {
					if r := p.integrations(t, c); r.Code != http.StatusOK {
						return r.String()
					}
				}
				return ""
			})
		}},

		{"upper-case client id", func(t *testing.T, c creds) {
			// checkID accepts an upper-case uuid as a client id; it must then name the
			// same client (or be refused as malformed), never be "no client with id".
			lower := cli(t, "client", "show", c.ID)
			upper := strings.ToUpper(c.ID)
			stdout, stderr, code := runCLI(t, "client", "show", upper, "--data", p.DataDir)
			switch {
			case code == 0 && stdout == lower:
			case code == 2 && stdout == "" && strings.Count(stderr, "\n") == 1:
			default:
				t.Errorf("linkd client show %s: exit %d, stderr %q: want the client %s (exit 0) or a usage error (exit 2)", upper, code, stderr, c.ID)
			}
		}},

		{"sub-clients", func(t *testing.T, c creds) {
			var sub struct {
				ID string `json:"subClientId"`
			}
			if names := decodeOnly(t, cli(t, "client", "subclient", "add", "--client", c.ID, "--name", "Corner Shop"), &sub); !slices.Equal(names, []string{"subClientId"}) || !isUUID(sub.ID) {
				t.Fatalf("subclient add printed members %v, id %q: want exactly {\"subClientId\": uuid}", names, sub.ID)
			}
			tok, _ := p.issue(t, c, &meshapi.LinkTokenRequest{UserID: "u-1", SubClientID: sub.ID})
			var info sessionInfo
			decodeContent(t, p.redeem(t, c.ID, "link", tok.Code), &info)
			if info.Client.Name != "Corner Shop" {
				t.Errorf("Link session of a sub-client's token shows %q, want the sub-client's name Corner Shop", info.Client.Name)
			}

			other := p.createClient(t, "Other Co")
			var otherSub struct {
				ID string `json:"subClientId"`
			}
			decodeOnly(t, cli(t, "client", "subclient", "add", "--client", other.ID, "--name", "Not Yours"), &otherSub)
			r := p.linkToken(t, c, `{"userId":"u-1","subClientId":"`+otherSub.ID+`"}`)
			if r.Code != http.StatusNotFound || r.Env.Status != "notFound" || r.Type() != "subClientNotFound" {
				t.Errorf("token with another client's sub-client: %v, want 404 notFound subClientNotFound", r)
			}

			var list []struct {
				ID   string `json:"subClientId"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal([]byte(cli(t, "client", "subclient", "list", "--client", c.ID)), &list); err != nil ||
				len(list) != 1 || list[0].ID != sub.ID || list[0].Name != "Corner Shop" {
				t.Errorf("subclient list = %+v (%v), want only %s Corner Shop", list, err, sub.ID)
			}
		}},

		{"flags after positional arguments", func(t *testing.T, c creds) {
			before := mustCLI(t, "client", "show", "--data", p.DataDir, c.ID)
			after := mustCLI(t, "client", "show", c.ID, "--data", p.DataDir)
			if before != after {
				t.Errorf("client show --data DIR ID and client show ID --data DIR differ:\n%s", cmp.Diff(before, after))
			}
			mustCLI(t, "client", "disable", c.ID, "--data", p.DataDir)
			expectStatus(t, p, c, "423 clientDisabled", "client disable ID --data DIR")
			mustCLI(t, "client", "enable", "--data", p.DataDir, c.ID)
			expectStatus(t, p, c, "200", "client enable --data DIR ID")
			var rot struct {
				Expire time.Time `json:"previousSecretsExpireAt"`
			}
			decodeOnly(t, mustCLI(t, "client", "rotate-secret", c.ID, "--data", p.DataDir, "--grace", "2h"), &rot)
			if d := time.Until(rot.Expire); d < 119*time.Minute || d > 2*time.Hour {
				t.Errorf("rotate-secret ID --data DIR --grace 2h: previous secrets expire in %v, want 2h", d)
			}
		}},

		{"revoke tokens", func(t *testing.T, c creds) {
			unused, _ := p.issue(t, c, user("u-1"))
			opened, _ := p.issue(t, c, user("u-2"))
			var info sessionInfo
			decodeContent(t, p.redeem(t, c.ID, "link", opened.Code), &info)
			other := p.createClient(t, "Bystander Co")
			bystander, _ := p.issue(t, other, user("u-1"))

			var out struct {
				Tokens   int `json:"revokedLinkTokens"`
				Sessions int `json:"revokedSessions"`
			}
			decodeOnly(t, cli(t, "client", "revoke-tokens", c.ID), &out)
			if out.Tokens != 1 || out.Sessions != 1 {
				t.Errorf("revoke-tokens printed %+v, want 1 link token and 1 session", out)
			}
			if r := p.redeem(t, c.ID, "link", unused.Code); r.Code != http.StatusForbidden || r.Type() != "linkTokenRevoked" {
				t.Errorf("redeeming a revoked token: %v, want 403 linkTokenRevoked", r)
			}
			if r := p.session(t, info.SessionToken); r.Code != http.StatusUnauthorized || r.Type() != "sessionRevokedByOperator" {
				t.Errorf("a session open before revoke-tokens: %v, want 401 sessionRevokedByOperator", r)
			}
			fresh, _ := p.issue(t, c, user("u-3"))
			if r := p.redeem(t, c.ID, "link", fresh.Code); r.Code != http.StatusOK {
				t.Errorf("a token issued after revoke-tokens: %v, want 200", r)
			}
			if r := p.redeem(t, other.ID, "link", bystander.Code); r.Code != http.StatusOK {
				t.Errorf("another client's token after revoke-tokens: %v, want 200", r)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := p.createClient(t, "CLI Co")
			tc.run(t, c)
		})
	}
}

// TestCLIBadArguments runs `linkd client` with bad arguments against a running server's
// data directory: each must exit non-zero, print exactly one line on stderr and nothing
// on stdout, and leave the database as it was.
func TestCLIBadArguments(t *testing.T) {
	t.Parallel()
	p := startLinkd(t)
	c := p.createClient(t, "Keep Co")
	mustCLI(t, "client", "subclient", "add", "--client", c.ID, "--name", "Keep Sub", "--data", p.DataDir)
	const unknown = "0b8e3c51-3c2b-4b5e-9f0a-3c1f2e9d8a7b"

	snapshot := func(t *testing.T) string {
		t.Helper()
		return mustCLI(t, "client", "list", "--data", p.DataDir) +
			mustCLI(t, "client", "show", c.ID, "--data", p.DataDir) +
			mustCLI(t, "client", "subclient", "list", "--client", c.ID, "--data", p.DataDir)
	}
	before := snapshot(t)

	tests := []struct {
		name string
		args []string // --data DIR is appended
	}{
		{"unknown id: disable", []string{"client", "disable", unknown}},
		{"unknown id: enable", []string{"client", "enable", unknown}},
		{"unknown id: show", []string{"client", "show", unknown}},
		{"unknown id: update", []string{"client", "update", unknown, "--name", "X"}},
		{"unknown id: rotate-secret", []string{"client", "rotate-secret", unknown}},
		{"unknown id: revoke-secret", []string{"client", "revoke-secret", unknown}},
		{"unknown id: revoke-tokens", []string{"client", "revoke-tokens", unknown}},
		{"unknown id: subclient add", []string{"client", "subclient", "add", "--client", unknown, "--name", "X"}},
		{"unknown id: subclient list", []string{"client", "subclient", "list", "--client", unknown}},
		{"malformed id: disable", []string{"client", "disable", "not-a-uuid"}},
		{"malformed id: show", []string{"client", "show", c.ID + "0"}},
		{"malformed id: subclient add", []string{"client", "subclient", "add", "--client", "123", "--name", "X"}},
		{"missing id", []string{"client", "disable"}},
		{"two ids", []string{"client", "show", c.ID, c.ID}},
		{"argument to list", []string{"client", "list", "extra"}},
		{"missing --name: create", []string{"client", "create", "--origin", "https://app.example"}},
		{"missing --name: subclient add", []string{"client", "subclient", "add", "--client", c.ID}},
		{"empty --name: update", []string{"client", "update", c.ID, "--name", " "}},
		{"bad --origin: scheme", []string{"client", "create", "--name", "X", "--origin", "ftp://app.example"}},
		{"bad --origin: path", []string{"client", "create", "--name", "X", "--origin", "https://app.example/login"}},
		{"bad --origin: update", []string{"client", "update", c.ID, "--origin", "app.example"}},
		{"bad --jurisdiction", []string{"client", "update", c.ID, "--jurisdiction", "USA"}},
		{"bad --rate-limit", []string{"client", "create", "--name", "X", "--rate-limit", "-1"}},
		{"bad --grace: negative", []string{"client", "rotate-secret", c.ID, "--grace", "-1s"}},
		{"bad --grace: not a duration", []string{"client", "rotate-secret", c.ID, "--grace", "soon"}},
		{"bad --grace: too long", []string{"client", "rotate-secret", c.ID, "--grace", "10000h"}},
		{"unknown flag: list", []string{"client", "list", "--bogus"}},
		{"unknown flag: create", []string{"client", "create", "--name", "X", "--colour", "red"}},
		{"unknown subcommand", []string{"client", "frobnicate"}},
		{"unknown subclient subcommand", []string{"client", "subclient", "remove", "--client", c.ID}},
		{"unknown command", []string{"frobnicate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(slices.Clone(tc.args), "--data", p.DataDir)
			stdout, stderr, code := runCLI(t, args...)
			cmdline := "linkd " + strings.Join(args, " ")
			if code == 0 {
				t.Errorf("%s: exit 0, want non-zero", cmdline)
			}
			if stdout != "" {
				t.Errorf("%s: stdout %q, want nothing", cmdline, stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || strings.TrimSpace(stderr) == "" {
				t.Errorf("%s: stderr %q, want exactly one line", cmdline, stderr)
			}
			t.Logf("exit %d: %s", code, strings.TrimSpace(stderr))
			if after := snapshot(t); after != before {
				t.Errorf("%s changed the database:\n%s", cmdline, cmp.Diff(before, after))
				before = after
			}
		})
	}
	if r := p.integrations(t, c); r.Code != http.StatusOK {
		t.Errorf("client after the bad commands: %v, want 200", r)
	}

	// A mistake on the command line must not create a database either: these are
	// refused for their arguments alone, before any data is needed.
	for _, tc := range []struct {
		name string
		args []string
		noDB bool // refused because there is no database (only create, serve and migrate make one)
	}{
		{"fresh directory: create without --name", []string{"client", "create", "--origin", "https://app.example"}, false},
		{"fresh directory: create with a bad --origin", []string{"client", "create", "--name", "X", "--origin", "ftp://x"}, false},
		{"fresh directory: rotate-secret with a bad --grace", []string{"client", "rotate-secret", unknown, "--grace", "-1s"}, false},
		{"fresh directory: malformed id", []string{"client", "disable", "not-a-uuid"}, false},
		{"fresh directory: list", []string{"client", "list"}, true},
		{"fresh directory: show", []string{"client", "show", unknown}, true},
		{"fresh directory: update", []string{"client", "update", unknown, "--origin", "http://localhost:3000"}, true},
		{"fresh directory: subclient list", []string{"client", "subclient", "list", "--client", unknown}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "typo")
			args := append(slices.Clone(tc.args), "--data", dir)
			stdout, stderr, code := runCLI(t, args...)
			if code == 0 || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Errorf("linkd %s: exit %d, stdout %q, stderr %q: want non-zero, nothing, one line", strings.Join(args, " "), code, stdout, stderr)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("linkd %s (refused: %s) created the data directory %s", strings.Join(args, " "), strings.TrimSpace(stderr), dir)
			}
			if tc.noDB {
				if want := "linkd: no linkd database in " + dir + " (linkd client create, linkd serve and linkd migrate create one; check --data)\n"; stderr != want {
					t.Errorf("linkd %s: stderr %q, want %q", strings.Join(args, " "), stderr, want)
				}
			}
		})
	}
}

// TestCLICommands checks the other subcommands: version, migrate (fresh, repeated, and
// beside a running server), and serve refusing a bad configuration with one line.
func TestCLICommands(t *testing.T) {
	t.Parallel()
	p := startLinkd(t)
	fresh := filepath.Join(t.TempDir(), "fresh")
	tests := []struct {
		name      string
		args      []string
		wantCode  int    // -1: any non-zero
		wantOut   string // exact stdout ("*": any single line)
		wantLines int    // lines on stderr
	}{
		{name: "version", args: []string{"version"}, wantOut: "*"},
		{name: "--version", args: []string{"--version"}, wantOut: "*"},
		{name: "migrate a fresh directory", args: []string{"migrate", "--data", fresh}, wantOut: "{\"migrated\":true}\n"},
		{name: "migrate again", args: []string{"migrate", "--data", fresh}, wantOut: "{\"migrated\":true}\n"},
		{name: "migrate beside a running server", args: []string{"migrate", "--data", p.DataDir}, wantOut: "{\"migrated\":true}\n"},
		{name: "serve --token-ttl 1s", args: []string{"serve", "--token-ttl", "1s", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve --token-ttl 48h", args: []string{"serve", "--token-ttl", "48h", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve with two bad settings", args: []string{"serve", "--token-ttl", "1s", "--public-url", "ftp://x", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve with an argument", args: []string{"serve", "now", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve --trusted-proxies with a host name", args: []string{"serve", "--trusted-proxies", "10.0.0.0/8,proxy.internal", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve --access-token-ttl 10s", args: []string{"serve", "--access-token-ttl", "10s", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
		{name: "serve on a taken address", args: []string{"serve", "--addr", p.Addr, "--data", t.TempDir()}, wantCode: -1, wantLines: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tc.args...)
			cmdline := "linkd " + strings.Join(tc.args, " ")
			switch {
			case tc.wantCode == -1 && code == 0:
				t.Errorf("%s: exit 0, want non-zero", cmdline)
			case tc.wantCode != -1 && code != tc.wantCode:
				t.Errorf("%s: exit %d, want %d (stderr %q)", cmdline, code, tc.wantCode, stderr)
			}
			switch tc.wantOut {
			case "*":
				if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "linkd ") {
					t.Errorf("%s: stdout %q, want one line \"linkd <version>\"", cmdline, stdout)
				}
			default:
				if stdout != tc.wantOut {
					t.Errorf("%s: stdout %q, want %q", cmdline, stdout, tc.wantOut)
				}
			}
			if n := strings.Count(stderr, "\n"); n != tc.wantLines || (n > 0 && !strings.HasSuffix(stderr, "\n")) {
				t.Errorf("%s: %d line(s) on stderr, want %d:\n%s", cmdline, n, tc.wantLines, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(fresh, "linkd.db")); err != nil {
		t.Errorf("migrate --data %s created no database: %v", fresh, err)
	}
	if r := p.do(t, "GET", "/readyz", nil); r.Code != http.StatusOK {
		t.Errorf("server after migrate beside it: /readyz %v", r)
	}
}
