package server_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"net/url"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/walletsig"
)

const (
	metaMaskID    = "34aeb688-decb-485f-9d80-b66466783394"
	phantomID     = "6d3872c2-ff7e-5075-94fe-b78a59ff3c65"
	verifyMessage = "Prove you own this wallet ✓ (nonce 42)"
)

// testWallet is a browser wallet's keys, as the tests sign with them.
type testWallet struct {
	evm    *secp256k1.PrivateKey
	solana ed25519.PrivateKey
}

func newTestWallet(seed string) testWallet {
	h := sha256.Sum256([]byte(seed))
	return testWallet{evm: secp256k1.PrivKeyFromBytes(h[:]), solana: ed25519.NewKeyFromSeed(h[:])}
}

func (w testWallet) evmAddr() string { return walletsig.AddressEVM(w.evm) }
func (w testWallet) solAddr() string { return walletsig.AddressSolana(w.solana) }

func walletBody(integrationID, networkID, address, signature, name string) string {
	b, _ := json.Marshal(map[string]string{"integrationId": integrationID, "networkId": networkID, "address": address,
		"signature": signature, "walletName": name})
	return string(b)
}

// verifications lists GET /api/v1/wallets/verify for the query.
func verifications(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials, query string) (*linkdtest.Response, []map[string]any) {
	t.Helper()
	r := e.Do(t, "GET", "/api/v1/wallets/verify?"+query, nil, "X-Client-Id", c.ID, "X-Client-Secret", c.Secret)
	var out struct {
		Verifications []map[string]any `json:"verifications"`
	}
	if r.StatusCode == 200 {
		if err := json.Unmarshal(r.Envelope(t).Content, &out); err != nil {
			t.Fatal(err)
		}
	}
	return r, out.Verifications
}

// TestWalletVerification: a signature of the token's message by the wallet's key, for an
// address and network the options allow, is verified and stored; every other attempt is
// refused and stores nothing.
func TestWalletVerification(t *testing.T) {
	e := linkdtest.Start(t)
	alice, mallory := newTestWallet("alice"), newTestWallet("mallory")
	evmOpts := `{"userId":"u-evm","verifyWalletOptions":{"message":"` + verifyMessage + `","networkId":"` + ethereum + `","addresses":["` + strings.ToLower(alice.evmAddr()) + `","` + connector.SandboxWalletEVM + `"]}}`
	solOpts := `{"userId":"u-sol","verifyWalletOptions":{"message":"` + verifyMessage + `","networkType":"solana"}}`
	sign := walletsig.SignEVM(alice.evm, verifyMessage)
	tampered := sign[:20] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sign[20])+1)%16]) + sign[21:]
	tests := []struct {
		name, opts, body string
		status           int
		errorType        string
	}{
		{"evm", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), sign, "MetaMask"), 200, ""},
		{"evm, v as 0/1", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), sign[:130]+"0"+string(sign[131]-'b'+'0'), ""), 200, ""},
		{"solana", solOpts, walletBody(phantomID, solana, alice.solAddr(), walletsig.SignSolana(alice.solana, verifyMessage), "Phantom"), 200, ""},
		{"tampered signature", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), tampered, ""), 403, "walletSignatureInvalid"},
		{"another key's signature", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), walletsig.SignEVM(mallory.evm, verifyMessage), ""), 403, "walletSignatureInvalid"},
		{"another message", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), walletsig.SignEVM(alice.evm, "something else"), ""), 403, "walletSignatureInvalid"},
		{"solana tampered", solOpts, walletBody(phantomID, solana, alice.solAddr(), walletsig.SignSolana(mallory.solana, verifyMessage), ""), 403, "walletSignatureInvalid"},
		{"address not allowed", evmOpts, walletBody(metaMaskID, ethereum, mallory.evmAddr(), walletsig.SignEVM(mallory.evm, verifyMessage), ""), 403, "walletVerificationRejected"},
		{"network not allowed", evmOpts, walletBody(phantomID, solana, alice.solAddr(), walletsig.SignSolana(alice.solana, verifyMessage), ""), 403, "walletVerificationRejected"},
		{"no signature", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), "", ""), 400, "missingField"},
		{"invalid address", evmOpts, walletBody(metaMaskID, ethereum, "0x123", sign, ""), 400, "invalidAddress"},
		{"not a wallet", evmOpts, walletBody("2a5f2f0e-0000-4000-8000-000000000000", ethereum, alice.evmAddr(), sign, ""), 404, "integrationNotFound"},
		{"long wallet name", evmOpts, walletBody(metaMaskID, ethereum, alice.evmAddr(), sign, strings.Repeat("W", 65)), 400, "fieldTooLong"},
		{"no verification in the session", `{"userId":"u-none"}`, walletBody(metaMaskID, ethereum, alice.evmAddr(), sign, ""), 409, "wrongStep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, e, tc.opts)
			r := s.call(t, "POST", "wallet/verify", tc.body, nil)
			if tc.status != 200 {
				wantErrType(t, r, tc.status, tc.errorType)
				return
			}
			var signed map[string]any
			if r.StatusCode != 200 || json.Unmarshal(r.Envelope(t).Content, &signed) != nil {
				t.Fatalf("verify: %d %s", r.StatusCode, r.Body)
			}
			var req map[string]string
			json.Unmarshal([]byte(tc.body), &req)
			if signed["isVerified"] != true || signed["message"] != verifyMessage || signed["address"] != req["address"] ||
				signed["signedMessageHash"] != req["signature"] || len(signed) != 6 {
				t.Errorf("walletMessageSigned payload: %v", signed)
			}
		})
	}
	// Only the verified ones were stored: three, of two users.
	_, all := verifications(t, e, e.Client, "")
	if len(all) != 3 {
		t.Fatalf("GET /api/v1/wallets/verify: %d verifications, want 3: %v", len(all), all)
	}
	sol := all[0]
	want := map[string]any{"userId": "u-sol", "address": alice.solAddr(), "xPubKey": nil, "networkType": "solana", "networkId": solana,
		"verificationMethod": "signedMessage", "message": verifyMessage, "signedMessageHash": walletsig.SignSolana(alice.solana, verifyMessage),
		"timestamp": sol["timestamp"], "walletName": "Phantom", "isSandbox": false}
	for k, v := range want {
		if sol[k] != v {
			t.Errorf("verification %s = %v, want %v", k, sol[k], v)
		}
	}
	if len(sol) != len(want) {
		t.Errorf("verification has %d members, want %d: %v", len(sol), len(want), sol)
	}
}

