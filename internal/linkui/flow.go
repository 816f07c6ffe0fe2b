package linkui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// decodeBody reads and strictly decodes a JSON body.
func (f *Handler) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := api.ReadJSONBody(w, r, f.MaxBody, buf); err != nil {
		return err
	}
	return decodeStrict(buf.Bytes(), v)
}

func (f *Handler) sessionClient(r *http.Request) (store.Session, linktoken.Options, *store.Client, error) {
	sess, opts, err := f.session(r)
	if err != nil {
		return sess, opts, nil, err
	}
	c, err := f.Auth.Client(r.Context(), sess.ClientID)
	if err != nil {
		return sess, opts, nil, err
	}
	return sess, opts, c, nil
}

// connection is the stored state of one connection attempt (a session object).
type connection struct {
	IntegrationID string               `json:"integrationId"`
	Type          string               `json:"type"`
	Name          string               `json:"name"`
	Challenge     *connector.Challenge `json:"challenge,omitempty"`
	Attempts      int                  `json:"attempts"`
	Accounts      []connector.Account  `json:"accounts,omitempty"`
	Selected      []string             `json:"selected,omitempty"`
}

// Connection states.
const (
	connMFA       = "mfa"
	connAccounts  = "accounts"
	connConnected = "connected"
	connFailed    = "failed"
)

// ConnectionView is what the UI learns about a connection attempt.
type ConnectionView struct {
	ConnectionID string              `json:"connectionId"`
	Status       string              `json:"status"` // mfa, accounts, connected
	Challenge    *ChallengeView      `json:"challenge,omitempty"`
	Accounts     []connector.Account `json:"accounts,omitempty"`
}

// ChallengeView is a second-factor prompt (the connector's state stays server-side).
type ChallengeView struct {
	Kind   string `json:"kind"`
	Prompt string `json:"prompt"`
}

