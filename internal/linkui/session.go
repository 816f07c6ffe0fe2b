// Package linkui serves the Link UI: the page a link token opens inside the SDK's iframe
// (or, for a payment link, as a full page), and the small JSON API its script calls.
//
// The code inside the link token is redeemed by the page's script with a POST, never by
// loading the page, because link previewers and prefetchers fetch URLs (docs/design.md §3). The
// redemption returns a session credential that the script keeps in memory and sends as
// "Authorization: Bearer …" (no cookies: browsers block third-party cookies in iframes,
// docs/threat-model.md U3).
package linkui

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/metrics"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Handler serves the Link UI: the page, the redemption of a link token's code, and the
// steps of the Link session after it (the catalog, connecting an integration, account
// selection, transfers and wallet verification).
type Handler struct {
	Tokens     *linktoken.Service
	Auth       *auth.Authenticator
	Store      store.Store
	Catalog    *catalog.Catalog
	Connectors *connector.Registry
	// PublicURL is linkd's base URL as browsers reach it (logos, asset paths).
	PublicURL string
	MaxBody   int64
	Now       func() time.Time
	// AccessTTL and RefreshTTL are the lifetimes of the tokens of connected accounts.
	AccessTTL, RefreshTTL time.Duration

	// Metrics counts the outcome of every redemption and every transfer (nil: nothing is
	// counted).
	Metrics *metrics.Metrics
	// SettleDelay is how long a transfer of a connector that settles later
	// (connector.Settler, the sandbox) stays pending before it is due to be settled.
	SettleDelay time.Duration
	// Notify, if set, is called once a transfer and its webhook event are stored (it wakes
	// the webhook sender).
	Notify func()
	// Log receives the warnings about pages that frame the Link UI where the browser
	// will not show it (framing.go; nil: slog.Default()).
	Log *slog.Logger

	framing framingWarnings

	netOnce  sync.Once
	netViews []NetworkView
}

// redeemRequest is the body of POST /link/api/sessions.
type redeemRequest struct {
	ClientID string `json:"clientId"`
	Kind     string `json:"kind"`
	Code     string `json:"code"`
}

// SessionInfo is what the Link UI learns when it opens a session.
type SessionInfo struct {
	SessionToken string            `json:"sessionToken,omitzero"`
	ExpiresAt    time.Time         `json:"expiresAt"`
	Kind         string            `json:"kind"`
	Client       ClientInfo        `json:"client"`
	Options      linktoken.Options `json:"options"`
	// Networks are the catalog's networks, for the names the screens show.
	Networks []NetworkView `json:"networks"`
}

// NetworkView is a network as the Link UI shows it.
type NetworkView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	NetworkType string `json:"networkType"`
	// ChainID is the EVM chain id (decimal), for the network a browser wallet is on.
	ChainID      string `json:"chainId,omitempty"`
	NativeSymbol string `json:"nativeSymbol"`
	LogoURL      string `json:"logoUrl"`
}

// networks returns the catalog's networks as the UI shows them (built once).
func (h *Handler) networks() []NetworkView {
	h.netOnce.Do(func() {
		for _, n := range h.Catalog.Networks() {
			h.netViews = append(h.netViews, NetworkView{ID: n.ID, Name: n.Name, DisplayName: n.DisplayName, NetworkType: n.NetworkType, ChainID: n.ChainID,
				NativeSymbol: n.NativeSymbol, LogoURL: catalog.LogoURL(h.PublicURL, "network-"+n.Slug+".svg")})
		}
	})
	return h.netViews
}

