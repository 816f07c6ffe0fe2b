package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/clientip"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/demo"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/linkui"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/ratelimit"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// FromConfig wires a Server from a checked serve configuration and an open store: the
// one place where linkd's parts are put together (cmd/linkd and the tests both use it).
// accessLog receives the access log (nil: log); now is the clock (nil: time.Now).
func FromConfig(c *config.Serve, st store.Store, log *slog.Logger, accessLog *AccessLog, now func() time.Time) (*Server, error) {
	if now == nil {
		now = time.Now
	}
	publicURL, err := config.ParsePublicURL(c.PublicURL)
	if err != nil {
		return nil, err
	}
	trusted, err := clientip.Parse(c.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	m := metrics.New()
	if cs, ok := st.(store.CommitStats); ok {
		m.CommitStats(cs)
	}
	authn := auth.NewAuthenticator(st, now)
	connectors := connector.Default()
	tokens := &linktoken.Service{Store: st, Catalog: cat, PublicURL: publicURL, TTL: c.TokenTTL, SessionTTL: c.SessionTTL, Now: now}
	apiH, err := api.NewHandler(api.Handler{Auth: authn, Tokens: tokens, Limits: ratelimit.New(), Now: now,
		MaxBody: c.MaxBody, AuthFailures: c.AuthFailures,
		Active: ratelimit.NewWindow(c.TokenTTL, 60), MaxActive: c.MaxActiveTokens,
		Metrics: m, Store: st, Connectors: connectors, AccessTTL: c.AccessTokenTTL, RefreshTTL: c.RefreshTokenTTL}, cat, publicURL.String(), address.Pattern)
	if err != nil {
		return nil, err
	}
	keys := &webhook.KeyFile{Path: config.KeyFile(c.SecretKeyFile, c.DataDir)}
	sender := &webhook.Sender{Store: st, Keys: keys, Now: now, Log: log, Metrics: m, AllowPrivate: c.WebhookAllowPrivate}
	logKeyFile(log, keys.Path)
	var extra []Route
	if c.Demo {
		if extra, err = demoRoutes(c, st, log, apiH, publicURL.String(), keys, sender); err != nil {
			return nil, err
		}
	}
	ui := &linkui.Handler{Tokens: tokens, Auth: authn, Store: st, Catalog: cat, Connectors: connectors,
		PublicURL: publicURL.String(), MaxBody: c.MaxBody, Now: now, AccessTTL: c.AccessTokenTTL, RefreshTTL: c.RefreshTokenTTL,
		Metrics: m, Log: log, SettleDelay: c.SandboxSettleDelay, Notify: sender.Notify}
	return New(Options{
		Store: st, API: apiH, LinkUI: ui, Catalog: cat, Logger: log, AccessLog: accessLog, Metrics: m, ServeMetrics: c.Metrics,
		PurgeInterval: c.PurgeInterval, Retention: max(c.Retention, c.SessionTTL), ShutdownTimeout: c.ShutdownTimeout, Now: now,
		Extra: extra, TrustedProxies: trusted, Connectors: connectors, Webhooks: sender, MaxInFlight: c.MaxInFlight,
	}), nil
}

// logKeyFile says at start which secret key file signs webhooks, and warns if others than
// its owner may read it (docs/threat-model.md H2). A missing file is no problem until a
// webhook exists: `linkd client webhook add` creates it.
func logKeyFile(log *slog.Logger, path string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		log.Debug("no webhook secret key file yet", "secretKeyFile", path)
	case fi.Mode().Perm()&0o077 != 0:
		log.Warn("the webhook secret key file is readable by others than its owner; chmod 600 it", "secretKeyFile", path,
			"mode", fi.Mode().Perm().String())
	default:
		log.Debug("webhook secret key file", "secretKeyFile", path)
	}
}

// demoRoutes sets up `linkd serve --demo`: the demo client (created once, its secret kept
// in the data directory) and the demo page with its backend endpoint, which issues
// through apiH.
func demoRoutes(c *config.Serve, st store.Store, log *slog.Logger, apiH *api.Handler, publicURL string, keys *webhook.KeyFile, sender *webhook.Sender) ([]Route, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := demo.Setup(ctx, st, c.DataDir, publicURL)
	if err != nil {
		return nil, err
	}
	// The demo's webhook is sealed with the server's key file, which the demo creates if
	// it is missing (the demo is the "first need").
	creds, err = demo.SetupWebhook(ctx, st, c.DataDir, publicURL, &webhook.KeyFile{Path: keys.Path, Create: true}, creds)
	if err != nil {
		return nil, err
	}
	// Its receiver is linkd itself, usually on localhost: that one webhook may be delivered
	// to a private address without --webhook-allow-private.
	sender.AllowPrivateFor = map[string]bool{creds.WebhookID: true}
	log.Info("demo client ready", "clientId", creds.ClientID, "created", creds.Created, "webhookId", creds.WebhookID,
		"credentials", filepath.Join(c.DataDir, demo.FileName))
	d := &demo.Handler{API: apiH, Client: creds, PublicURL: publicURL, MaxBody: c.MaxBody}
	return []Route{
		{"demo_page", "GET", "/demo", http.HandlerFunc(d.Page)},
		{"demo_asset", "GET", "/demo/assets/{path...}", api.HandlerFunc(d.Asset)},
		{"demo_linktoken", "POST", "/demo/api/linktoken", api.SameOrigin(api.HandlerFunc(d.LinkToken))},
		// Server to server (linkd's webhook sender): no browser, no origin check.
		{"demo_webhook", "POST", demo.WebhookPath, api.HandlerFunc(d.Webhook)},
		{"demo_webhooks", "GET", "/demo/api/webhooks", api.HandlerFunc(d.Webhooks)},
	}, nil
}
