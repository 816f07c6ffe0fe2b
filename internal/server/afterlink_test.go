package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// deposit is a transfer made through the Link UI's API, as the browser makes it, and what
// the page was given: the transferFinished payload and the account's tokens.
type deposit struct {
	TransferID, TxHash, TxID  string
	AccessToken, RefreshToken string
	ClientTransactionID       string
	Amount, AmountInFiat      float64
}

// makeDeposit opens a session of client c for a USDC deposit of amountInFiat on Ethereum
// with transaction id txn, connects the sandbox's first account and executes the transfer.
func makeDeposit(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials, txn string, amountInFiat float64) deposit {
	t.Helper()
	r := e.LinkToken(t, c, fmt.Sprintf(`{"userId":"user-9","transferOptions":{"toAddresses":[{"networkId":%q,"symbol":"USDC","address":%q}],
		"amountInFiat":%v,"transactionId":%q,"clientFee":0.01,"transferType":"deposit"}}`, ethereum, ethAddr, amountInFiat, txn))
	var tok struct{ LinkToken string }
	json.Unmarshal(r.Envelope(t).Content, &tok, json.MatchCaseInsensitiveNames(true))
	s := e.Open(t, tok.LinkToken)
	conn := s.ConnectSandbox(t)
	fin := s.Transfer(t, conn, ethereum, "USDC")
	return deposit{TransferID: fin.TransferID, TxHash: fin.TxHash, TxID: fin.TxID, ClientTransactionID: fin.ClientTransactionID,
		Amount: fin.Amount, AmountInFiat: fin.AmountInFiat, AccessToken: conn.AccessToken, RefreshToken: conn.RefreshToken}
}

// transferItem is the part of node-api's TransferModel the tests read.
type transferItem struct {
	ID, ClientTransactionID, InstitutionTransactionID, UserID, Status, Symbol, NetworkID, NetworkName, Hash string
	DestinationAddress, TransferType                                                                        string
	Amount, AmountInFiat, SourceAmount, DestinationAmount                                                   float64
	CreatedTimestamp                                                                                        int64
	ExecutedTimestamp                                                                                       *int64
	From                                                                                                    struct{ ID, Type, Name, LogoURL string }
	ProcessingFee                                                                                           struct{ Fee float64 }
}

// list calls GET /api/v1/transfers/managed/mesh as c with query.
func list(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials, query string) (*linkdtest.Response, []transferItem, int) {
	t.Helper()
	r := e.Do(t, "GET", "/api/v1/transfers/managed/mesh?"+query, nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret)
	var page struct {
		Items []transferItem
		Total int
	}
	if r.StatusCode == 200 {
		if err := json.Unmarshal(r.Envelope(t).Content, &page, json.MatchCaseInsensitiveNames(true)); err != nil {
			t.Fatalf("list: %v\n%s", err, r.Body)
		}
	}
	return r, page.Items, page.Total
}