// ClientInfo is the public face of the client (or sub-client) the session belongs to.
type ClientInfo struct {
	Name string `json:"name"`
	// Origins are the origins the page may post messages to and accept messages from.
	Origins []string `json:"origins"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Redeem serves POST /link/api/sessions: it consumes a link token's code and opens the
// Link session. Exactly one redemption of a code succeeds; the others are told why not.
func (h *Handler) Redeem(w http.ResponseWriter, r *http.Request) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := api.ReadJSONBody(w, r, h.MaxBody, buf); err != nil {
		return err
	}
	var req redeemRequest
	if err := decodeStrict(buf.Bytes(), &req); err != nil {
		return err
	}
	if req.Kind != store.KindLink && req.Kind != store.KindPay {
		return problem.InvalidEnumValue.New("kind: must be link or pay")
	}
	// A disabled client's links do not open, and are not consumed by trying.
	if c, err := h.Auth.Client(r.Context(), strings.ToLower(req.ClientID)); err == nil && !c.Enabled {
		h.Metrics.Redeemed(auth.ErrClientDisabled.ErrorType())
		return auth.ErrClientDisabled
	}
	opened, err := h.Tokens.Redeem(r.Context(), strings.ToLower(req.ClientID), req.Kind, req.Code)
	if err != nil {
		var p *problem.Error
		if errors.As(err, &p) {
			h.Metrics.Redeemed(p.ErrorType())
			if p.Type == problem.LinkTokenAlreadyUsed {
				h.auditReuse(r, strings.ToLower(req.ClientID), req.Kind)
			}
		}
		return err
	}
	h.Metrics.Redeemed("ok")
	info, err := h.sessionInfo(r.Context(), opened.Session, opened.Options)
	if err != nil {
		return err
	}
	info.SessionToken = opened.Credential
	api.OK(w, info)
	return nil
}

// auditReuse writes the audit record of a link token presented a second time: the store
// has revoked the Link session its first redemption opened and that session's access and
// refresh tokens (RFC 6749 §4.1.2), and a reuse may mean the link leaked, so an operator
// should see it without reading metrics (docs/threat-model.md T5). One line per reuse; the
// code itself is a secret and is not logged.
func (h *Handler) auditReuse(r *http.Request, clientID, kind string) {
	var requestID, clientIP string
	if info := api.Info(r.Context()); info != nil {
		requestID, clientIP = info.ID, info.ClientIP
	}
	h.logger().Warn("link token reused: the Link session its first redemption opened, and that session's access and refresh tokens, are revoked",
		"event", "linkTokenReused", "clientId", clientID, "kind", kind, "clientIp", clientIP, "requestId", requestID)
}

func (h *Handler) sessionInfo(ctx context.Context, s store.Session, o linktoken.Options) (*SessionInfo, error) {
	c, err := h.Auth.Client(ctx, s.ClientID)
	if err != nil {
		return nil, err
	}
	info := &SessionInfo{ExpiresAt: s.ExpiresAt, Kind: s.Kind, Options: o, Networks: h.networks(),
		Client: ClientInfo{Name: c.Name, Origins: c.Origins}}
	if info.Client.Origins == nil {
		info.Client.Origins = []string{}
	}
	if s.SubClientID != "" {
		sc, err := h.Store.SubClient(ctx, s.ClientID, s.SubClientID)
		if err != nil {
			return nil, err
		}
		info.Client.Name = sc.Name
	}
	return info, nil
}

// session authenticates a Link UI call by its bearer credential.
func (h *Handler) session(r *http.Request) (store.Session, linktoken.Options, error) {
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		cred = ""
	}
	sess, opts, err := h.Tokens.Session(r.Context(), strings.TrimSpace(cred))
	if err != nil {
		return sess, opts, err
	}
	c, err := h.Auth.Client(r.Context(), sess.ClientID)
	if err != nil {
		return sess, opts, err
	}
	if !c.Enabled {
		return sess, opts, auth.ErrClientDisabled
	}
	return sess, opts, nil
}

// Session serves GET /link/api/session: the session's state, for a page that reloads
// its data (and for tests: a revoked session answers 401).
func (h *Handler) Session(w http.ResponseWriter, r *http.Request) error {
	sess, opts, err := h.session(r)
	if err != nil {
		return err
	}
	info, err := h.sessionInfo(r.Context(), sess, opts)
	if err != nil {
		return err
	}
	api.OK(w, info)
	return nil
}
