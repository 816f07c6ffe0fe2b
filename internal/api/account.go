package api

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Token prefixes: an access token and a refresh token of a connected account are told
// apart by their form as well as by their stored kind (docs/threat-model.md S3).
const (
	AccessTokenPrefix  = "lkat_"
	RefreshTokenPrefix = "lkrt_"
)

// NewAccountToken returns a new access or refresh token (kind store.TokenAccess or
// store.TokenRefresh) and the hash it is stored under: the prefix and 256 random bits.
func NewAccountToken(kind string) (text string, hash []byte) {
	secret, _ := linktoken.NewSecret()
	text = AccessTokenPrefix + secret
	if kind == store.TokenRefresh {
		text = RefreshTokenPrefix + secret
	}
	return text, linktoken.Hash(text) // the stored hash covers the prefix
}

// accountRequest is node-api's BrokerBaseRequest (and PortfolioHoldingsRequest, which
// adds includeMarketValue).
type accountRequest struct {
	AuthToken          string `json:"authToken"`
	Type               string `json:"type"`
	IncludeMarketValue bool   `json:"includeMarketValue"`
}

// readAccountRequest reads a JSON body into v, names matched case-insensitively as in
// POST /api/v1/linktoken.
func (h *Handler) readAccountRequest(w http.ResponseWriter, r *http.Request, v any, shape string) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := ReadJSONBody(w, r, h.MaxBody, buf); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), v, json.MatchCaseInsensitiveNames(true)); err != nil {
		return problem.InvalidJSON.New("request body: expected %s", shape)
	}
	return nil
}

// accountToken authenticates the caller and resolves an access token it presents for an
// account of integration type typ. Whose token it is comes first: another client's token,
// expired or revoked or not, is answered exactly like an unknown one (OWASP API1:2023,
// docs/threat-model.md A1); only then is the caller told that its own token expired.
func (h *Handler) accountToken(w http.ResponseWriter, r *http.Request, req *accountRequest) (*store.Client, store.AccessToken, error) {
	c, err := h.authenticate(r)
	if err != nil {
		return nil, store.AccessToken{}, err
	}
	if err := h.readAccountRequest(w, r, req, `{"authToken": string, "type": string}`); err != nil {
		return nil, store.AccessToken{}, err
	}
	switch {
	case req.AuthToken == "":
		return nil, store.AccessToken{}, problem.MissingField.New("authToken: required")
	case req.Type == "":
		return nil, store.AccessToken{}, problem.MissingField.New("type: required")
	}
	tok, err := h.Store.AccessToken(r.Context(), linktoken.Hash(req.AuthToken), h.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, tok, problem.AuthTokenInvalid.New("authToken: not an access token of this client")
	case err != nil && !errors.Is(err, store.ErrExpired) && !errors.Is(err, store.ErrRevoked):
		return nil, tok, err
	case tok.ClientID != c.ID || tok.Kind != store.TokenAccess:
		return nil, tok, problem.AuthTokenInvalid.New("authToken: not an access token of this client")
	case errors.Is(err, store.ErrRevoked):
		return nil, tok, problem.AuthTokenInvalid.New("authToken: revoked (refreshed, disconnected, or its link token was reused)")
	case errors.Is(err, store.ErrExpired):
		return nil, tok, problem.AuthTokenExpired.New("authToken: expired; get a new one with POST /api/v1/token/refresh")
	case req.Type != tok.BrokerType:
		return nil, tok, problem.ConflictingFields.New("type: the token is for %s, not %s", tok.BrokerType, req.Type)
	}
	return c, tok, nil
}

// account is the connected account a token stands for, from its institution.
func (h *Handler) account(ctx context.Context, tok store.AccessToken) (connector.Account, error) {
	conn, ok := h.Connectors.Lookup(tok.BrokerType)
	if !ok {
		return connector.Account{}, problem.IntegrationUnavailable.New("%s cannot be reached from this linkd", tok.BrokerType)
	}
	acct, err := conn.Account(ctx, tok.AccountID)
	if err != nil {
		return connector.Account{}, connector.Problem(err)
	}
	return acct, nil
}

// connectedAccount resolves the access token a request presents (accountToken) and reads
// the account it stands for.
func (h *Handler) connectedAccount(w http.ResponseWriter, r *http.Request, req *accountRequest) (store.AccessToken, connector.Account, error) {
	_, tok, err := h.accountToken(w, r, req)
	if err != nil {
		return tok, connector.Account{}, err
	}
	acct, err := h.account(r.Context(), tok)
	return tok, acct, err
}

