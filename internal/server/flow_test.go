package server_test

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/linkdtest"
)

const (
	sandboxID = "b9cc860a-935d-5982-8562-c164e2e7a703"
	solana    = "0291810a-5947-424d-9a59-e88bb33e999d"
	solAddr   = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
)

// linkSession is a redeemed Link session seen from the Link UI's script.
type linkSession struct {
	e     *linkdtest.Env
	token string
}

func open(t *testing.T, e *linkdtest.Env, body string) *linkSession {
	t.Helper()
	tok := issue(t, e, e.Client, body)
	r := redeem(t, e, tok.clientID, "link", tok.code)
	if r.StatusCode != 200 {
		t.Fatalf("redeem: %d %s", r.StatusCode, r.Body)
	}
	return &linkSession{e: e, token: sessionToken(t, r)}
}

// call sends a Link UI API call and decodes the content into out (if not nil).
func (s *linkSession) call(t *testing.T, method, path, body string, out any) *linkdtest.Response {
	t.Helper()
	var b []byte
	h := []string{"Authorization", "Bearer " + s.token}
	if body != "" {
		b = []byte(body)
		h = append(h, "Content-Type", "application/json")
	}
	r := s.e.Do(t, method, "/link/api/"+path, b, h...)
	if out != nil && r.StatusCode == 200 {
		if err := json.Unmarshal(r.Envelope(t).Content, out, json.MatchCaseInsensitiveNames(true)); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, r.Body)
		}
	}
	return r
}

func (s *linkSession) must(t *testing.T, method, path, body string, out any) {
	t.Helper()
	if r := s.call(t, method, path, body, out); r.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, path, r.StatusCode, r.Body)
	}
}

func wantErrType(t *testing.T, r *linkdtest.Response, status int, typ string) {
	t.Helper()
	if r.StatusCode != status || errType(t, r) != typ {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.Body, status, typ)
	}
}

type connView struct {
	ConnectionID string
	Status       string
	Challenge    *struct{ Kind, Prompt string }
	Accounts     []struct {
		AccountID, AccountName string
		Fund, Cash             float64
	}
}

