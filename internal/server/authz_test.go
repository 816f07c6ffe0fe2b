package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
)

// TestObjectAuthorization is the authorization matrix of docs/threat-model.md A1 (OWASP
// API1:2023): for every route that takes the id or token of an object a client owns, the
// owner reaches the object, and another client (and, on the Link UI's API, another session
// of the same client) gets exactly the answer an unknown id gets, so that an answer is no
// oracle of what exists elsewhere. Every route of the table is either in the matrix or in
// noObject with the reason it takes no object: a route added without its row fails here.
func TestObjectAuthorization(t *testing.T) {
	e := linkdtest.Start(t)
	owner, other := e.Client, e.NewClient(t)
	ctx := context.Background()

	// The owner's objects: a sub-client, a deposit (a transfer record and an account's
	// tokens), a wallet verification, a session with a connection whose account is chosen
	// and a transfer preview, and a link token not yet opened.
	sub := store.SubClient{ID: uuid.NewString(), ClientID: owner.ID, Name: "Merchant", CreatedAt: time.Now()}
	if err := e.Store.CreateSubClient(ctx, sub); err != nil {
		t.Fatal(err)
	}
	d := makeDeposit(t, e, owner, "order-authz", 25)
	ver := open(t, e, `{"userId":"u-authz-ver","verifyWalletOptions":{"message":"`+verifyMessage+`","networkType":"evm"}}`)
	var sig struct{ Signature string }
	ver.must(t, "POST", "wallet/sign", walletBody(sandboxID, ethereum, connector.SandboxWalletEVM, "", ""), &sig)
	ver.must(t, "POST", "wallet/verify", walletBody(sandboxID, ethereum, connector.SandboxWalletEVM, sig.Signature, ""), nil)
	// Every session below may transfer, so that the Link UI's transfer routes look for
	// the connection (a session without transferOptions is refused before that).
	transferToken := func(user, txn string) string {
		return `{"userId":"` + user + `","transferOptions":{"toAddresses":[{"networkId":"` + ethereum + `","symbol":"USDC","address":"` + ethAddr + `"}],
		"amountInFiat":10,"transactionId":"` + txn + `","transferType":"deposit"}}`
	}
	own := open(t, e, transferToken("u-authz", "order-authz-2"))
	var conn connView
	own.must(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	acct := conn.Accounts[0].AccountID
	own.must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+acct+`"]}`, nil)
	previewBody := func(connectionID string) string {
		return `{"connectionId":"` + connectionID + `","accountId":"` + acct + `","networkId":"` + ethereum + `","symbol":"USDC"}`
	}
	var preview struct{ PreviewID string }
	own.must(t, "POST", "transfers", previewBody(conn.ConnectionID), &preview)
	unopened := issue(t, e, owner, `{"userId":"u-authz-code"}`)

	// The others: a session of another client, and another session of the owner.
	otherTok := issue(t, e, other, transferToken("u-authz-other", "order-authz-3"))
	r := redeem(t, e, otherTok.clientID, "link", otherTok.code)
	if r.StatusCode != 200 {
		t.Fatalf("redeem: %d %s", r.StatusCode, r.Body)
	}
	otherClientSession := &linkSession{e: e, token: sessionToken(t, r)}
	sameClientSession := open(t, e, transferToken("u-authz-same", "order-authz-4"))

	unknownID := uuid.NewString()
	// unknownToken has the shape of the owner's token, one character changed: no token's.
	unknownToken := func(tok string) string {
		b := []byte(tok)
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	api := func(c linkdtest.Credentials, method, path, body string) *linkdtest.Response {
		if body == "" {
			return e.Do(t, method, path, nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret)
		}
		return accountCall(t, e, c, method, path, body)
	}
	list := func(path string) func(c linkdtest.Credentials, id string) *linkdtest.Response {
		return func(c linkdtest.Credentials, id string) *linkdtest.Response { return api(c, "GET", path+id, "") }
	}
	refreshBody := func(tok string) string {
		return fmt.Sprintf(`{"type":"sandbox","refreshToken":%q,"createNewRefreshToken":false}`, tok)
	}
	// The access token the owner's refresh issues, for the last row (the refresh revokes
	// the deposit's access token).
	var refreshed string

	// Rows of the backend API: call as a client with the object's id or token. The owner
	// is asked last, so that a row that consumes the object (refresh, disconnect) is
	// still checked for the others first.
	type apiRow struct {
		route, by string
		id        func() string // the owner's object
		miss      string        // an id of nothing
		call      func(c linkdtest.Credentials, id string) *linkdtest.Response
		after     func(r *linkdtest.Response)
	}
	apiRows := []apiRow{
		{route: "linktoken", id: func() string { return sub.ID }, miss: unknownID,
			call: func(c linkdtest.Credentials, id string) *linkdtest.Response {
				return api(c, "POST", "/api/v1/linktoken", `{"userId":"u-authz-sub","subClientId":"`+id+`"}`)
			}},
		{route: "balance", id: func() string { return d.AccessToken }, miss: unknownToken(d.AccessToken),
			call: func(c linkdtest.Credentials, id string) *linkdtest.Response {
				return api(c, "POST", "/api/v1/balance/get", tokenBody(id, "sandbox"))
			}},
		{route: "holdings", id: func() string { return d.AccessToken }, miss: unknownToken(d.AccessToken),
			call: func(c linkdtest.Credentials, id string) *linkdtest.Response {
				return api(c, "POST", "/api/v1/holdings/get", tokenBody(id, "sandbox"))
			}},
		{route: "transfers", by: "Id", id: func() string { return d.TransferID }, miss: unknownID, call: list("/api/v1/transfers/managed/mesh?Id=")},
		{route: "transfers", by: "ClientTransactionId", id: func() string { return d.ClientTransactionID }, miss: "order-nobody", call: list("/api/v1/transfers/managed/mesh?ClientTransactionId=")},
		{route: "transfers", by: "Hash", id: func() string { return d.TxHash }, miss: unknownToken(d.TxHash), call: list("/api/v1/transfers/managed/mesh?Hash=")},
		{route: "wallets_verify", id: func() string { return "u-authz-ver" }, miss: "u-nobody", call: list("/api/v1/wallets/verify?UserId=")},
		{route: "token_refresh", id: func() string { return d.RefreshToken }, miss: unknownToken(d.RefreshToken),
			call: func(c linkdtest.Credentials, id string) *linkdtest.Response {
				return api(c, "POST", "/api/v1/token/refresh", refreshBody(id))
			},
			after: func(r *linkdtest.Response) {
				var out struct{ AccessToken string }
				if err := json.Unmarshal(r.Envelope(t).Content, &out, json.MatchCaseInsensitiveNames(true)); err != nil || out.AccessToken == "" {
					t.Fatalf("refresh: %v %s", err, r.Body)
				}
				refreshed = out.AccessToken
			}},
		{route: "account_delete", id: func() string { return refreshed }, miss: unknownToken(d.AccessToken),
			call: func(c linkdtest.Credentials, id string) *linkdtest.Response {
				return api(c, "DELETE", "/api/v1/account", tokenBody(id, "sandbox"))
			}},
	}
	covered := map[string]bool{}
	for _, row := range apiRows {
		covered[row.route] = true
		t.Run(strings.TrimSpace(row.route+" "+row.by), func(t *testing.T) {
			id := row.id()
			miss := row.call(other, row.miss)
			if got := row.call(other, id); !sameAnswer(t, got, miss) {
				t.Errorf("another client with the owner's %s: %d %s; want what an unknown one gets: %d %s", row.route, got.StatusCode, got.Body, miss.StatusCode, miss.Body)
			}
			got := row.call(owner, id)
			if got.StatusCode != 200 || sameAnswer(t, got, row.call(owner, row.miss)) {
				t.Errorf("the owner: %d %s; want 200 with the object", got.StatusCode, got.Body)
			}
			if row.after != nil {
				row.after(got)
			}
		})
	}

	// A code presented on another client's page is unknown there, and not consumed.
	covered["link_redeem"] = true
	t.Run("link_redeem", func(t *testing.T) {
		miss := redeem(t, e, other.ID, "link", unknownToken(unopened.code))
		if got := redeem(t, e, other.ID, "link", unopened.code); !sameAnswer(t, got, miss) {
			t.Errorf("the owner's code on another client's page: %d %s; want what an unknown code gets: %d %s", got.StatusCode, got.Body, miss.StatusCode, miss.Body)
		}
		if got := redeem(t, e, owner.ID, "link", unopened.code); got.StatusCode != 200 {
			t.Errorf("the owner's page: %d %s; want 200", got.StatusCode, got.Body)
		}
	})

	// Rows of the Link UI's API: call as a session with the object's id. The owner's
	// session reaches its object (its answer is not the unknown one: 200, or 409 wrongStep
	// for a step already done); every other session gets the unknown answer.
	type linkRow struct {
		route string
		call  func(s *linkSession, id string) *linkdtest.Response
		id    string
		want  int // the owner's status
	}
	linkRows := []linkRow{
		{route: "link_mfa", id: conn.ConnectionID, want: 409, call: func(s *linkSession, id string) *linkdtest.Response {
			return s.call(t, "POST", "connections/"+id+"/mfa", `{"code":"123456"}`, nil)
		}},
		{route: "link_accounts", id: conn.ConnectionID, want: 409, call: func(s *linkSession, id string) *linkdtest.Response {
			return s.call(t, "POST", "connections/"+id+"/accounts", `{"accountIds":["`+acct+`"]}`, nil)
		}},
		{route: "link_transfer_options", id: conn.ConnectionID, want: 200, call: func(s *linkSession, id string) *linkdtest.Response {
			return s.call(t, "GET", "transfers/options?connectionId="+id+"&accountId="+acct, "", nil)
		}},
		{route: "link_transfer_preview", id: conn.ConnectionID, want: 200, call: func(s *linkSession, id string) *linkdtest.Response {
			return s.call(t, "POST", "transfers", previewBody(id), nil)
		}},
		{route: "link_transfer_execute", id: preview.PreviewID, want: 200, call: func(s *linkSession, id string) *linkdtest.Response {
			return s.call(t, "POST", "transfers/"+id+"/execute", "", nil)
		}},
	}
	for _, row := range linkRows {
		covered[row.route] = true
		t.Run(row.route, func(t *testing.T) {
			for _, s := range []struct {
				name string
				s    *linkSession
			}{{"another client's session", otherClientSession}, {"another session of the owner", sameClientSession}} {
				miss := row.call(s.s, uuid.NewString())
				if got := row.call(s.s, row.id); !sameAnswer(t, got, miss) {
					t.Errorf("%s with the owner's id: %d %s; want what an unknown id gets: %d %s", s.name, got.StatusCode, got.Body, miss.StatusCode, miss.Body)
				}
			}
			if got := row.call(own, row.id); got.StatusCode != row.want {
				t.Errorf("the owner's session: %d %s; want %d", got.StatusCode, got.Body, row.want)
			}
		})
	}

	// noObject are the routes that take no object of a client, and why.
	noObject := map[string]string{
		"integrations":        "the catalog, the same for every client",
		"networks":            "the catalog, the same for every client",
		"link_page":           "a public page: the client id is in every link token, the page holds no object",
		"pay_page":            "a public page, as link_page",
		"link_asset":          "public static files",
		"logo":                "public static files",
		"sdk_script":          "public static files",
		"sdk_types":           "public static files",
		"sdk_comlink":         "public static files",
		"openapi":             "the public OpenAPI document",
		"healthz":             "operations: no object",
		"readyz":              "operations: no object",
		"metrics":             "operations: no object (aggregates only)",
		"link_session":        "the session credential is the object: another one is another session, an unknown one 401 sessionInvalid (TestRedeemOutcomes)",
		"link_integrations":   "the catalog, as the session's link token narrows it",
		"link_connect":        "takes a catalog id and the user's credentials: it creates the connection, reaching none",
		"link_wallet_sign":    "takes catalog ids and an address; the session's own link token says what to sign",
		"link_wallet_verify":  "takes catalog ids, an address and a signature; the verification it stores is the session's own",
		"link_wallet_connect": "takes catalog ids and an address; the connection it stores is the session's own",
	}
	for _, rt := range e.Server.Routes() {
		if _, ok := noObject[rt.Name]; !covered[rt.Name] && !ok {
			t.Errorf("route %s %s (%s) is not in the authorization matrix: add its row, or its reason to noObject", rt.Method, rt.Pattern, rt.Name)
		}
		if _, ok := noObject[rt.Name]; covered[rt.Name] && ok {
			t.Errorf("route %s is both in the matrix and in noObject", rt.Name)
		}
	}
}

// sameAnswer reports whether two answers say the same thing: status, errorType, and for a
// 200 the content.
func sameAnswer(t *testing.T, a, b *linkdtest.Response) bool {
	t.Helper()
	if a.StatusCode != b.StatusCode {
		return false
	}
	ea, eb := a.Envelope(t), b.Envelope(t)
	if (ea.ErrorType == nil) != (eb.ErrorType == nil) || (ea.ErrorType != nil && *ea.ErrorType != *eb.ErrorType) {
		return false
	}
	return a.StatusCode != 200 || bytes.Equal(ea.Content, eb.Content)
}
