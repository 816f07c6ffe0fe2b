package demo

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/webhook"
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
		NetworkID           string   `json:"networkId,omitempty"`
		Addresses           []string `json:"addresses,omitempty"`
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
	// A deposit the sandbox fails: an amount ending in .13 settles as failed.
	"deposit-fail": func() linkTokenRequest {
		return linkTokenRequest{UserID: userID, TransferOptions: &transferOptions{
			ToAddresses:  []toAddress{{NetworkID: NetworkEthereum, Symbol: "USDC", Address: depositEthereum}},
			AmountInFiat: 10.13, TransactionID: "demo-" + randomHex(8), TransferType: "deposit",
			Description: "A deposit the sandbox fails (amounts ending in .13)",
		}}
	},
	// verify names no address or network: the wallet the user has (MetaMask, Phantom, …,
	// through the SDK's wallet bridge) or else the sandbox wallet signs, on an EVM network
	// or Solana, and linkd verifies the signature.
	"verify": func() linkTokenRequest {
		return linkTokenRequest{UserID: userID, VerifyWalletOptions: &verifyWalletOptions{
			VerificationMethods: []string{"signedMessage"},
			Message:             "I own this wallet and link it to Acme Pay (linkd demo, nonce " + randomHex(8) + ")",
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
	// API issues the demo's tokens as it issues every client's: the same authentication,
	// failed-authentication and rate limits, --max-active-tokens and metrics.
	API       *api.Handler
	Client    Credentials
	PublicURL string
	MaxBody   int64

	received deliveries
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

// linkTokenAnswer is the content of the demo backend's answer: the link token, and the
// request the backend made for it (the page logs it).
type linkTokenAnswer struct {
	LinkToken string           `json:"linkToken"`
	Scenario  string           `json:"scenario"`
	Request   linkTokenRequest `json:"request"`
}

// LinkToken serves POST /demo/api/linktoken, the demo's "backend": given {"scenario":
// name}, it issues a token of the demo client in-process, through the same code as
// POST /api/v1/linktoken, and answers with the request it made. (The route wraps it in
// api.SameOrigin: only the demo page may call it.)
func (h *Handler) LinkToken(w http.ResponseWriter, r *http.Request) error {
	c, err := h.API.AuthenticateWith(r, h.Client.ClientID, h.Client.ClientSecret)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		return problem.InvalidCredentials.New(
			"the demo client's secret is no longer valid (rotated or revoked); delete %s in the data directory and restart linkd serve --demo", FileName)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := api.ReadJSONBody(w, r, h.MaxBody, &buf); err != nil {
		return err
	}
	var in struct {
		Scenario string `json:"scenario"`
	}
	if err := json.Unmarshal(buf.Bytes(), &in); err != nil {
		return problem.InvalidJSON.New(`request body: must be {"scenario": name}`)
	}
	mk, ok := scenarios[in.Scenario]
	if !ok {
		return problem.InvalidEnumValue.New("scenario: must be one of connect, deposit, deposit-fail, verify, sandbox; got %q", trim(in.Scenario))
	}
	req := mk()
	body, err := json.Marshal(req, jsontext.EscapeForHTML(false))
	if err != nil {
		return &api.Bug{Err: err}
	}
	issued, err := h.API.IssueLinkToken(r.Context(), c, body)
	if err != nil {
		return err
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

// maxDeliveries is how many webhook deliveries the demo keeps (in memory) for its page.
const maxDeliveries = 50

// Delivery is a webhook delivery the demo's receiver got, as the page shows it.
type Delivery struct {
	// Seq numbers the deliveries of this process, from 1 (the page asks for those after
	// the last it has).
	Seq        int64     `json:"seq"`
	ReceivedAt time.Time `json:"receivedAt"`
	// SignatureOK is the check a receiver makes: X-Mesh-Signature-256 is the HMAC-SHA256
	// of the body's exact bytes with the webhook's secret.
	SignatureOK bool           `json:"signatureOk"`
	Event       jsontext.Value `json:"event"`
}

// deliveries is the demo receiver's memory: the last maxDeliveries, oldest first.
type deliveries struct {
	mu   sync.Mutex
	seq  int64
	list []Delivery
}

func (d *deliveries) add(ok bool, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	ev := jsontext.Value(body)
	if !ev.IsValid() {
		ev, _ = json.Marshal(string(body))
	}
	d.list = append(d.list, Delivery{Seq: d.seq, ReceivedAt: time.Now().UTC(), SignatureOK: ok, Event: ev})
	if len(d.list) > maxDeliveries {
		d.list = slices.Delete(d.list, 0, len(d.list)-maxDeliveries)
	}
}

func (d *deliveries) after(seq int64) []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []Delivery{}
	for _, x := range d.list {
		if x.Seq > seq {
			out = append(out, x)
		}
	}
	return out
}

// Webhook serves POST /demo/api/webhook: the demo backend's webhook receiver, written as
// an integrator writes one from Mesh's documentation. It checks the signature over the
// exact bytes received, keeps the delivery for the page (signature ok or bad) and answers
// 200 at once, as a receiver should: the work happens after. It is called by linkd's
// webhook sender, server to server; anyone who can reach it could post to it too, which
// the signature check exposes.
func (h *Handler) Webhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxBody))
	if err != nil {
		return problem.RequestTooLarge.New("request body: larger than the %d-byte limit", h.MaxBody)
	}
	ok := h.Client.WebhookSecret != "" && webhook.Verify(h.Client.WebhookSecret, body, r.Header.Get(webhook.SignatureHeader))
	h.received.add(ok, body)
	api.OK(w, map[string]bool{"received": true, "signatureOk": ok})
	return nil
}

// Webhooks serves GET /demo/api/webhooks?after=SEQ: the deliveries the receiver got after
// SEQ, for the page to show next to the SDK's callbacks.
func (h *Handler) Webhooks(w http.ResponseWriter, r *http.Request) error {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	api.OK(w, map[string]any{"deliveries": h.received.after(after), "webhookId": h.Client.WebhookID})
	return nil
}