// TestTransfersAreRecords: a transfer executed in the Link UI is a record the client's
// backend finds by its transaction id, under the transferFinished message's id and hash,
// pending until the settler moves it (the sandbox: after --sandbox-settle-delay;
// succeeded, or failed for an amount ending in .13). Another client sees none of it.
func TestTransfersAreRecords(t *testing.T) {
	e := linkdtest.Start(t)
	ok := makeDeposit(t, e, e.Client, "order-ok", 25)
	bad := makeDeposit(t, e, e.Client, "order-bad", 25.13)
	_, items, total := list(t, e, e.Client, "ClientTransactionId=order-ok")
	if total != 1 || len(items) != 1 {
		t.Fatalf("by ClientTransactionId: %d items, total %d", len(items), total)
	}
	got := items[0]
	if got.ID != ok.TransferID || got.Hash != ok.TxHash || got.InstitutionTransactionID != ok.TxID || got.Status != "pending" ||
		got.ClientTransactionID != "order-ok" || got.UserID != "user-9" || got.Amount != 25 || got.AmountInFiat != 25 ||
		got.Symbol != "USDC" || got.NetworkID != ethereum || got.DestinationAddress != ethAddr || got.TransferType != "deposit" ||
		got.From.Type != "sandbox" || got.From.ID != sandboxID || !strings.HasPrefix(got.From.LogoURL, e.URL) ||
		got.ProcessingFee.Fee != 0.25 || got.ExecutedTimestamp == nil || got.SourceAmount <= got.Amount {
		t.Errorf("transfer %+v\nwant the transferFinished message's (%+v)", got, ok)
	}
	if _, items, total := list(t, e, e.NewClient(t), ""); total != 0 || len(items) != 0 {
		t.Errorf("another client lists %d transfers", total)
	}
	// Nothing is due before the settle delay; then both settle, one way or the other.
	if n, err := e.Server.SettleOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("SettleOnce before the delay = %d, %v", n, err)
	}
	e.Clock.Advance(5 * time.Second)
	if n, err := e.Server.SettleOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("SettleOnce after the delay = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		txn, want string
		d         deposit
	}{{"order-ok", "succeeded", ok}, {"order-bad", "failed", bad}} {
		_, items, _ := list(t, e, e.Client, "ClientTransactionId="+tc.txn)
		if len(items) != 1 || items[0].Status != tc.want || items[0].Hash != tc.d.TxHash {
			t.Errorf("%s after settling: %+v, want %s", tc.txn, items, tc.want)
		}
	}
	if n, _ := e.Server.SettleOnce(context.Background()); n != 0 {
		t.Errorf("settled %d transfers twice", n)
	}
	if _, items, total := list(t, e, e.Client, "Statuses=failed"); total != 1 || items[0].ID != bad.TransferID {
		t.Errorf("Statuses=failed: %d, %+v", total, items)
	}
	_, items, total = list(t, e, e.Client, "")
	if total != 2 || len(items) != 2 || items[0].ID != bad.TransferID {
		t.Errorf("default order: %+v (total %d), want the newest first", items, total)
	}
}