// Balance serves POST /api/v1/balance/get (Mesh's v1BalanceGetCreate) for accounts
// connected through linkd: it is how a client uses the access token the Link UI handed
// it, and shows that linkd recognises its own tokens (and only the calling client's).
func (h *Handler) Balance(w http.ResponseWriter, r *http.Request) error {
	var req accountRequest
	_, acct, err := h.connectedAccount(w, r, &req)
	if err != nil {
		return err
	}
	OK(w, map[string]any{
		"balances":                 []map[string]any{{"cash": acct.Cash, "buyingPower": acct.Cash, "cryptocurrencyBuyingPower": acct.Cash, "currencyCode": "USD"}},
		"totalCashUsdValue":        acct.Cash,
		"totalBuyingPowerUsdValue": acct.Cash,
	})
	return nil
}

// position is node-api's PositionWithMarketValue.
type position struct {
	Name         string    `json:"name"`
	Symbol       string    `json:"symbol"`
	Amount       float64   `json:"amount"`
	CostBasis    *float64  `json:"costBasis"`
	Distribution *struct{} `json:"distribution"`
	MarketValue  *float64  `json:"marketValue"`
	LastPrice    *float64  `json:"lastPrice"`
}

// holdingsModel is node-api's HoldingsModel.
type holdingsModel struct {
	Status                              string     `json:"status"`
	ErrorMessage                        *string    `json:"errorMessage"`
	DisplayMessage                      *string    `json:"displayMessage"`
	NotSupportedEquityPositions         []position `json:"notSupportedEquityPositions"`
	NotSupportedCryptocurrencyPositions []position `json:"notSupportedCryptocurrencyPositions"`
	NftPositions                        []struct{} `json:"nftPositions"`
	OptionPositions                     []struct{} `json:"optionPositions"`
	Type                                string     `json:"type"`
	AccountID                           string     `json:"accountId"`
	InstitutionName                     string     `json:"institutionName"`
	AccountName                         string     `json:"accountName"`
	EquityPositions                     []position `json:"equityPositions"`
	CryptocurrencyPositions             []position `json:"cryptocurrencyPositions"`
}

// Holdings serves POST /api/v1/holdings/get (node-api's v1HoldingsGetCreate): the
// positions of the account an access token stands for (the sandbox's crypto holdings).
// With includeMarketValue, each position has its price and value in USD (the sandbox's
// fixed prices); without, they are null.
func (h *Handler) Holdings(w http.ResponseWriter, r *http.Request) error {
	var req accountRequest
	tok, acct, err := h.connectedAccount(w, r, &req)
	if err != nil {
		return err
	}
	out := holdingsModel{Status: "succeeded", NotSupportedEquityPositions: []position{}, NotSupportedCryptocurrencyPositions: []position{},
		NftPositions: []struct{}{}, OptionPositions: []struct{}{}, Type: tok.BrokerType, AccountID: acct.ID,
		AccountName: acct.Name, EquityPositions: []position{}, CryptocurrencyPositions: []position{}}
	if in, ok := h.catalog.IntegrationByType(tok.BrokerType); ok {
		out.InstitutionName = in.Name
	}
	for _, hd := range acct.Holdings {
		p := position{Name: h.catalog.TokenName(hd.Symbol), Symbol: hd.Symbol, Amount: hd.Amount}
		if req.IncludeMarketValue {
			price, value := hd.PriceUSD, math.Round(hd.Amount*hd.PriceUSD*100)/100
			p.LastPrice, p.MarketValue = &price, &value
		}
		out.CryptocurrencyPositions = append(out.CryptocurrencyPositions, p)
	}
	OK(w, &out)
	return nil
}

// refreshRequest is node-api's BrokerRefreshTokenRequest (the members linkd reads).
type refreshRequest struct {
	Type                  string `json:"type"`
	RefreshToken          string `json:"refreshToken"`
	CreateNewRefreshToken *bool  `json:"createNewRefreshToken"`
}

// brokerAccount is node-api's BrokerAccount.
type brokerAccount struct {
	MeshAccountID  string    `json:"meshAccountId"`
	FrontAccountID string    `json:"frontAccountId"`
	AccountID      string    `json:"accountId"`
	AccountName    string    `json:"accountName"`
	Fund           float64   `json:"fund"`
	Cash           float64   `json:"cash"`
	IsReconnected  *bool     `json:"isReconnected"`
	Balances       *struct{} `json:"balances"`
}

// brokerAccountTokens is node-api's BrokerAccountTokens.
type brokerAccountTokens struct {
	Account      brokerAccount `json:"account"`
	AccessToken  string        `json:"accessToken"`
	RefreshToken string        `json:"refreshToken"`
	TokenID      *string       `json:"tokenId"`
}

