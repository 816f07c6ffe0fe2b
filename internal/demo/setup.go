// Package demo is `linkd serve --demo`: a demo API client, created once, and a demo host
// page at /demo — a mock fintech page built on linkd's own /sdk/link.js, with a small
// "backend" endpoint that issues link tokens for the demo client — so that a newcomer sees
// the whole flow in a browser with one command.
//
// The demo client ("linkd demo") is a real client of the store: `linkd client list` shows
// it. Its secret is kept in <data>/demo-client.json (mode 0600) so that later starts reuse
// it. On a later start:
//   - the file and the client both exist: the client is reused (and the public URL's
//     origin is added to its origins if --public-url changed);
//   - the client is gone from the database (a new database with an old data directory):
//     a new demo client is created and the file rewritten;
//   - the client is disabled, or the file's secret was rotated or revoked: serve refuses
//     to start and says so, since an operator did that on purpose (enable the client, or
//     delete the file to get a new demo client).
//
// The demo client also gets a webhook to the demo's own receiver, /demo/api/webhook
// (SetupWebhook, kept in the same file), which checks each delivery's signature as an
// integrator's receiver would and shows the page what arrived.
package demo

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// FileName is the file in the data directory that keeps the demo client's credentials.
const FileName = "demo-client.json"

// ClientName is the demo client's name (the Link UI shows it).
const ClientName = "linkd demo"

// Rate limit of the demo client: /demo/api/linktoken is open to anyone who can reach the
// page, so it is bounded like any client's API.
const (
	demoRateLimit = 5
	demoRateBurst = 20
)

// Credentials are the demo client's id and secret, and its webhook's id and signing
// secret, as stored in FileName.
type Credentials struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	// WebhookID and WebhookSecret are the demo's webhook to its own /demo/api/webhook
	// (SetupWebhook): the receiver checks each delivery's signature with the secret.
	WebhookID     string `json:"webhookId,omitzero"`
	WebhookSecret string `json:"webhookSecret,omitzero"`
	// Created reports whether Setup created the client (false: reused).
	Created bool `json:"-"`
}

// Setup returns the demo client's credentials, creating the client (once) if needed; its
// origins include the origin of publicURL, so that the Link UI may be framed by /demo.
// See the package documentation for what happens on later starts.
func Setup(ctx context.Context, st store.Store, dataDir, publicURL string) (Credentials, error) {
	origin, err := originOf(publicURL)
	if err != nil {
		return Credentials{}, err
	}
	path := filepath.Join(dataDir, FileName)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return create(ctx, st, path, origin)
	case err != nil:
		return Credentials{}, fmt.Errorf("demo: %w", err)
	}
	var cr Credentials
	if err := json.Unmarshal(b, &cr); err != nil || !validID(cr.ClientID) || !strings.HasPrefix(cr.ClientSecret, auth.SecretPrefix) {
		return Credentials{}, fmt.Errorf("demo: %s is not a demo client file ({\"clientId\",\"clientSecret\"}); delete it to create a new demo client", path)
	}
	cr.ClientID = strings.ToLower(cr.ClientID)
	c, err := st.Client(ctx, cr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return create(ctx, st, path, origin)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("demo: %w", err)
	}
	if !c.Enabled {
		return Credentials{}, fmt.Errorf("demo: the demo client %s is disabled; enable it (linkd client enable %s) or delete %s to create a new one", c.ID, c.ID, path)
	}
	if !liveSecret(c, cr.ClientSecret, time.Now()) {
		return Credentials{}, fmt.Errorf("demo: the secret in %s is no longer valid for client %s (rotated or revoked); delete the file to create a new demo client", path, c.ID)
	}
	if !slices.Contains(c.Origins, origin) {
		c.Origins = append(c.Origins, origin)
		if err := st.UpdateClient(ctx, c); err != nil {
			return Credentials{}, fmt.Errorf("demo: add origin %s to the demo client: %w", origin, err)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		os.Chmod(path, 0o600) // a secret: owner only
	}
	return cr, nil
}