// TestTransferListParameters: every parameter of node-api's v1TransfersManagedMeshList is
// read (any case, lists repeated or as axios sends them), and every bad value is a 400
// naming the parameter.
func TestTransferListParameters(t *testing.T) {
	e := linkdtest.Start(t)
	d := makeDeposit(t, e, e.Client, "order-1", 25)
	other := makeDeposit(t, e, e.Client, "order-2", 10)
	good := []struct {
		name, query string
		want        []string
	}{
		{"none: newest first", "", []string{other.TransferID, d.TransferID}},
		{"Count and Offset", "Count=1&Offset=1", []string{d.TransferID}},
		{"names in any case", "count=1&DESCENDINGORDER=false", []string{d.TransferID}},
		{"Id", "Id=" + strings.ToUpper(d.TransferID), []string{d.TransferID}},
		{"ClientTransactionId", "ClientTransactionId=order-2", []string{other.TransferID}},
		{"UserId", "UserId=user-9&OrderBy=amountInFiat", []string{other.TransferID, d.TransferID}},
		{"Hash", "Hash=" + d.TxHash, []string{d.TransferID}},
		{"IntegrationIds repeated", "IntegrationIds=" + sandboxID + "&IntegrationIds=" + ethereum, []string{other.TransferID, d.TransferID}},
		{"IntegrationIds as axios sends them", "IntegrationIds[]=" + ethereum, nil},
		{"Statuses", "Statuses[0]=pending&Statuses[1]=failed", []string{other.TransferID, d.TransferID}},
		{"FromTimestamp/ToTimestamp", fmt.Sprintf("FromTimestamp=0&ToTimestamp=%d", e.Clock.Now().Add(time.Hour).UnixMilli()), []string{other.TransferID, d.TransferID}},
		{"MinAmountInFiat", "MinAmountInFiat=20", []string{d.TransferID}},
		{"MaxAmountInFiat", "MaxAmountInFiat=10.5", []string{other.TransferID}},
		{"OrderBy ascending by default", "OrderBy=AMOUNTINFIAT", []string{other.TransferID, d.TransferID}},
		{"OrderBy descending", "OrderBy=amountInFiat&DescendingOrder=true", []string{d.TransferID, other.TransferID}},
		{"SubClientId", "SubClientId=0b8f1e4e-5b0c-4b5e-9a47-6d4f3d1f2a10", nil},
		{"IsSandBox is accepted", "IsSandBox=true", []string{other.TransferID, d.TransferID}},
		{"unknown parameters are ignored", "Foo=bar&Count=2", []string{other.TransferID, d.TransferID}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			r, items, _ := list(t, e, e.Client, tc.query)
			if r.StatusCode != 200 {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			var ids []string
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ids %v, want %v", ids, tc.want)
			}
		})
	}
	bad := []struct {
		name, query, errorType, names string
	}{
		{"Count 0", "Count=0", "outOfRange", "Count: must be 1–100"},
		{"Count 101", "Count=101", "outOfRange", "Count"},
		{"Count not a number", "Count=ten", "invalidType", "Count"},
		{"Count twice", "Count=1&count=2", "duplicateField", "Count"},
		{"Offset negative", "Offset=-1", "outOfRange", "Offset"},
		{"Id not a uuid", "Id=42", "invalidUuid", "Id"},
		{"SubClientId not a uuid", "SubClientId=x", "invalidUuid", "SubClientId"},
		{"IntegrationIds not a uuid", "IntegrationIds=" + sandboxID + "&IntegrationIds=coinbase", "invalidUuid", "IntegrationIds[1]"},
		{"too many IntegrationIds", strings.Repeat("IntegrationIds="+sandboxID+"&", 101), "tooManyItems", "IntegrationIds"},
		{"unknown status", "Statuses=done", "invalidEnumValue", "Statuses[0]"},
		{"too many Statuses", strings.Repeat("Statuses=pending&", 6), "tooManyItems", "Statuses"},
		{"FromTimestamp not a number", "FromTimestamp=2024-01-01", "invalidType", "FromTimestamp"},
		{"ToTimestamp negative", "ToTimestamp=-5", "outOfRange", "ToTimestamp"},
		{"From after To", "FromTimestamp=200&ToTimestamp=100", "conflictingFields", "FromTimestamp"},
		{"MinAmountInFiat not a number", "MinAmountInFiat=NaN", "invalidType", "MinAmountInFiat"},
		{"MaxAmountInFiat negative", "MaxAmountInFiat=-1", "outOfRange", "MaxAmountInFiat"},
		{"Min above Max", "MinAmountInFiat=5&MaxAmountInFiat=1", "conflictingFields", "MinAmountInFiat"},
		{"OrderBy unknown", "OrderBy=amount", "invalidEnumValue", "OrderBy"},
		{"DescendingOrder not a boolean", "DescendingOrder=yes", "invalidType", "DescendingOrder"},
		{"IsSandBox not a boolean", "IsSandBox=maybe", "invalidType", "IsSandBox"},
		{"ClientTransactionId too long", "ClientTransactionId=" + strings.Repeat("x", 129), "fieldTooLong", "ClientTransactionId"},
		{"UserId too long", "UserId=" + strings.Repeat("u", 51), "fieldTooLong", "UserId"},
		{"Hash too long", "Hash=" + strings.Repeat("a", 257), "fieldTooLong", "Hash"},
		{"UserId with a control character", "UserId=u%0A1", "invalidCharacters", "UserId"},
		{"Hash not UTF-8", "Hash=%FF", "invalidCharacters", "Hash"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r, _, _ := list(t, e, e.Client, tc.query)
			env := r.Envelope(t)
			if r.StatusCode != 400 || errType(t, r) != tc.errorType || !strings.HasPrefix(env.Message, tc.names) || len(env.ErrorData) == 0 {
				t.Errorf("got %d %s, want 400 %s with a message starting %q", r.StatusCode, r.Body, tc.errorType, tc.names)
			}
		})
	}
	// Every problem is reported at once.
	r, _, _ := list(t, e, e.Client, "Count=0&Statuses=x&OrderBy=y")
	var data struct {
		Errors []struct{ Field, ErrorType string }
	}
	json.Unmarshal(r.Envelope(t).ErrorData, &data, json.MatchCaseInsensitiveNames(true))
	if len(data.Errors) != 3 {
		t.Errorf("errorData %s: want the three problems", r.Envelope(t).ErrorData)
	}
	if r := e.Do(t, "GET", "/api/v1/transfers/managed/mesh", nil); r.StatusCode != 401 {
		t.Errorf("without credentials: %d", r.StatusCode)
	}
}

// accountCall posts body to an account endpoint as client c.
func accountCall(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials, method, path, body string) *linkdtest.Response {
	t.Helper()
	return e.Do(t, method, path, []byte(body), "X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json")
}