// refreshResponse is node-api's B2BBrokerRefreshTokenResponse.
type refreshResponse struct {
	Status                       string                `json:"status"`
	ErrorMessage                 *string               `json:"errorMessage"`
	Account                      brokerAccount         `json:"account"`
	AccessToken                  string                `json:"accessToken"`
	RefreshToken                 string                `json:"refreshToken"`
	ExpiresInSeconds             int                   `json:"expiresInSeconds"`
	RefreshTokenExpiresInSeconds int                   `json:"refreshTokenExpiresInSeconds"`
	BrokerAccountTokens          []brokerAccountTokens `json:"brokerAccountTokens"`
}

// accountNamespace derives the stable meshAccountId of an account (a uuid v5 of the
// client, integration type and account id: the same account always has the same id for a
// client, and different clients cannot correlate theirs).
var accountNamespace = uuid.MustParse("1d7b2f55-8d7c-4a3e-9e1e-6b8f0c6a2d41")

// RefreshToken serves POST /api/v1/token/refresh (node-api's v1TokenRefreshCreate): a
// refresh token of the calling client gives a new access token for the same account, and
// the grant's previous access tokens stop working at once (one transaction). With
// createNewRefreshToken, the refresh token is replaced too (rotation, RFC 9700 §4.14.2);
// otherwise the same refresh token is returned and stays valid until it expires.
func (h *Handler) RefreshToken(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	var req refreshRequest
	if err := h.readAccountRequest(w, r, &req, `{"type": string, "refreshToken": string}`); err != nil {
		return err
	}
	switch {
	case req.RefreshToken == "":
		return problem.MissingField.New("refreshToken: required")
	case req.Type == "":
		return problem.MissingField.New("type: required")
	}
	now := h.Now()
	access, accessHash := NewAccountToken(store.TokenAccess)
	rr := store.RefreshRequest{ClientID: c.ID, RefreshHash: linktoken.Hash(req.RefreshToken), Now: now,
		Access: store.AccessToken{Hash: accessHash, CreatedAt: now, ExpiresAt: now.Add(h.AccessTTL)}}
	refresh := req.RefreshToken
	if req.CreateNewRefreshToken != nil && *req.CreateNewRefreshToken {
		var refreshHash []byte
		refresh, refreshHash = NewAccountToken(store.TokenRefresh)
		rr.Refresh = &store.AccessToken{Hash: refreshHash, CreatedAt: now, ExpiresAt: now.Add(h.RefreshTTL)}
	}
	// The type must match before anything changes (a read first; another client's token,
	// and one that cannot be used, are left to RefreshAccessToken to report).
	if tok, err := h.Store.AccessToken(r.Context(), rr.RefreshHash, now); err == nil && tok.ClientID == c.ID &&
		tok.Kind == store.TokenRefresh && req.Type != tok.BrokerType {
		return problem.ConflictingFields.New("type: the refresh token is for %s, not %s", tok.BrokerType, req.Type)
	}
	old, err := h.Store.RefreshAccessToken(r.Context(), rr)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem.AuthTokenInvalid.New("refreshToken: not a refresh token of this client")
	case errors.Is(err, store.ErrRevoked):
		return problem.AuthTokenInvalid.New("refreshToken: revoked (rotated, disconnected, or its link token was reused)")
	case errors.Is(err, store.ErrExpired):
		return problem.AuthTokenExpired.New("refreshToken: expired; the user must connect the account again")
	case err != nil:
		return err
	}
	refreshExpires := old.ExpiresAt
	if rr.Refresh != nil {
		refreshExpires = rr.Refresh.ExpiresAt
	}
	acct, err := h.account(r.Context(), old)
	if err != nil {
		return err
	}
	ba := brokerAccount{AccountID: acct.ID, AccountName: acct.Name, Fund: acct.Fund, Cash: acct.Cash}
	ba.MeshAccountID = uuid.NewSHA1(accountNamespace, []byte(c.ID+"\x00"+old.BrokerType+"\x00"+old.AccountID)).String()
	ba.FrontAccountID = ba.MeshAccountID
	OK(w, &refreshResponse{Status: "succeeded", Account: ba, AccessToken: access, RefreshToken: refresh,
		ExpiresInSeconds: int(h.AccessTTL / time.Second), RefreshTokenExpiresInSeconds: int(refreshExpires.Sub(now) / time.Second),
		BrokerAccountTokens: []brokerAccountTokens{{Account: ba, AccessToken: access, RefreshToken: refresh}}})
	return nil
}

// Disconnect serves DELETE /api/v1/account (node-api's v1AccountDelete): the account an
// access token stands for is disconnected, and every token of its grant (the access
// tokens and the refresh token) stops working.
func (h *Handler) Disconnect(w http.ResponseWriter, r *http.Request) error {
	var req accountRequest
	c, tok, err := h.accountToken(w, r, &req)
	if err != nil {
		return err
	}
	if _, err := h.Store.RevokeGrant(r.Context(), c.ID, tok.GrantID, h.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	OK(w, nil)
	return nil
}