// TestSandboxWalletVerification: the sandbox wallet signs the token's message (and only
// that) with its public test key, the signature is verified like a browser wallet's, and
// the verification is stored marked as sandbox, whichever integration carried it.
func TestSandboxWalletVerification(t *testing.T) {
	e := linkdtest.Start(t)
	s := open(t, e, `{"userId":"u-sb","verifyWalletOptions":{"message":"`+verifyMessage+`","networkType":"evm"}}`)
	var sig struct{ Address, NetworkID, Signature string }
	s.must(t, "POST", "wallet/sign", walletBody(sandboxID, ethereum, connector.SandboxWalletEVM, "", ""), &sig)
	if err := walletsig.Verify("evm", connector.SandboxWalletEVM, verifyMessage, sig.Signature); err != nil || sig.NetworkID != ethereum {
		t.Fatalf("sandbox signature %+v: %v", sig, err)
	}
	wantErrType(t, s.call(t, "POST", "wallet/sign", walletBody(sandboxID, ethereum, ethAddr, "", ""), nil), 400, "invalidAddress")
	wantErrType(t, s.call(t, "POST", "wallet/sign", walletBody(metaMaskID, ethereum, ethAddr, "", ""), nil), 503, "integrationUnavailable")
	wantErrType(t, s.call(t, "POST", "wallet/sign", walletBody(sandboxID, bitcoinNetwork(t, e), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "", ""), nil), 400, "walletNetworkUnsupported")
	s.must(t, "POST", "wallet/verify", walletBody(sandboxID, ethereum, connector.SandboxWalletEVM, sig.Signature, ""), nil)
	// The sandbox key's signature sent as MetaMask's is still marked as sandbox.
	s.must(t, "POST", "wallet/verify", walletBody(metaMaskID, ethereum, strings.ToLower(connector.SandboxWalletEVM), sig.Signature, "MetaMask"), nil)
	_, got := verifications(t, e, e.Client, "UserId=u-sb")
	if len(got) != 2 || got[0]["isSandbox"] != true || got[1]["isSandbox"] != true || got[1]["walletName"] != "Sandbox" {
		t.Errorf("sandbox verifications: %v", got)
	}
}