// TestSandboxConnect walks the sandbox's documented test credentials through the API the
// Link UI uses.
func TestSandboxConnect(t *testing.T) {
	e := linkdtest.Start(t)
	s := open(t, e, `{"userId":"u-1"}`)
	var list struct {
		Items []struct {
			ID, Type        string
			Available       bool
			APIKey          bool
			WalletAddresses map[string]string
		}
	}
	s.must(t, "GET", "integrations", "", &list)
	if w := list.Items[0].WalletAddresses; w["evm"] != "0x6024f2FB01B6389f6C4853cF46AE6626Ac914b82" || w["solana"] != "4ih5JnxCU299KVHtsBzqokprzgrAwXKW6xoJnfKpASnj" || len(w) != 2 {
		t.Errorf("sandbox wallet addresses: %v", w)
	}
	var info struct {
		Networks []struct{ ID, DisplayName, NetworkType string }
	}
	s.must(t, "GET", "session", "", &info)
	if len(info.Networks) < 15 || info.Networks[0].DisplayName == "" {
		t.Errorf("session networks: %+v", info.Networks)
	}
	if len(list.Items) < 40 || list.Items[0].Type != "sandbox" || !list.Items[0].Available {
		t.Fatalf("catalog: %d items, first %+v", len(list.Items), list.Items[0])
	}
	for _, it := range list.Items[1:] {
		if it.Available {
			t.Errorf("%s is reported reachable", it.Type)
		}
	}
	connect := func(user, pass string) *linkdtest.Response {
		body, _ := json.Marshal(map[string]string{"integrationId": sandboxID, "username": user, "password": pass})
		return s.call(t, "POST", "connections", string(body), nil)
	}
	wantErrType(t, connect("user_good", "wrong"), 400, "invalidIntegrationCredentials")
	apiKey := func(key, secret string) *linkdtest.Response {
		return s.call(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","apiKey":"`+key+`","apiSecret":"`+secret+`"}`, nil)
	}
	if r := apiKey("sandbox_api_key", "sandbox_api_secret"); r.StatusCode != 200 {
		t.Fatalf("sandbox API key: %d %s", r.StatusCode, r.Body)
	}
	wantErrType(t, apiKey("sandbox_api_key", "nope"), 400, "invalidIntegrationCredentials")
	// With disableApiKeyGeneration the catalog hides the option and the API refuses keys.
	noKeys := open(t, e, `{"userId":"u-1","disableApiKeyGeneration":true}`)
	var nk struct{ Items []struct{ APIKey bool } }
	noKeys.must(t, "GET", "integrations", "", &nk)
	if nk.Items[0].APIKey {
		t.Error("apiKey offered despite disableApiKeyGeneration")
	}
	wantErrType(t, noKeys.call(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","apiKey":"sandbox_api_key","apiSecret":"sandbox_api_secret"}`, nil), 400, "invalidType")
	wantErrType(t, connect("user_error", "pass_good"), 502, "institutionError")
	coinbase := `{"integrationId":"47624467-e52e-4938-a41a-7926b6c27acf","username":"a","password":"b"}`
	wantErrType(t, s.call(t, "POST", "connections", coinbase, nil), 503, "integrationUnavailable")

	var mfa connView
	if r := connect("user_mfa", "pass_good"); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	} else {
		json.Unmarshal(r.Envelope(t).Content, &mfa, json.MatchCaseInsensitiveNames(true))
	}
	if mfa.Status != "mfa" || mfa.Challenge == nil || len(mfa.Accounts) != 0 {
		t.Fatalf("mfa step: %+v", mfa)
	}
	bad := s.call(t, "POST", "connections/"+mfa.ConnectionID+"/mfa", `{"code":"000000"}`, nil)
	wantErrType(t, bad, 400, "invalidMfaCode")
	if got := string(bad.Envelope(t).ErrorData); got != `{"attemptsLeft":4}` {
		t.Errorf("errorData %s", got)
	}
	wantErrType(t, s.call(t, "POST", "connections/"+mfa.ConnectionID+"/accounts", `{"accountIds":["x"]}`, nil), 409, "wrongStep")
	var acc connView
	s.must(t, "POST", "connections/"+mfa.ConnectionID+"/mfa", `{"code":"123456"}`, &acc)
	if acc.Status != "accounts" || len(acc.Accounts) != 2 {
		t.Fatalf("after mfa: %+v", acc)
	}
	var linked struct {
		AccessToken struct {
			AccountTokens []struct {
				Account struct {
					AccountID, AccountName string
					Fund, Cash             float64
				}
				AccessToken, RefreshToken string
			}
			BrokerBrandInfo        struct{ BrokerLogo, LogoLightURL string }
			ExpiresInSeconds       int
			BrokerType, BrokerName string
		}
	}
	body := `{"accountIds":["` + acc.Accounts[0].AccountID + `"]}`
	s.must(t, "POST", "connections/"+mfa.ConnectionID+"/accounts", body, &linked)
	at := linked.AccessToken
	if at.BrokerType != "sandbox" || at.BrokerName != "Sandbox" || len(at.AccountTokens) != 1 || at.ExpiresInSeconds != 3600 ||
		!strings.HasPrefix(at.AccountTokens[0].AccessToken, "lkat_") || at.BrokerBrandInfo.BrokerLogo == "" {
		t.Fatalf("payload: %+v", at)
	}
	wantErrType(t, s.call(t, "POST", "connections/"+mfa.ConnectionID+"/accounts", body, nil), 409, "wrongStep")

	// The access token works on the client API, for this client only.
	bal := func(c linkdtest.Credentials, token, typ string) *linkdtest.Response {
		return e.Do(t, "POST", "/api/v1/balance/get", []byte(`{"authToken":"`+token+`","type":"`+typ+`"}`),
			"X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json")
	}
	if r := bal(e.Client, at.AccountTokens[0].AccessToken, "sandbox"); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"totalCashUsdValue":2500`) {
		t.Fatalf("balance: %d %s", r.StatusCode, r.Body)
	}
	wantErrType(t, bal(e.NewClient(t), at.AccountTokens[0].AccessToken, "sandbox"), 401, "authTokenInvalid")
	wantErrType(t, bal(e.Client, at.AccountTokens[0].RefreshToken, "sandbox"), 401, "authTokenInvalid")
	wantErrType(t, bal(e.Client, at.AccountTokens[0].AccessToken, "coinbase"), 400, "conflictingFields")
}

// TestSandboxTransfer: preview with fees, execute exactly once under concurrent confirms.
func TestSandboxTransfer(t *testing.T) {
	e := linkdtest.Start(t)
	s := open(t, e, `{"userId":"u-2","transferOptions":{"toAddresses":[
		{"networkId":"`+ethereum+`","symbol":"USDC","address":"`+ethAddr+`"},
		{"networkId":"`+solana+`","symbol":"SOL","address":"`+solAddr+`","amount":2}],
		"amountInFiat":100,"transactionId":"order-9","clientFee":0.01}}`)
	var conn connView
	s.must(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	acct := conn.Accounts[0].AccountID
	s.must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+acct+`"]}`, nil)
	var opts struct {
		Options []struct {
			Symbol    string
			Available float64
			Eligible  bool
		}
	}
	s.must(t, "GET", "transfers/options?connectionId="+conn.ConnectionID+"&accountId="+acct, "", &opts)
	if len(opts.Options) != 2 || opts.Options[0].Available != 1200 || !opts.Options[1].Eligible {
		t.Fatalf("options: %+v", opts)
	}
	var p struct {
		PreviewID                   string
		Amount, AmountInFiat        float64
		TotalAmount, AmountReceived float64
		CustomClientFee             struct{ Fee float64 }
		ClientTransactionID         string
	}
	s.must(t, "POST", "transfers", `{"connectionId":"`+conn.ConnectionID+`","accountId":"`+acct+`","networkId":"`+ethereum+`","symbol":"USDC"}`, &p)
	// amountInFiat 100 at the sandbox's $1 USDC; client fee 1%, institution fee 0.1%.
	if p.Amount != 100 || p.AmountInFiat != 100 || p.CustomClientFee.Fee != 1 || p.TotalAmount != 101.1 || p.ClientTransactionID != "order-9" {
		t.Fatalf("preview: %+v", p)
	}
	wantErrType(t, s.call(t, "POST", "transfers", `{"connectionId":"`+conn.ConnectionID+`","accountId":"`+acct+`","networkId":"`+ethereum+`","symbol":"ETH"}`, nil),
		400, "transferNotAllowed")

	const n = 20
	var wg sync.WaitGroup
	txIDs := make([]string, n)
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f struct{ TxID string }
			r := s.call(t, "POST", "transfers/"+p.PreviewID+"/execute", "", &f)
			codes[i], txIDs[i] = r.StatusCode, f.TxID
		}()
	}
	wg.Wait()
	var first string
	for i := range n {
		switch codes[i] {
		case 200:
			if first == "" {
				first = txIDs[i]
			} else if txIDs[i] != first {
				t.Fatalf("two executions: %s and %s", first, txIDs[i])
			}
		case 409:
		default:
			t.Fatalf("execute: %d", codes[i])
		}
	}
	var fin struct {
		Status, TxID, TxHash, ClientTransactionID, NetworkID, Symbol string
		Amount                                                       float64
	}
	s.must(t, "POST", "transfers/"+p.PreviewID+"/execute", "", &fin)
	if fin.TxID != first || fin.Status != "success" || fin.ClientTransactionID != "order-9" || fin.NetworkID != ethereum ||
		fin.Symbol != "USDC" || fin.Amount != 100 || !strings.HasPrefix(fin.TxHash, "0x") {
		t.Fatalf("finished: %+v (first %s)", fin, first)
	}
}

