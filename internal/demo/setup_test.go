package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
	"github.com/linkd-dev/linkd/internal/webhook"
)

func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSetupCreatesOnceAndReuses: the first start creates the client and a 0600 file; the
// next ones reuse both (same id, same secret), adding a new public URL's origin.
func TestSetupCreatesOnceAndReuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openStore(t, dir)
	first, err := Setup(ctx, st, dir, "http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || first.ClientID == "" || !strings.HasPrefix(first.ClientSecret, "sk_") {
		t.Fatalf("first Setup: %+v", first)
	}
	path := filepath.Join(dir, FileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", FileName, fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"clientId": "`+first.ClientID+`"`) || !strings.Contains(string(b), `"clientSecret": "`+first.ClientSecret+`"`) {
		t.Errorf("file content:\n%s", b)
	}

	steps := []struct {
		name, publicURL string
		wantOrigins     []string
	}{
		{"same URL", "http://localhost:8080", []string{"http://localhost:8080"}},
		{"same origin, trailing slash", "http://localhost:8080/", []string{"http://localhost:8080"}},
		{"new public URL", "https://Linkd.Example:443/prefix", []string{"http://localhost:8080", "https://linkd.example"}},
		{"back to the first", "http://localhost:8080", []string{"http://localhost:8080", "https://linkd.example"}},
	}
	for _, s := range steps {
		got, err := Setup(ctx, st, dir, s.publicURL)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got.Created || got.ClientID != first.ClientID || got.ClientSecret != first.ClientSecret {
			t.Errorf("%s: got %+v, want the first client reused", s.name, got)
		}
		c, err := st.Client(ctx, first.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != ClientName || !c.Enabled || !slices.Equal(c.Origins, s.wantOrigins) {
			t.Errorf("%s: client %q enabled=%v origins %v, want origins %v", s.name, c.Name, c.Enabled, c.Origins, s.wantOrigins)
		}
	}
	cs, _ := st.Clients(ctx)
	if len(cs) != 1 {
		t.Errorf("%d clients, want 1", len(cs))
	}
}

// TestSetupLaterStarts: what a later start does when the client or file changed.
func TestSetupLaterStarts(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		change  func(t *testing.T, st store.Store, dir string, c Credentials) store.Store
		wantErr string // "" : a new client is created
	}{
		{"client gone (new database)", func(t *testing.T, st store.Store, dir string, c Credentials) store.Store {
			return openStore(t, t.TempDir())
		}, ""},
		{"client disabled", func(t *testing.T, st store.Store, dir string, c Credentials) store.Store {
			if err := st.SetClientEnabled(ctx, c.ClientID, false); err != nil {
				t.Fatal(err)
			}
			return st
		}, "is disabled; enable it (linkd client enable"},
		{"secret revoked", func(t *testing.T, st store.Store, dir string, c Credentials) store.Store {
			if _, err := st.RevokeSecrets(ctx, c.ClientID, nil, time.Now()); err != nil {
				t.Fatal(err)
			}
			return st
		}, "is no longer valid for client"},
		{"file corrupt", func(t *testing.T, st store.Store, dir string, c Credentials) store.Store {
			os.WriteFile(filepath.Join(dir, FileName), []byte(`{"clientId":"nope"}`), 0o600)
			return st
		}, "is not a demo client file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			st := openStore(t, dir)
			first, err := Setup(ctx, st, dir, "http://localhost:8080")
			if err != nil {
				t.Fatal(err)
			}
			st = tc.change(t, st, dir, first)
			got, err := Setup(ctx, st, dir, "http://localhost:8080")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Created || got.ClientID == first.ClientID {
				t.Errorf("got %+v, want a new client", got)
			}
			if _, err := st.Client(ctx, got.ClientID); err != nil {
				t.Errorf("new client not stored: %v", err)
			}
			again, err := Setup(ctx, st, dir, "http://localhost:8080")
			if err != nil || again.ClientID != got.ClientID || again.Created {
				t.Errorf("third start: %+v, %v; want the new client reused", again, err)
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://localhost:80/x/", "http://localhost"},
		{"https://LINKD.example:443", "https://linkd.example"},
		{"https://linkd.example:8443/base", "https://linkd.example:8443"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"ftp://x", ""},
		{"/relative", ""},
	}
	for _, tc := range cases {
		got, err := originOf(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("originOf(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestSetupWebhook: the demo's webhook is registered once (its id and secret kept in the
// demo client file), follows a new public URL, and is sealed again under a new key file.
func TestSetupWebhook(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openStore(t, dir)
	keyPath := filepath.Join(dir, "secret.key")
	keys := func() *webhook.KeyFile { return &webhook.KeyFile{Path: keyPath, Create: true} }
	cr, err := Setup(ctx, st, dir, "http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	first, err := SetupWebhook(ctx, st, dir, "http://localhost:8080", keys(), cr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !strings.Contains(string(b), first.WebhookID) || !strings.Contains(string(b), first.WebhookSecret) {
		t.Fatalf("the webhook is not in %s:\n%s", FileName, b)
	}
	check := func(name, url string, cr Credentials) {
		t.Helper()
		hooks, err := st.Webhooks(ctx, cr.ClientID)
		if err != nil || len(hooks) != 1 || hooks[0].ID != first.WebhookID || hooks[0].URL != url {
			t.Fatalf("%s: webhooks %+v, %v; want one, %s, to %s", name, hooks, err, first.WebhookID, url)
		}
		sealer, _ := keys().Sealer()
		if secret, err := sealer.Open(hooks[0].ID, hooks[0].SealedSecret); err != nil || secret != first.WebhookSecret {
			t.Errorf("%s: the stored secret does not open to the file's: %v", name, err)
		}
		if cr.WebhookID != first.WebhookID || cr.WebhookSecret != first.WebhookSecret {
			t.Errorf("%s: credentials %+v changed", name, cr)
		}
	}
	check("first start", "http://localhost:8080/demo/api/webhook", first)
	// A later start reads the file again.
	cr, _ = Setup(ctx, st, dir, "http://localhost:8080")
	again, err := SetupWebhook(ctx, st, dir, "http://localhost:8080", keys(), cr)
	if err != nil {
		t.Fatal(err)
	}
	check("same URL", "http://localhost:8080/demo/api/webhook", again)
	cr, _ = Setup(ctx, st, dir, "https://linkd.example/base/")
	moved, err := SetupWebhook(ctx, st, dir, "https://linkd.example/base/", keys(), cr)
	if err != nil {
		t.Fatal(err)
	}
	check("new public URL", "https://linkd.example/base/demo/api/webhook", moved)
	os.Remove(keyPath) // a new key file: the old seal no longer opens
	resealed, err := SetupWebhook(ctx, st, dir, "https://linkd.example/base/", keys(), moved)
	if err != nil {
		t.Fatal(err)
	}
	check("new key file", "https://linkd.example/base/demo/api/webhook", resealed)
}