type connectRequest struct {
	IntegrationID string `json:"integrationId"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	APIKey        string `json:"apiKey"`
	APISecret     string `json:"apiSecret"`
}

// integrationFor resolves an integration the session may use: visible, in the client's
// jurisdiction, and the one the link token named if it named one.
func (f *Handler) integrationFor(id string, opts linktoken.Options, c *store.Client) (catalog.Integration, error) {
	in, ok := f.Catalog.IntegrationByID(id)
	if !ok || (opts.IntegrationID != "" && in.ID != opts.IntegrationID) {
		return in, &problem.Error{Type: problem.IntegrationNotFound, Status: http.StatusNotFound,
			Message: "integrationId: not an integration of this session"}
	}
	if !in.AvailableIn(c.Jurisdiction) {
		return in, problem.IntegrationUnavailableInJurisdiction.New("integrationId: %s is not available in this jurisdiction", in.Name)
	}
	return in, nil
}

// Connect serves POST /link/api/connections: sign in to an integration.
func (f *Handler) Connect(w http.ResponseWriter, r *http.Request) error {
	sess, opts, c, err := f.sessionClient(r)
	if err != nil {
		return err
	}
	var req connectRequest
	if err := f.decodeBody(w, r, &req); err != nil {
		return err
	}
	in, err := f.integrationFor(strings.ToLower(req.IntegrationID), opts, c)
	if err != nil {
		return err
	}
	conn, ok := f.Connectors.Lookup(in.Type)
	if !ok {
		return problem.IntegrationUnavailable.New("%s cannot be reached from this linkd: it is a self-hosted test bed with the Sandbox integration only", in.Name)
	}
	if (req.APIKey != "" || req.APISecret != "") && (!in.APIKeySupported || opts.DisableAPIKeyGeneration) {
		return problem.InvalidType.New("apiKey: %s does not take API keys in this session", in.Name)
	}
	step, err := conn.Connect(r.Context(), connector.Credentials{Username: req.Username, Password: req.Password, APIKey: req.APIKey, APISecret: req.APISecret})
	if err != nil {
		return connector.Problem(err)
	}
	now := f.Now()
	id := uuid.NewString()
	st := connection{IntegrationID: in.ID, Type: in.Type, Name: in.Name}
	state := f.applyStep(&st, step)
	data, _ := json.Marshal(st)
	if err := f.Store.PutObject(r.Context(), store.SessionObject{SessionHash: sess.Hash, Kind: store.ObjectConnection, ID: id,
		State: state, Data: data, CreatedAt: now, UpdatedAt: now, ExpiresAt: sess.ExpiresAt}); err != nil {
		return err
	}
	api.OK(w, connectionView(id, state, st))
	return nil
}

func (f *Handler) applyStep(st *connection, step connector.Step) string {
	if step.Challenge != nil {
		st.Challenge = step.Challenge
		return connMFA
	}
	st.Challenge, st.Accounts = nil, step.Accounts
	return connAccounts
}

func connectionView(id, state string, st connection) ConnectionView {
	v := ConnectionView{ConnectionID: id, Status: state}
	if state == connMFA && st.Challenge != nil {
		v.Challenge = &ChallengeView{Kind: st.Challenge.Kind, Prompt: st.Challenge.Prompt}
	}
	if state == connAccounts {
		v.Accounts = st.Accounts
	}
	return v
}

// loadConnection reads a connection of the session.
func (f *Handler) loadConnection(ctx context.Context, sess store.Session, id string) (store.SessionObject, connection, error) {
	var st connection
	o, err := f.Store.Object(ctx, sess.Hash, store.ObjectConnection, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, st, problem.ConnectionNotFound.New("connectionId: no such connection in this session")
	}
	if err != nil {
		return o, st, err
	}
	if err := json.Unmarshal(o.Data, &st); err != nil {
		return o, st, &api.Bug{Err: fmt.Errorf("linkui: stored connection: %w", err)}
	}
	return o, st, nil
}

// swap moves a session object from its current state to state with new data; a
// concurrent move is reported as ErrWrongStep.
func (f *Handler) swap(ctx context.Context, o store.SessionObject, state string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return &api.Bug{Err: err}
	}
	from := o.State
	o.State, o.Data, o.UpdatedAt = state, data, f.Now()
	if err := f.Store.SwapObject(ctx, o, from); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return problem.WrongStep.New("this step was already taken")
		}
		return err
	}
	return nil
}

type mfaRequest struct {
	Code string `json:"code"`
}

// maxMFAAttempts bounds second-factor guesses per connection attempt.
const maxMFAAttempts = 5

// MFA serves POST /link/api/connections/{id}/mfa.
func (f *Handler) MFA(w http.ResponseWriter, r *http.Request) error {
	sess, _, err := f.session(r)
	if err != nil {
		return err
	}
	var req mfaRequest
	if err := f.decodeBody(w, r, &req); err != nil {
		return err
	}
	o, st, err := f.loadConnection(r.Context(), sess, r.PathValue("id"))
	if err != nil {
		return err
	}
	if o.State != connMFA || st.Challenge == nil {
		return problem.WrongStep.New("connection: no code is expected now")
	}
	conn, ok := f.Connectors.Lookup(st.Type)
	if !ok {
		return problem.IntegrationUnavailable.New("%s cannot be reached", st.Name)
	}
	step, cerr := conn.Answer(r.Context(), *st.Challenge, req.Code)
	if cerr != nil {
		if !errors.Is(cerr, connector.ErrInvalidCode) {
			return connector.Problem(cerr)
		}
		st.Attempts++
		next := connMFA
		if st.Attempts >= maxMFAAttempts {
			next = connFailed
		}
		if err := f.swap(r.Context(), o, next, st); err != nil {
			return err
		}
		if next == connFailed {
			return problem.TooManyAttempts.New("code: too many wrong codes; start again")
		}
		p := problem.InvalidMFACode.New("code: wrong code (%d of %d attempts left)", maxMFAAttempts-st.Attempts, maxMFAAttempts)
		p.Data = map[string]int{"attemptsLeft": maxMFAAttempts - st.Attempts}
		return p
	}
	state := f.applyStep(&st, step)
	if err := f.swap(r.Context(), o, state, st); err != nil {
		return err
	}
	api.OK(w, connectionView(o.ID, state, st))
	return nil
}

type accountsRequest struct {
	AccountIDs []string `json:"accountIds"`
}

// AccessTokenPayload is the SDK's AccessTokenPayload (utils/types.d.ts), posted in the
// brokerageAccountAccessToken message.
type AccessTokenPayload struct {
	AccountTokens                []AccountToken `json:"accountTokens"`
	BrokerBrandInfo              BrandInfo      `json:"brokerBrandInfo"`
	ExpiresInSeconds             int            `json:"expiresInSeconds"`
	RefreshTokenExpiresInSeconds int            `json:"refreshTokenExpiresInSeconds"`
	BrokerType                   string         `json:"brokerType"`
	BrokerName                   string         `json:"brokerName"`
}

// AccountToken is the SDK's AccountToken.
type AccountToken struct {
	Account      AccountInfo `json:"account"`
	AccessToken  string      `json:"accessToken"`
	RefreshToken string      `json:"refreshToken"`
}

// AccountInfo is the SDK's Account.
type AccountInfo struct {
	AccountID   string  `json:"accountId"`
	AccountName string  `json:"accountName"`
	Fund        float64 `json:"fund"`
	Cash        float64 `json:"cash"`
}

// BrandInfo is the SDK's BrandInfo.
type BrandInfo struct {
	BrokerLogo   string `json:"brokerLogo"`
	LogoLightURL string `json:"logoLightUrl"`
	LogoDarkURL  string `json:"logoDarkUrl"`
	IconLightURL string `json:"iconLightUrl"`
	IconDarkURL  string `json:"iconDarkUrl"`
}

// SelectAccounts serves POST /link/api/connections/{id}/accounts: the user's choice of
// accounts. It mints an access and a refresh token per account (stored hashed, bound to
// the client and user) and returns the SDK's AccessTokenPayload.
func (f *Handler) SelectAccounts(w http.ResponseWriter, r *http.Request) error {
	sess, _, err := f.session(r)
	if err != nil {
		return err
	}
	var req accountsRequest
	if err := f.decodeBody(w, r, &req); err != nil {
		return err
	}
	o, st, err := f.loadConnection(r.Context(), sess, r.PathValue("id"))
	if err != nil {
		return err
	}
	if o.State != connAccounts {
		return problem.WrongStep.New("connection: accounts were already chosen, or are not available yet")
	}
	if len(req.AccountIDs) == 0 {
		return problem.MissingField.New("accountIds: choose at least one account")
	}
	var chosen []connector.Account
	for _, id := range req.AccountIDs {
		i := slices.IndexFunc(st.Accounts, func(a connector.Account) bool { return a.ID == id })
		if i < 0 {
			return problem.InvalidEnumValue.New("accountIds: %q is not an account of this connection", id)
		}
		if !slices.ContainsFunc(chosen, func(a connector.Account) bool { return a.ID == id }) {
			chosen = append(chosen, st.Accounts[i])
		}
	}
	st.Selected = req.AccountIDs
	if err := f.swap(r.Context(), o, connConnected, st); err != nil {
		return err
	}
	now := f.Now()
	in, _ := f.Catalog.IntegrationByID(st.IntegrationID)
	payload := AccessTokenPayload{BrokerType: in.Type, BrokerName: in.Name,
		ExpiresInSeconds: int(f.AccessTTL.Seconds()), RefreshTokenExpiresInSeconds: int(f.RefreshTTL.Seconds()),
		BrokerBrandInfo: f.brand(in), AccountTokens: []AccountToken{}}
	var tokens []store.AccessToken
	for _, a := range chosen {
		access, accessHash := api.NewAccountToken(store.TokenAccess)
		refresh, refreshHash := api.NewAccountToken(store.TokenRefresh)
		// One grant per account: refreshing revokes its older access tokens, disconnecting
		// revokes it all, and a reuse of this session's link code revokes it (T5).
		base := store.AccessToken{ClientID: sess.ClientID, UserID: sess.UserID, IntegrationID: in.ID, BrokerType: in.Type,
			AccountID: a.ID, AccountName: a.Name, GrantID: uuid.NewString(), SessionHash: sess.Hash, CreatedAt: now}
		at, rt := base, base
		at.Hash, at.Kind, at.ExpiresAt = accessHash, store.TokenAccess, now.Add(f.AccessTTL)
		rt.Hash, rt.Kind, rt.ExpiresAt = refreshHash, store.TokenRefresh, now.Add(f.RefreshTTL)
		tokens = append(tokens, at, rt)
		payload.AccountTokens = append(payload.AccountTokens, AccountToken{
			Account:     AccountInfo{AccountID: a.ID, AccountName: a.Name, Fund: a.Fund, Cash: a.Cash},
			AccessToken: access, RefreshToken: refresh})
	}
	if err := f.Store.CreateAccessTokens(r.Context(), tokens...); err != nil {
		return err
	}
	api.OK(w, map[string]any{"accessToken": payload, "accounts": chosen})
	return nil
}

func (f *Handler) brand(in catalog.Integration) BrandInfo {
	svg, _ := f.Catalog.LogoSVG(in.Slug + ".svg")
	return BrandInfo{
		BrokerLogo:   base64.StdEncoding.EncodeToString(svg),
		LogoLightURL: catalog.LogoURL(f.PublicURL, in.Slug+".svg"), LogoDarkURL: catalog.LogoURL(f.PublicURL, in.Slug+"-dark.svg"),
		IconLightURL: catalog.LogoURL(f.PublicURL, in.Slug+".svg"), IconDarkURL: catalog.LogoURL(f.PublicURL, in.Slug+"-dark.svg"),
	}
}
