package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
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
		Metrics: m, Store: st, Connectors: connectors}, cat, publicURL.String(), address.Pattern)
	if err != nil {
		return nil, err
	}
	var extra []Route
	if c.Demo {
		if extra, err = demoRoutes(c, st, log, apiH, publicURL.String()); err != nil {
			return nil, err
		}
	}
	ui := &linkui.Handler{Tokens: tokens, Auth: authn, Store: st, Catalog: cat, Connectors: connectors,
		PublicURL: publicURL.String(), MaxBody: c.MaxBody, Now: now, AccessTTL: c.AccessTokenTTL, RefreshTTL: c.RefreshTokenTTL,
		Metrics: m, Log: log}
	return New(Options{
		Store: st, API: apiH, LinkUI: ui, Catalog: cat, Logger: log, AccessLog: accessLog, Metrics: m, ServeMetrics: c.Metrics,
		PurgeInterval: c.PurgeInterval, Retention: max(c.Retention, c.SessionTTL), ShutdownTimeout: c.ShutdownTimeout, Now: now,
		Extra: extra, TrustedProxies: trusted, MaxInFlight: c.MaxInFlight,
	}), nil
}

// demoRoutes sets up `linkd serve --demo`: the demo client (created once, its secret kept
// in the data directory) and the demo page with its backend endpoint, which issues
// through apiH.
func demoRoutes(c *config.Serve, st store.Store, log *slog.Logger, apiH *api.Handler, publicURL string) ([]Route, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := demo.Setup(ctx, st, c.DataDir, publicURL)
	if err != nil {
		return nil, err
	}
	log.Info("demo client ready", "clientId", creds.ClientID, "created", creds.Created,
		"credentials", filepath.Join(c.DataDir, demo.FileName))
	d := &demo.Handler{API: apiH, Client: creds, PublicURL: publicURL, MaxBody: c.MaxBody}
	return []Route{
		{"demo_page", "GET", "/demo", http.HandlerFunc(d.Page)},
		{"demo_asset", "GET", "/demo/assets/{path...}", api.HandlerFunc(d.Asset)},
		{"demo_linktoken", "POST", "/demo/api/linktoken", api.SameOrigin(api.HandlerFunc(d.LinkToken))},
	}, nil
}
