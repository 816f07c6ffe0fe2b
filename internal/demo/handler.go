package demo

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/ratelimit"
)

// web holds the demo page: HTML, CSS and a JavaScript module, no build step.
//
//go:embed web
var web embed.FS

var (
	serveAsset = api.Assets(web, "web")
	pageTmpl   = template.Must(template.ParseFS(web, "web/index.html"))
)

// Catalog ids the scenarios use.
const (
	NetworkEthereum    = "e3c7fdd8-b1fc-4e51-85ae-bb276e075611"
	NetworkSolana      = "0291810a-5947-424d-9a59-e88bb33e999d"
	IntegrationSandbox = "b9cc860a-935d-5982-8562-c164e2e7a703"
	// SandboxEVMAddress is the address of the sandbox's EVM wallet, the one "Verify a
	// wallet" asks for.
	SandboxEVMAddress = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
)

// The demo merchant's deposit addresses (valid, but nobody's funds: the sandbox moves
// none).
const (
	depositEthereum = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	depositSolana   = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
)

// userID is the demo's end user (one per demo; the sandbox's accounts are the same for all).
const userID = "demo-user"

// The request bodies a fintech backend would send, one per scenario of the page.
type (
	linkTokenRequest struct {
		UserID              string               `json:"userId"`
		IntegrationID       string               `json:"integrationId,omitzero"`
		TransferOptions     *transferOptions     `json:"transferOptions,omitzero"`
		VerifyWalletOptions *verifyWalletOptions `json:"verifyWalletOptions,omitzero"`
	}
	transferOptions struct {
		ToAddresses   []toAddress `json:"toAddresses"`
		AmountInFiat  float64     `json:"amountInFiat"`
		TransactionID string      `json:"transactionId"`
		TransferType  string      `json:"transferType"`
		Description   string      `json:"description"`
	}
	toAddress struct {
		NetworkID string `json:"networkId"`
		Symbol    string `json:"symbol"`
		Address   string `json:"address"`
	}
	verifyWalletOptions struct {
		VerificationMethods []string `json:"verificationMethods"`
		Message             string   `json:"message"`
		NetworkID           string   `json:"networkId"`
		Addresses           []string `json:"addresses"`
	}
)

// scenarios are the page's scenarios: name → the link-token request it makes.
var scenarios = map[string]func() linkTokenRequest{
	"connect": func() linkTokenRequest { return linkTokenRequest{UserID: userID} },
	"deposit": func() linkTokenRequest {
		return linkTokenRequest{UserID: userID, TransferOptions: &transferOptions{
			ToAddresses: []toAddress{
				{NetworkID: NetworkEthereum, Symbol: "USDC", Address: depositEthereum},
				{NetworkID: NetworkSolana, Symbol: "USDC", Address: depositSolana},
			},
			AmountInFiat: 25, TransactionID: "demo-" + randomHex(8), TransferType: "deposit",
			Description: "Deposit to your Acme Pay balance",
		}}
	},
	"verify": func() linkTokenRequest {
		return linkTokenRequest{UserID: userID, VerifyWalletOptions: &verifyWalletOptions{
			VerificationMethods: []string{"signedMessage"},
			Message:             "I own this wallet and link it to Acme Pay (linkd demo, nonce " + randomHex(8) + ")",
			NetworkID:           NetworkEthereum,
			Addresses:           []string{SandboxEVMAddress},
		}}
	},
	"sandbox": func() linkTokenRequest { return linkTokenRequest{UserID: userID, IntegrationID: IntegrationSandbox} },
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Handler serves the demo page, its assets and its backend endpoint.
type Handler struct {
	Tokens *linktoken.Service
	Auth   *auth.Authenticator
	// Limits is shared with the API, so the demo client's rate limit counts both.
	Limits    *ratelimit.Keyed
	Client    Credentials
	PublicURL string
	MaxBody   int64
	Now       func() time.Time
	// OnIssued, if set, is called for every link token issued (metrics).
	OnIssued func()
}

// basePath is the path prefix of the public URL ("" or "/linkd").
func (h *Handler) basePath() string { return config.BasePath(h.PublicURL) }

// Page serves GET /demo: the host page. It loads only its own script and style (no inline
// script) and frames only linkd itself (the Link UI).
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	origin, _ := originOf(h.PublicURL)
	var buf bytes.Buffer
	err := pageTmpl.Execute(&buf, map[string]any{
		"Base": h.basePath(), "PublicOrigin": origin, "PublicURL": strings.TrimRight(h.PublicURL, "/"), "ClientID": h.Client.ClientID,
	})
	if err != nil {
		api.WriteError(w, r, &api.Bug{Err: err})
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	// The origin only: the Link UI learns who frames it from document.referrer in browsers
	// without location.ancestorOrigins.
	hd.Set("Referrer-Policy", "strict-origin")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// Asset serves GET /demo/assets/{path...}: the page's scripts, styles and images.
func (h *Handler) Asset(w http.ResponseWriter, r *http.Request) error { return serveAsset(w, r) }

// LinkTokenHandler is POST /demo/api/linktoken, refusing browser requests from other
// origins (Go's http.CrossOriginProtection: Sec-Fetch-Site, then Origin against Host).
func (h *Handler) LinkTokenHandler() http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return api.NewProblem(http.StatusForbidden, api.ErrCrossOrigin, "cross-origin request refused")
	}))
	return p.Handler(api.HandlerFunc(h.LinkToken))
}