func tokenBody(token, typ string) string {
	return fmt.Sprintf(`{"authToken":%q,"type":%q}`, token, typ)
}

// TestHoldings: POST /api/v1/holdings/get answers node-api's HoldingsModel with the
// sandbox account's positions.
func TestHoldings(t *testing.T) {
	e := linkdtest.Start(t)
	d := makeDeposit(t, e, e.Client, "order-h", 25)
	var h struct {
		Status, Type, AccountID, AccountName, InstitutionName string
		CryptocurrencyPositions                               []struct {
			Name, Symbol           string
			Amount                 float64
			MarketValue, LastPrice *float64
		}
		EquityPositions []any
	}
	r := accountCall(t, e, e.Client, "POST", "/api/v1/holdings/get", `{"authToken":"`+d.AccessToken+`","type":"sandbox","includeMarketValue":true}`)
	if r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	json.Unmarshal(r.Envelope(t).Content, &h, json.MatchCaseInsensitiveNames(true))
	if h.Status != "succeeded" || h.Type != "sandbox" || h.AccountID != "sandbox-brokerage-1234" || h.InstitutionName != "Sandbox" ||
		len(h.CryptocurrencyPositions) < 10 || h.EquityPositions == nil {
		t.Fatalf("holdings: %+v", h)
	}
	usdc := h.CryptocurrencyPositions[2]
	if usdc.Symbol != "USDC" || usdc.Name != "USD Coin" || usdc.Amount != 1200 || *usdc.LastPrice != 1 || *usdc.MarketValue != 1200 {
		t.Errorf("USDC position: %+v", usdc)
	}
	r = accountCall(t, e, e.Client, "POST", "/api/v1/holdings/get", tokenBody(d.AccessToken, "sandbox"))
	if !strings.Contains(string(r.Body), `"marketValue":null`) {
		t.Errorf("without includeMarketValue: %s", r.Body)
	}
}