func bitcoinNetwork(t *testing.T, e *linkdtest.Env) string {
	t.Helper()
	r := e.Do(t, "GET", "/api/v1/transfers/managed/networks", nil, "X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret)
	var c struct {
		Networks []struct{ ID, NetworkType string }
	}
	json.Unmarshal(r.Envelope(t).Content, &c, json.MatchCaseInsensitiveNames(true))
	for _, n := range c.Networks {
		if n.NetworkType == "bitcoin" {
			return n.ID
		}
	}
	t.Fatal("no bitcoin network")
	return ""
}

// TestWalletVerificationsList: GET /api/v1/wallets/verify answers the calling client's
// verifications only, filtered by UserId and Address (an EVM address in any case), and
// names the parameter it refuses.
func TestWalletVerificationsList(t *testing.T) {
	e := linkdtest.Start(t)
	other := e.NewClient(t)
	alice := newTestWallet("alice")
	for _, user := range []string{"u-1", "u-2"} {
		s := open(t, e, `{"userId":"`+user+`","verifyWalletOptions":{"message":"`+verifyMessage+`"}}`)
		s.must(t, "POST", "wallet/verify", walletBody(metaMaskID, ethereum, alice.evmAddr(), walletsig.SignEVM(alice.evm, verifyMessage), ""), nil)
	}
	tests := []struct {
		name   string
		client linkdtest.Credentials
		query  string
		count  int
		status int
		errTyp string
	}{
		{"all", e.Client, "", 2, 200, ""},
		{"by user", e.Client, "UserId=u-1", 1, 200, ""},
		{"by address in lower case", e.Client, "Address=" + strings.ToLower(alice.evmAddr()), 2, 200, ""},
		{"by user and address", e.Client, "userid=u-2&address=" + strings.ToUpper(alice.evmAddr()[2:]), 0, 200, ""},
		{"by user and address, 0x", e.Client, "UserId=u-2&Address=" + alice.evmAddr(), 1, 200, ""},
		{"unknown user", e.Client, "UserId=u-9", 0, 200, ""},
		{"another client sees none", other, "", 0, 200, ""},
		{"unknown parameters are ignored", e.Client, "Limit=1", 2, 200, ""},
		{"UserId too long", e.Client, "UserId=" + strings.Repeat("u", 51), 0, 400, "fieldTooLong"},
		{"Address too long", e.Client, "Address=" + strings.Repeat("a", 129), 0, 400, "fieldTooLong"},
		{"control characters", e.Client, "UserId=" + url.QueryEscape("u\x00"), 0, 400, "invalidCharacters"},
		{"twice", e.Client, "UserId=u-1&userId=u-2", 0, 400, "duplicateField"},
		{"no credentials", linkdtest.Credentials{}, "", 0, 401, "invalidCredentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, got := verifications(t, e, tc.client, tc.query)
			if tc.status != 200 {
				wantErrType(t, r, tc.status, tc.errTyp)
				if env := r.Envelope(t); tc.errTyp != "invalidCredentials" && !strings.Contains(strings.ToLower(env.Message), "userid") && !strings.Contains(strings.ToLower(env.Message), "address") {
					t.Errorf("message %q does not name the parameter", env.Message)
				}
				return
			}
			if r.StatusCode != 200 || len(got) != tc.count {
				t.Fatalf("%d %s: %d verifications, want %d", r.StatusCode, r.Body, len(got), tc.count)
			}
		})
	}
}

// TestWalletConnect: a browser wallet's address becomes a connected account with access
// and refresh tokens (the SDK's AccessTokenPayload), outside verification and transfer
// sessions.
func TestWalletConnect(t *testing.T) {
	e := linkdtest.Start(t)
	alice := newTestWallet("alice")
	s := open(t, e, `{"userId":"u-c"}`)
	var got struct {
		AccessToken struct {
			AccountTokens []struct {
				Account                   struct{ AccountID, AccountName string }
				AccessToken, RefreshToken string
			}
			BrokerType, BrokerName string
		}
		NetworkID string
	}
	s.must(t, "POST", "wallet/connect", walletBody(metaMaskID, ethereum, alice.evmAddr(), "", "MetaMask"), &got)
	at := got.AccessToken
	if at.BrokerType != "deFiWallet" || at.BrokerName != "MetaMask" || len(at.AccountTokens) != 1 || got.NetworkID != ethereum ||
		at.AccountTokens[0].Account.AccountID != alice.evmAddr() || !strings.HasPrefix(at.AccountTokens[0].AccessToken, "lkat_") ||
		!strings.HasPrefix(at.AccountTokens[0].Account.AccountName, "MetaMask 0x") {
		t.Fatalf("connect: %+v", got)
	}
	// A wallet the catalog does not know is the generic entry under its announced name.
	generic := genericWalletID(t, s)
	s.must(t, "POST", "wallet/connect", walletBody(generic, solana, alice.solAddr(), "", "Solflare"), &got)
	if got.AccessToken.BrokerName != "Solflare" {
		t.Errorf("generic wallet's broker name: %q", got.AccessToken.BrokerName)
	}
	wantErrType(t, s.call(t, "POST", "wallet/connect", walletBody(sandboxID, ethereum, alice.evmAddr(), "", ""), nil), 503, "integrationUnavailable")
	wantErrType(t, s.call(t, "POST", "wallet/connect", walletBody(metaMaskID, ethereum, alice.evmAddr(), "0x00", ""), nil), 400, "invalidType")
	v := open(t, e, `{"userId":"u-v","verifyWalletOptions":{"message":"m"}}`)
	wantErrType(t, v.call(t, "POST", "wallet/connect", walletBody(metaMaskID, ethereum, alice.evmAddr(), "", ""), nil), 409, "wrongStep")
	tr := open(t, e, `{"userId":"u-t","transferOptions":{"toAddresses":[{"networkId":"`+ethereum+`","symbol":"USDC","address":"`+ethAddr+`"}]}}`)
	wantErrType(t, tr.call(t, "POST", "wallet/connect", walletBody(metaMaskID, ethereum, alice.evmAddr(), "", ""), nil), 503, "integrationUnavailable")
}

func genericWalletID(t *testing.T, s *linkSession) string {
	t.Helper()
	var list struct {
		Items []struct{ ID, Type, DeFiWalletProviderID string }
	}
	s.must(t, "GET", "integrations", "", &list)
	for _, it := range list.Items {
		if it.Type == "deFiWallet" && it.DeFiWalletProviderID == "" {
			return it.ID
		}
	}
	t.Fatal("no generic wallet entry")
	return ""
}