// TestTransferMax: the options' maxAmount is a preview the account can pay, fees included,
// and a hair more is refused.
func TestTransferMax(t *testing.T) {
	cases := []struct {
		name, extra string
		want        float64
	}{
		{"fees on top", `"clientFee":0.01`, 1186.9436}, // 1200 / (1 + 0.001 institution + 0.01 client)
		{"inclusive fees", `"clientFee":0.01,"isInclusiveFeeEnabled":true`, 1200},
		{"funding from cash", `"fundingOptions":{"enabled":true}`, 3696.3037}, // (1200 + 2500 cash) / 1.001
	}
	e := linkdtest.Start(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, e, `{"userId":"u-9","transferOptions":{"toAddresses":[{"networkId":"`+ethereum+`","symbol":"USDC","address":"`+ethAddr+`"}],`+tc.extra+`}}`)
			var conn connView
			s.must(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
			acct := conn.Accounts[0].AccountID
			s.must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+acct+`"]}`, nil)
			var opts struct{ Options []struct{ MaxAmount float64 } }
			s.must(t, "GET", "transfers/options?connectionId="+conn.ConnectionID+"&accountId="+acct, "", &opts)
			max := opts.Options[0].MaxAmount
			if math.Abs(max-tc.want) > 0.0001 {
				t.Fatalf("maxAmount %v, want about %v", max, tc.want)
			}
			preview := func(amount float64) *linkdtest.Response {
				return s.call(t, "POST", "transfers", fmt.Sprintf(`{"connectionId":%q,"accountId":%q,"networkId":%q,"symbol":"USDC","amount":%v}`,
					conn.ConnectionID, acct, ethereum, amount), nil)
			}
			if r := preview(max); r.StatusCode != 200 {
				t.Fatalf("preview of maxAmount: %d %s", r.StatusCode, r.Body)
			}
			wantErrType(t, preview(max+0.01), 400, "insufficientFunds")
		})
	}
}