// TestAccountTokens: the access and refresh tokens the Link UI hands out work on the
// account endpoints of the client that received them only; a refresh gives a new access
// token and ends the old one; a disconnect ends them all; and whose token it is comes
// before whether it expired (docs/threat-model.md A1).
func TestAccountTokens(t *testing.T) {
	e := linkdtest.Start(t)
	other := e.NewClient(t)
	d := makeDeposit(t, e, e.Client, "order-t", 25)
	balance := func(c linkdtest.Credentials, token string) *linkdtest.Response {
		return accountCall(t, e, c, "POST", "/api/v1/balance/get", tokenBody(token, "sandbox"))
	}
	refresh := func(c linkdtest.Credentials, token string, rotate bool) *linkdtest.Response {
		return accountCall(t, e, c, "POST", "/api/v1/token/refresh", fmt.Sprintf(`{"type":"sandbox","refreshToken":%q,"createNewRefreshToken":%v}`, token, rotate))
	}
	if r := balance(e.Client, d.AccessToken); r.StatusCode != 200 {
		t.Fatalf("balance: %d %s", r.StatusCode, r.Body)
	}
	var rt struct {
		Status                                         string
		AccessToken, RefreshToken                      string
		ExpiresInSeconds, RefreshTokenExpiresInSeconds int
		Account                                        struct{ MeshAccountID, AccountID string }
		BrokerAccountTokens                            []struct{ AccessToken string }
	}
	r := refresh(e.Client, d.RefreshToken, false)
	if r.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
	}
	json.Unmarshal(r.Envelope(t).Content, &rt, json.MatchCaseInsensitiveNames(true))
	if rt.Status != "succeeded" || !strings.HasPrefix(rt.AccessToken, "lkat_") || rt.RefreshToken != d.RefreshToken ||
		rt.ExpiresInSeconds != 3600 || rt.RefreshTokenExpiresInSeconds < 29*24*3600 || rt.Account.AccountID != "sandbox-brokerage-1234" ||
		len(rt.Account.MeshAccountID) != 36 || len(rt.BrokerAccountTokens) != 1 || rt.BrokerAccountTokens[0].AccessToken != rt.AccessToken {
		t.Fatalf("refresh answer: %+v", rt)
	}
	wantErrType(t, balance(e.Client, d.AccessToken), 401, "authTokenInvalid") // the old access token stopped working
	if r := balance(e.Client, rt.AccessToken); r.StatusCode != 200 {
		t.Fatalf("new access token: %d %s", r.StatusCode, r.Body)
	}
	// Rotation replaces the refresh token.
	r = refresh(e.Client, d.RefreshToken, true)
	var rotated struct{ AccessToken, RefreshToken string }
	json.Unmarshal(r.Envelope(t).Content, &rotated, json.MatchCaseInsensitiveNames(true))
	if r.StatusCode != 200 || !strings.HasPrefix(rotated.RefreshToken, "lkrt_") || rotated.RefreshToken == d.RefreshToken {
		t.Fatalf("rotation: %d %s", r.StatusCode, r.Body)
	}
	wantErrType(t, refresh(e.Client, d.RefreshToken, false), 401, "authTokenInvalid")
	cases := []struct {
		name        string
		r           *linkdtest.Response
		status      int
		errorType   string
		bodyMention string
	}{
		{"refresh: another client's refresh token", refresh(other, rotated.RefreshToken, false), 401, "authTokenInvalid", "refreshToken"},
		{"refresh: an access token", refresh(e.Client, rotated.AccessToken, false), 401, "authTokenInvalid", "refreshToken"},
		{"refresh: wrong type", accountCall(t, e, e.Client, "POST", "/api/v1/token/refresh", `{"type":"coinbase","refreshToken":"`+rotated.RefreshToken+`"}`),
			400, "conflictingFields", "type"},
		{"refresh: no token", accountCall(t, e, e.Client, "POST", "/api/v1/token/refresh", `{"type":"sandbox"}`), 400, "missingField", "refreshToken"},
		{"holdings: another client's token", accountCall(t, e, other, "POST", "/api/v1/holdings/get", tokenBody(rotated.AccessToken, "sandbox")),
			401, "authTokenInvalid", "authToken"},
		{"holdings: a refresh token", accountCall(t, e, e.Client, "POST", "/api/v1/holdings/get", tokenBody(rotated.RefreshToken, "sandbox")),
			401, "authTokenInvalid", "authToken"},
		{"holdings: no type", accountCall(t, e, e.Client, "POST", "/api/v1/holdings/get", `{"authToken":"x"}`), 400, "missingField", "type"},
		{"holdings: not JSON", accountCall(t, e, e.Client, "POST", "/api/v1/holdings/get", `{`), 400, "invalidJson", "authToken"},
		{"delete: another client's token", accountCall(t, e, other, "DELETE", "/api/v1/account", tokenBody(rotated.AccessToken, "sandbox")),
			401, "authTokenInvalid", "authToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErrType(t, tc.r, tc.status, tc.errorType)
			if !strings.Contains(tc.r.Envelope(t).Message, tc.bodyMention) {
				t.Errorf("message %q does not name %s", tc.r.Envelope(t).Message, tc.bodyMention)
			}
		})
	}
	// Expired: the owner is told so; another client is told nothing more than "invalid".
	e.Clock.Advance(2 * time.Hour)
	wantErrType(t, balance(e.Client, rotated.AccessToken), 401, "authTokenExpired")
	wantErrType(t, balance(other, rotated.AccessToken), 401, "authTokenInvalid")
	wantErrType(t, accountCall(t, e, other, "POST", "/api/v1/holdings/get", tokenBody(rotated.AccessToken, "sandbox")), 401, "authTokenInvalid")
	// A refresh after the access token expired; then a disconnect ends the whole grant.
	r = refresh(e.Client, rotated.RefreshToken, false)
	var fresh struct{ AccessToken string }
	json.Unmarshal(r.Envelope(t).Content, &fresh, json.MatchCaseInsensitiveNames(true))
	if r.StatusCode != 200 {
		t.Fatalf("refresh after expiry: %d %s", r.StatusCode, r.Body)
	}
	if r := accountCall(t, e, e.Client, "DELETE", "/api/v1/account", tokenBody(fresh.AccessToken, "sandbox")); r.StatusCode != 200 ||
		string(r.Envelope(t).Content) != "null" {
		t.Fatalf("disconnect: %d %s", r.StatusCode, r.Body)
	}
	wantErrType(t, balance(e.Client, fresh.AccessToken), 401, "authTokenInvalid")
	wantErrType(t, refresh(e.Client, rotated.RefreshToken, false), 401, "authTokenInvalid")
	wantErrType(t, accountCall(t, e, e.Client, "DELETE", "/api/v1/account", tokenBody(fresh.AccessToken, "sandbox")), 401, "authTokenInvalid")
}

