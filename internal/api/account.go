package api

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Balance serves POST /api/v1/balance/get (Mesh's v1BalanceGetCreate) for accounts
// connected through linkd: it is how a client uses the access token the Link UI handed
// it, and shows that linkd recognises its own tokens (and only the calling client's).
func (h *Handler) Balance(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	var req struct {
		AuthToken string `json:"authToken"`
		Type      string `json:"type"`
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := ReadJSONBody(w, r, h.MaxBody, buf); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), &req, json.MatchCaseInsensitiveNames(true)); err != nil {
		return problem.InvalidJSON.New("request body: expected {\"authToken\": string, \"type\": string}")
	}
	if req.AuthToken == "" {
		return problem.MissingField.New("authToken: required")
	}
	if req.Type == "" {
		return problem.MissingField.New("type: required")
	}
	tok, err := h.Store.AccessToken(r.Context(), linktoken.Hash(req.AuthToken), h.Now())
	switch {
	case err == nil && tok.ClientID == c.ID && tok.Kind == store.TokenAccess:
	case err == nil, errors.Is(err, store.ErrNotFound):
		return problem.AuthTokenInvalid.New("authToken: not an access token of this client")
	case errors.Is(err, store.ErrExpired):
		return problem.AuthTokenExpired.New("authToken: expired")
	case errors.Is(err, store.ErrRevoked):
		return problem.AuthTokenInvalid.New("authToken: revoked")
	default:
		return err
	}
	if req.Type != tok.BrokerType {
		return problem.ConflictingFields.New("type: the token is for %s, not %s", tok.BrokerType, req.Type)
	}
	conn, ok := h.Connectors.Lookup(tok.BrokerType)
	if !ok {
		return problem.IntegrationUnavailable.New("%s cannot be reached from this linkd", tok.BrokerType)
	}
	acct, err := conn.Account(r.Context(), tok.AccountID)
	if err != nil {
		return connector.Problem(err)
	}
	OK(w, map[string]any{
		"balances":                 []map[string]any{{"cash": acct.Cash, "buyingPower": acct.Cash, "cryptocurrencyBuyingPower": acct.Cash, "currencyCode": "USD"}},
		"totalCashUsdValue":        acct.Cash,
		"totalBuyingPowerUsdValue": acct.Cash,
	})
	return nil
}
