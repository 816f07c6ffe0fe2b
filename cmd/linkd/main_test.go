package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// cli runs linkd in-process with --data dir and returns stdout, stderr and the exit code.
func cli(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	return cliIn(t, dir, "", args...)
}

// cliIn is cli with stdin as the standard input.
func cliIn(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"LINKD_DATA": dir}
	code := run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func create(t *testing.T, dir string, args ...string) (id, secret string) {
	t.Helper()
	out, errs, code := cli(t, dir, append([]string{"client", "create", "--name", "Acme"}, args...)...)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v, json.RejectUnknownMembers(true)); err != nil || len(v) != 2 {
		t.Fatalf("create printed %q: %v", out, err)
	}
	return v["clientId"], v["clientSecret"]
}

func TestClientCommands(t *testing.T) {
	dir := t.TempDir()
	id, secret := create(t, dir, "--origin", "HTTPS://App.Example:443/", "--origin", "http://localhost:3000", "--jurisdiction", "us")
	if !strings.HasPrefix(secret, "sk_") || len(id) != 36 {
		t.Fatalf("id %q secret %q", id, secret)
	}
	out, _, code := cli(t, dir, "client", "show", id)
	if code != 0 || !strings.Contains(out, `"https://app.example"`) || !strings.Contains(out, `"http://localhost:3000"`) ||
		!strings.Contains(out, `"jurisdiction": "US"`) || strings.Contains(out, secret) {
		t.Fatalf("show: %d %s", code, out)
	}
	steps := []struct {
		name string
		args []string
		want string
	}{
		{"disable, flag after argument", []string{"client", "disable", id, "--data", dir}, `"enabled": false`},
		{"enable", []string{"client", "enable", id}, `"enabled": true`},
		{"rotate", []string{"client", "rotate-secret", id, "--grace", "1h"}, `"clientSecret": "sk_`},
		{"revoke old", []string{"client", "revoke-secret", id}, `"revokedSecrets": 1`},
		{"revoke again: nothing left but the newest", []string{"client", "revoke-secret", id}, `"revokedSecrets": 0`},
		{"update", []string{"client", "update", id, "--name", "Acme 2", "--rate-limit", "5"}, `"rateLimit": 5`},
		{"subclient add", []string{"client", "subclient", "add", "--client", id, "--name", "Shop"}, `"subClientId"`},
		{"subclient list", []string{"client", "subclient", "list", "--client", id}, `"name": "Shop"`},
		{"revoke tokens", []string{"client", "revoke-tokens", id}, `"revokedLinkTokens": 0`},
		{"list", []string{"client", "list"}, `"name": "Acme 2"`},
		{"migrate", []string{"migrate"}, `{"migrated":true}`},
		{"version", []string{"version"}, "linkd "},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, errs, code := cli(t, dir, s.args...)
			if code != 0 || !strings.Contains(out, s.want) || errs != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, s.want)
			}
		})
	}
	out, _, _ = cli(t, dir, "client", "show", id)
	if strings.Count(out, `"live": true`) != 1 {
		t.Errorf("after rotate + revoke, want one live secret:\n%s", out)
	}
}