// TestReuseRevokesAccountTokens is docs/threat-model.md T5: presenting a link token's code
// a second time revokes the access and refresh tokens its session handed out.
func TestReuseRevokesAccountTokens(t *testing.T) {
	e := linkdtest.Start(t)
	tok := issue(t, e, e.Client, `{"userId":"u-5"}`)
	s := &linkSession{e: e, token: sessionToken(t, redeem(t, e, tok.clientID, "link", tok.code))}
	var conn connView
	s.must(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	var linked struct {
		AccessToken struct {
			AccountTokens []struct{ AccessToken, RefreshToken string }
		}
	}
	s.must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+conn.Accounts[0].AccountID+`"]}`, &linked)
	at := linked.AccessToken.AccountTokens[0]
	if r := accountCall(t, e, e.Client, "POST", "/api/v1/balance/get", tokenBody(at.AccessToken, "sandbox")); r.StatusCode != 200 {
		t.Fatalf("before reuse: %d %s", r.StatusCode, r.Body)
	}
	wantErrType(t, redeem(t, e, tok.clientID, "link", tok.code), 409, "linkTokenAlreadyUsed")
	wantErrType(t, accountCall(t, e, e.Client, "POST", "/api/v1/balance/get", tokenBody(at.AccessToken, "sandbox")), 401, "authTokenInvalid")
	wantErrType(t, accountCall(t, e, e.Client, "POST", "/api/v1/token/refresh", `{"type":"sandbox","refreshToken":"`+at.RefreshToken+`"}`), 401, "authTokenInvalid")
}

// TestTransferListQueryEscaping: values travel URL-encoded, as node-api sends them.
func TestTransferListQueryEscaping(t *testing.T) {
	e := linkdtest.Start(t)
	d := makeDeposit(t, e, e.Client, "order #7 & more", 25)
	_, items, total := list(t, e, e.Client, "ClientTransactionId="+url.QueryEscape("order #7 & more"))
	if total != 1 || items[0].ID != d.TransferID {
		t.Errorf("found %d", total)
	}
}

// TestAccountAndWebhookSecretsNeverAtRestOrInLogs extends docs/threat-model.md T7 and H2
// to what came after Link: the access and refresh tokens the page gets and a webhook's
// signing secret are nowhere in the data directory or the logs, also after a delivery.
func TestAccountAndWebhookSecretsNeverAtRestOrInLogs(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.WebhookAllowPrivate = true })
	got := make(chan string, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Get(webhook.SignatureHeader) }))
	defer rcv.Close()
	keys := &webhook.KeyFile{Path: config.KeyFile(e.Config.SecretKeyFile, e.Config.DataDir), Create: true}
	sealer, err := keys.Sealer()
	if err != nil {
		t.Fatal(err)
	}
	secret := webhook.NewSecret()
	id := uuid.NewString()
	if err := e.Store.CreateWebhook(context.Background(), store.Webhook{ID: id, ClientID: e.Client.ID, URL: rcv.URL,
		SealedSecret: sealer.Seal(id, secret), CreatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	stop := e.Server.StartBackground(context.Background())
	defer stop()
	d := makeDeposit(t, e, e.Client, "order-secret", 25)
	select {
	case sig := <-got:
		if sig == "" {
			t.Fatal("a delivery without a signature")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	stop()
	secrets := map[string]string{"access token": d.AccessToken, "refresh token": d.RefreshToken, "webhook secret": secret,
		"webhook secret without its prefix": strings.TrimPrefix(secret, webhook.SecretPrefix)}
	entries, _ := os.ReadDir(e.Config.DataDir)
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(e.Config.DataDir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for what, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s found in %s", what, en.Name())
			}
		}
	}
	for what, s := range secrets {
		if strings.Contains(e.Logs.String(), s) {
			t.Errorf("%s found in the logs", what)
		}
	}
}