// create makes a new demo client. The file is written first: if the process dies before
// the client is stored, the next start finds no such client and creates one again.
func create(ctx context.Context, st store.Store, path, origin string) (Credentials, error) {
	secret, hash := auth.NewSecret()
	now := time.Now().UTC()
	c := store.Client{ID: uuid.NewString(), Name: ClientName, Origins: []string{origin}, Enabled: true,
		RateLimit: demoRateLimit, RateBurst: demoRateBurst, CreatedAt: now,
		Secrets: []store.Secret{{Hash: hash, CreatedAt: now}}}
	cr := Credentials{ClientID: c.ID, ClientSecret: secret, Created: true}
	if err := saveCredentials(path, cr); err != nil {
		return Credentials{}, err
	}
	if err := st.CreateClient(ctx, c); err != nil {
		return Credentials{}, fmt.Errorf("demo: create the demo client: %w", err)
	}
	return cr, nil
}

// saveCredentials writes the demo's credentials to path.
func saveCredentials(path string, cr Credentials) error {
	b, err := json.Marshal(cr, jsontext.Multiline(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	if err := writeFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// WebhookPath is the path (under the public URL) of the demo's webhook receiver.
const WebhookPath = "/demo/api/webhook"

// SetupWebhook makes sure the demo client has its webhook to the demo's own receiver
// (publicURL + WebhookPath), registered once like the client: the webhook's id and secret
// are written to FileName first, then the webhook is stored (sealed with keys), so that a
// start interrupted in between registers the same webhook next time. A webhook left with
// an older public URL, or with a secret that no longer opens with the key file, is
// replaced. It returns cr with the webhook's id and secret.
//
// linkd serve delivers to this one webhook even without --webhook-allow-private (it is
// linkd's own address, usually localhost); every other webhook keeps the rule.
func SetupWebhook(ctx context.Context, st store.Store, dataDir, publicURL string, keys *webhook.KeyFile, cr Credentials) (Credentials, error) {
	url := strings.TrimRight(publicURL, "/") + WebhookPath
	if cr.WebhookID == "" || !strings.HasPrefix(cr.WebhookSecret, webhook.SecretPrefix) {
		cr.WebhookID, cr.WebhookSecret = uuid.NewString(), webhook.NewSecret()
		if err := saveCredentials(filepath.Join(dataDir, FileName), cr); err != nil {
			return cr, err
		}
	}
	sealer, err := keys.Sealer()
	if err != nil {
		return cr, fmt.Errorf("demo: %w", err)
	}
	hooks, err := st.Webhooks(ctx, cr.ClientID)
	if err != nil {
		return cr, fmt.Errorf("demo: %w", err)
	}
	for _, w := range hooks {
		if w.ID != cr.WebhookID {
			continue
		}
		if secret, err := sealer.Open(w.ID, w.SealedSecret); err == nil && subtle.ConstantTimeCompare([]byte(secret), []byte(cr.WebhookSecret)) == 1 && w.URL == url {
			return cr, nil
		}
		if _, err := st.DeleteWebhook(ctx, w.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return cr, fmt.Errorf("demo: replace the demo webhook: %w", err)
		}
	}
	w := store.Webhook{ID: cr.WebhookID, ClientID: cr.ClientID, URL: url, SealedSecret: sealer.Seal(cr.WebhookID, cr.WebhookSecret),
		CreatedAt: time.Now().UTC()}
	if err := st.CreateWebhook(ctx, w); err != nil {
		return cr, fmt.Errorf("demo: register the demo webhook: %w", err)
	}
	return cr, nil
}

// writeFile replaces path atomically with a file of mode 0600.
func writeFile(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".demo-client-*.json") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename, there is nothing left to remove
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func liveSecret(c store.Client, secret string, now time.Time) bool {
	h := auth.HashSecret(secret)
	ok := false
	for _, s := range c.Secrets {
		if s.Live(now) && subtle.ConstantTimeCompare(s.Hash, h) == 1 {
			ok = true
		}
	}
	return ok
}

func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// originOf is the browser origin of a public URL: "https://linkd.example:8443/x" →
// "https://linkd.example:8443" (lower-case host, no default port), the form the Link UI
// compares with.
func originOf(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return "", fmt.Errorf("demo: public URL %q is not an absolute http(s) URL", publicURL)
	}
	o, ok := config.OriginOf(u)
	if !ok {
		return "", fmt.Errorf("demo: public URL %q is not an absolute http(s) URL", publicURL)
	}
	return o, nil
}