// TestBadArguments: one line on stderr, nothing on stdout, non-zero exit, and the
// database unchanged.
func TestBadArguments(t *testing.T) {
	dir := t.TempDir()
	id, _ := create(t, dir)
	before, _, _ := cli(t, dir, "client", "list")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no command", []string{}, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"unknown client command", []string{"client", "delete", id}, 2},
		{"create without name", []string{"client", "create"}, 2},
		{"create with blank name", []string{"client", "create", "--name", "  "}, 2},
		{"create with bad origin", []string{"client", "create", "--name", "x", "--origin", "app.example"}, 2},
		{"create with origin path", []string{"client", "create", "--name", "x", "--origin", "https://app.example/cb"}, 2},
		{"create with bad jurisdiction", []string{"client", "create", "--name", "x", "--jurisdiction", "USA"}, 2},
		{"create with negative rate", []string{"client", "create", "--name", "x", "--rate-limit", "-1"}, 2},
		{"create with extra argument", []string{"client", "create", "--name", "x", "extra"}, 2},
		{"unknown flag", []string{"client", "list", "--verbose"}, 2},
		{"disable without id", []string{"client", "disable"}, 2},
		{"disable malformed id", []string{"client", "disable", "acme"}, 2},
		{"disable unknown id", []string{"client", "disable", "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, 1},
		{"rotate unknown id", []string{"client", "rotate-secret", "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, 1},
		{"rotate with bad grace", []string{"client", "rotate-secret", id, "--grace", "forever"}, 2},
		{"update bad origin", []string{"client", "update", id, "--origin", "ftp://x"}, 2},
		{"subclient without client", []string{"client", "subclient", "add", "--name", "x"}, 2},
		{"subclient of unknown client", []string{"client", "subclient", "add", "--client", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "--name", "x"}, 1},
		{"subclient unknown command", []string{"client", "subclient", "remove"}, 2},
		{"serve with bad ttl", []string{"serve", "--token-ttl", "1s"}, 2},
		{"serve with argument", []string{"serve", "now"}, 2},
		{"postgres unreachable", []string{"client", "list", "--database-url", "postgres://linkd:s3cret@127.0.0.1:1/linkd"}, 1},
		{"import of something else", []string{"import"}, 2},
		{"import with an argument", []string{"import", "linkd.json"}, 2},
		{"export with an argument", []string{"export", "all"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := cli(t, dir, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tc.name != "no command" && strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", errs)
			}
			if !strings.HasPrefix(errs, "linkd: ") && tc.name != "no command" {
				t.Errorf("stderr %q", errs)
			}
		})
	}
	after, _, _ := cli(t, dir, "client", "list")
	if before != after {
		t.Errorf("database changed by failed commands:\n%s\n---\n%s", before, after)
	}
}

func TestHelp(t *testing.T) {
	_, errs, code := cli(t, t.TempDir(), "serve", "--help")
	if code != 0 || !strings.Contains(errs, "LINKD_TOKEN_TTL") || !strings.Contains(errs, "-public-url") {
		t.Fatalf("serve --help: %d %s", code, errs)
	}
}

// TestWebhookCommands: add prints the id and the secret once (and warns about a private
// address), list never shows a secret, the secret is not in the database in clear, remove
// ends a webhook, deliveries lists the outbox.
func TestWebhookCommands(t *testing.T) {
	dir := t.TempDir()
	id, _ := create(t, dir)
	out, errs, code := cli(t, dir, "client", "webhook", "add", "--client", id, "--url", "https://hooks.example/mesh")
	var added map[string]string
	if code != 0 || errs != "" || json.Unmarshal([]byte(out), &added, json.RejectUnknownMembers(true)) != nil || len(added) != 2 ||
		!strings.HasPrefix(added["secret"], "whsec_") || len(added["webhookId"]) != 36 {
		t.Fatalf("webhook add: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("secret key file: %v %v", fi, err)
	}
	out, errs, code = cli(t, dir, "client", "webhook", "add", "--url", "http://127.0.0.1:9000/hook", "--client", id)
	if code != 0 || !strings.Contains(errs, "warning: 127.0.0.1 is a loopback address") || !strings.Contains(errs, "--webhook-allow-private") {
		t.Fatalf("private URL: exit %d, stderr %q", code, errs)
	}
	var second map[string]string
	json.Unmarshal([]byte(out), &second)
	out, _, code = cli(t, dir, "client", "webhook", "list", "--client", id)
	if code != 0 || !strings.Contains(out, added["webhookId"]) || !strings.Contains(out, "http://127.0.0.1:9000/hook") ||
		strings.Contains(out, added["secret"]) || strings.Contains(out, "secret") {
		t.Fatalf("webhook list: %d %s", code, out)
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, en.Name()))
		for _, s := range []string{added["secret"], second["secret"], strings.TrimPrefix(added["secret"], "whsec_")} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("a webhook secret is in %s in clear (docs/threat-model.md H2)", en.Name())
			}
		}
	}
	// rotate-secret prints a new secret once; the store holds it sealed, and it replaces
	// the old one.
	out, errs, code = cli(t, dir, "client", "webhook", "rotate-secret", second["webhookId"])
	var rotated map[string]string
	if code != 0 || errs != "" || json.Unmarshal([]byte(out), &rotated, json.RejectUnknownMembers(true)) != nil || len(rotated) != 2 ||
		rotated["webhookId"] != second["webhookId"] || !strings.HasPrefix(rotated["secret"], "whsec_") || rotated["secret"] == second["secret"] {
		t.Fatalf("webhook rotate-secret: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got := storedWebhookSecret(t, dir, id, second["webhookId"]); got != rotated["secret"] {
		t.Errorf("after rotate-secret the stored secret opens to %q, want the printed one", got)
	}
	if out, _, code := cli(t, dir, "client", "webhook", "deliveries", "--client", id); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("deliveries: %d %s", code, out)
	}
	if out, _, code := cli(t, dir, "client", "webhook", "remove", added["webhookId"]); code != 0 || !strings.Contains(out, `"removed": true`) {
		t.Errorf("remove: %d %s", code, out)
	}
	out, _, _ = cli(t, dir, "client", "webhook", "list", "--client", id)
	if strings.Contains(out, added["webhookId"]) || !strings.Contains(out, second["webhookId"]) {
		t.Errorf("after remove: %s", out)
	}
	bad := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", []string{"client", "webhook"}, 2, "missing command"},
		{"unknown command", []string{"client", "webhook", "edit"}, 2, "unknown command"},
		{"add without client", []string{"client", "webhook", "add", "--url", "https://x.example"}, 2, "--client"},
		{"add without url", []string{"client", "webhook", "add", "--client", id}, 2, "--url"},
		{"add ftp url", []string{"client", "webhook", "add", "--client", id, "--url", "ftp://x.example"}, 2, "http or https"},
		{"add with credentials", []string{"client", "webhook", "add", "--client", id, "--url", "https://a:b@x.example"}, 2, "credentials"},
		{"add for unknown client", []string{"client", "webhook", "add", "--client", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "--url", "https://x.example"}, 1, "no client"},
		{"remove malformed id", []string{"client", "webhook", "remove", "hook-1"}, 2, "not a webhook id"},
		{"remove twice", []string{"client", "webhook", "remove", added["webhookId"]}, 1, "no webhook with id"},
		{"remove without id", []string{"client", "webhook", "remove"}, 2, "needs a webhook id"},
		{"rotate-secret of a removed webhook", []string{"client", "webhook", "rotate-secret", added["webhookId"]}, 1, "no webhook with id"},
		{"rotate-secret malformed id", []string{"client", "webhook", "rotate-secret", "hook-1"}, 2, "not a webhook id"},
		{"deliveries with bad limit", []string{"client", "webhook", "deliveries", "--client", id, "--limit", "0"}, 2, "--limit"},
		{"list for unknown client", []string{"client", "webhook", "list", "--client", "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, 1, "no client"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := cli(t, dir, tc.args...)
			if code != tc.code || out != "" || !strings.Contains(errs, tc.msg) || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line mentioning %q", code, out, errs, tc.code, tc.msg)
			}
		})
	}
}

// storedWebhookSecret opens the database and the key file of dir and returns the signing
// secret stored for webhook hookID of client clientID.
func storedWebhookSecret(t *testing.T, dir, clientID, hookID string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hooks, err := st.Webhooks(context.Background(), clientID)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := (&webhook.KeyFile{Path: filepath.Join(dir, "secret.key")}).Sealer()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range hooks {
		if w.ID == hookID {
			secret, err := sealer.Open(w.ID, w.SealedSecret)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
	}
	t.Fatalf("no webhook %s", hookID)
	return ""
}