// linkTokenAnswer is the content of the demo backend's answer: the link token, and the
// request the backend made for it (the page logs it).
type linkTokenAnswer struct {
	LinkToken string           `json:"linkToken"`
	Scenario  string           `json:"scenario"`
	Request   linkTokenRequest `json:"request"`
}

// LinkToken is the demo's "backend": given {"scenario": name}, it asks the link-token
// service (in-process, as POST /api/v1/linktoken would) for a token of the demo client.
func (h *Handler) LinkToken(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Auth.Authenticate(r.Context(), h.Client.ClientID, h.Client.ClientSecret)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		return api.NewProblem(http.StatusUnauthorized, api.ErrInvalidCredentials,
			"the demo client's secret is no longer valid (rotated or revoked); delete %s in the data directory and restart linkd serve --demo", FileName)
	}
	if err != nil {
		return err
	}
	if info := api.Info(r.Context()); info != nil {
		info.ClientID = c.ID
	}
	if c.RateLimit > 0 && h.Limits != nil {
		now := time.Now()
		if h.Now != nil {
			now = h.Now()
		}
		if ok, wait := h.Limits.Allow("client:"+c.ID, c.RateLimit, ratelimit.Burst(c.RateLimit, c.RateBurst), now); !ok {
			return &api.Problem{Code: http.StatusTooManyRequests, Type: api.ErrRateLimited, RetryAfter: wait,
				Message: "rate limit of the demo client exceeded; retry later"}
		}
	}
	var buf bytes.Buffer
	if err := api.ReadJSONBody(w, r, h.MaxBody, &buf); err != nil {
		return err
	}
	var in struct {
		Scenario string `json:"scenario"`
	}
	if err := json.Unmarshal(buf.Bytes(), &in); err != nil {
		return api.NewProblem(http.StatusBadRequest, linktoken.ErrInvalidJSON, `request body: must be {"scenario": name}`)
	}
	mk, ok := scenarios[in.Scenario]
	if !ok {
		return api.NewProblem(http.StatusBadRequest, linktoken.ErrInvalidEnumValue,
			"scenario: must be one of connect, deposit, verify, sandbox; got %q", trim(in.Scenario))
	}
	req := mk()
	body, err := json.Marshal(req, jsontext.EscapeForHTML(false))
	if err != nil {
		return &api.Bug{Err: err}
	}
	issued, err := h.Tokens.Issue(r.Context(), c, body)
	if err != nil {
		return err
	}
	if h.OnIssued != nil {
		h.OnIssued()
	}
	api.OK(w, &linkTokenAnswer{LinkToken: issued.LinkToken, Scenario: in.Scenario, Request: req})
	return nil
}

func trim(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
