package main

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/sqlite"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// TestExportImport: an export carries every client's settings, secret hashes (never a
// secret), disabled state and sub-clients; importing it into an empty database rebuilds
// the same clients, and importing it again changes nothing.
func TestExportImport(t *testing.T) {
	from, to := t.TempDir(), t.TempDir()
	a, secretA := create(t, from, "--origin", "https://app.example", "--jurisdiction", "DE", "--rate-limit", "5", "--burst", "9", "--allow-pii-user-id")
	mustRun(t, from, "client", "rotate-secret", a, "--grace", "1h")
	mustRun(t, from, "client", "subclient", "add", "--client", a, "--name", "Shop One")
	mustRun(t, from, "client", "subclient", "add", "--client", a, "--name", "Shop Two")
	b, secretB := create(t, from)
	mustRun(t, from, "client", "disable", b)
	c, _ := create(t, from)
	mustRun(t, from, "client", "revoke-secret", c, "--all")
	var hook struct{ WebhookID, Secret string }
	if err := json.Unmarshal([]byte(mustRun(t, from, "client", "webhook", "add", "--client", a, "--url", "https://hooks.example/linkd")), &hook,
		json.MatchCaseInsensitiveNames(true)); err != nil || hook.Secret == "" {
		t.Fatalf("webhook add: %v", err)
	}
	keyFile := filepath.Join(from, config.SecretKeyFileName) // the target instances need it too
	addRecords(t, from, a)

	exported := mustRun(t, from, "export")
	for _, secret := range []string{secretA, secretB, "sk_", hook.Secret} {
		if strings.Contains(exported, secret) {
			t.Fatalf("the export holds a clear-text secret (%q):\n%s", secret, exported)
		}
	}
	var doc exportDoc
	if err := json.Unmarshal([]byte(exported), &doc, json.RejectUnknownMembers(true)); err != nil {
		t.Fatal(err)
	}
	if len(doc.Clients) != 3 || len(doc.Clients[0].Secrets) != 2 || len(doc.Clients[0].SubClients) != 2 || doc.Clients[1].Enabled ||
		len(doc.Clients[0].Webhooks) != 1 || doc.Clients[0].Webhooks[0].WebhookID != hook.WebhookID ||
		len(doc.Clients[0].Transfers) != 2 || len(doc.Clients[0].WalletVerifications) != 1 || len(doc.Clients[0].AccessTokens) != 2 {
		t.Fatalf("export: %s", exported)
	}

	steps := []struct {
		name string
		want string // the summary
	}{
		{"into an empty database", `{"accessTokens":{"created":2,"unchanged":0},"clients":{"created":3,"unchanged":0,"updated":0},"secretsChanged":0,"subClients":{"created":2,"unchanged":0},"transfers":{"created":2,"unchanged":0},"walletVerifications":{"created":1,"unchanged":0},"webhooks":{"created":1,"unchanged":0}}`},
		{"again: nothing changes", `{"accessTokens":{"created":0,"unchanged":2},"clients":{"created":0,"unchanged":3,"updated":0},"secretsChanged":0,"subClients":{"created":0,"unchanged":2},"transfers":{"created":0,"unchanged":2},"walletVerifications":{"created":0,"unchanged":1},"webhooks":{"created":0,"unchanged":1}}`},
	}
	for _, st := range steps {
		out, errs, code := cliIn(t, to, exported, "import", "--secret-key-file", keyFile)
		if code != 0 || errs != "" {
			t.Fatalf("%s: import: exit %d, stderr %s", st.name, code, errs)
		}
		if got := compact(t, out); got != st.want {
			t.Errorf("%s: import printed %s, want %s", st.name, got, st.want)
		}
		var again exportDoc
		if err := json.Unmarshal([]byte(mustRun(t, to, "export")), &again); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(doc, again, cmpopts.IgnoreFields(exportDoc{}, "ExportedAt")); diff != "" {
			t.Errorf("%s: the imported database exports differently (-before +after):\n%s", st.name, diff)
		}
	}

	// The source moves on (a client disabled, a secret revoked); importing its new export
	// brings the target along. The target re-enabling a client is not undone silently,
	// and an import never re-enables one.
	mustRun(t, from, "client", "disable", a)
	mustRun(t, from, "client", "revoke-secret", a)
	mustRun(t, to, "client", "enable", b)
	mustRun(t, to, "client", "disable", c)
	out, errs, code := cliIn(t, to, mustRun(t, from, "export"), "import", "--secret-key-file", keyFile)
	if code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	if got, want := compact(t, out), `{"accessTokens":{"created":0,"unchanged":2},"clients":{"created":0,"unchanged":1,"updated":2},"secretsChanged":1,"subClients":{"created":0,"unchanged":2},"transfers":{"created":0,"unchanged":2},"walletVerifications":{"created":0,"unchanged":1},"webhooks":{"created":0,"unchanged":1}}`; got != want {
		t.Errorf("import after changes printed %s, want %s", got, want)
	}
	if !strings.Contains(errs, "client "+c+" is disabled here and enabled in the export: left disabled") {
		t.Errorf("stderr %q, want a warning about client %s", errs, c)
	}
	show := mustRun(t, to, "client", "show", a)
	if !strings.Contains(show, `"enabled": false`) || strings.Count(show, `"live": true`) != 1 {
		t.Errorf("client %s after the second import:\n%s", a, show)
	}

	// A target without the exporting deployment's key file is told that its instances
	// could not sign with the imported webhooks' secrets.
	_, errs, code = cliIn(t, t.TempDir(), exported, "import")
	if code != 0 || !strings.Contains(errs, "webhook(s) imported with their secrets sealed by the exporting deployment's key") {
		t.Errorf("import without the key file: exit %d, stderr %q; want a warning naming the key file", code, errs)
	}
	other := filepath.Join(t.TempDir(), "other.key")
	if _, err := webhook.LoadKeyFile(other, true); err != nil {
		t.Fatal(err)
	}
	_, errs, _ = cliIn(t, t.TempDir(), exported, "import", "--secret-key-file", other)
	if !strings.Contains(errs, "webhook "+hook.WebhookID+": its secret does not open with the key file "+other) {
		t.Errorf("import with another key file: stderr %q, want a warning about webhook %s", errs, hook.WebhookID)
	}
}

// addRecords gives client clientID of the database in dir the records an export carries
// (two transfers, a wallet verification, a connected account's access and refresh
// tokens) and one it does not (an expired access token).
func addRecords(t *testing.T, dir, clientID string) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), dir, sqlite.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	tr := store.Transfer{ID: uuid.NewString(), ClientID: clientID, UserID: "u-1", ClientTransactionID: "order-1", Status: store.TransferSucceeded,
		Amount: 25, AmountToReceive: 25, SourceAmount: 25.3, AmountInFiat: 25, AmountToReceiveInFiat: 25, TotalAmountInFiat: 25.3,
		FiatCurrency: "USD", Symbol: "USDC", NetworkID: uuid.NewString(), NetworkName: "Ethereum", Hash: "0x42",
		DestinationAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", IntegrationID: uuid.NewString(), IntegrationType: "sandbox",
		IntegrationName: "Sandbox", GasFee: store.TransferFee{Amount: 0.001, Currency: "ETH", InFiat: 3},
		Funding:     []store.TransferFunding{{Type: "buyingPowerPurchase", Amount: 3, AmountInFiat: 3, ToSymbol: "USDC", FromAmount: 3, FromSymbol: "USD"}},
		SessionHash: make([]byte, 32), CreatedAt: now.Add(-time.Hour), ExecutedAt: now.Add(-time.Hour), UpdatedAt: now}
	if _, err := st.ImportTransfer(t.Context(), tr); err != nil {
		t.Fatal(err)
	}
	pending := tr
	pending.ID, pending.CreatedAt, pending.SettleAt = uuid.NewString(), now, now.Add(time.Hour)
	if err := st.CreateTransfer(t.Context(), pending, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateWalletVerification(t.Context(), store.WalletVerification{ID: uuid.NewString(), ClientID: clientID, UserID: "u-1",
		Address: "0xAbC", AddressKey: "0xabc", NetworkID: uuid.NewString(), NetworkType: "evm", Method: "signedMessage", Message: "hi",
		Signature: "0x00", IntegrationID: uuid.NewString(), WalletName: "MetaMask", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s + clientID)); return h[:] }
	access := store.AccessToken{Hash: hash("access"), Kind: store.TokenAccess, ClientID: clientID, UserID: "u-1", IntegrationID: "i",
		BrokerType: "sandbox", AccountID: "acc", AccountName: "Sandbox", GrantID: uuid.NewString(), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	refresh, expired := access, access
	refresh.Hash, refresh.Kind, refresh.ExpiresAt = hash("refresh"), store.TokenRefresh, now.Add(30*24*time.Hour)
	expired.Hash, expired.GrantID, expired.ExpiresAt = hash("expired"), uuid.NewString(), now.Add(-time.Minute)
	if err := st.CreateAccessTokens(t.Context(), access, refresh, expired); err != nil {
		t.Fatal(err)
	}
}

// TestImportRefusesBadExports: a malformed export is refused as a whole, before the
// database is touched.
func TestImportRefusesBadExports(t *testing.T) {
	dir := t.TempDir()
	id, _ := create(t, dir)
	good := mustRun(t, dir, "export")
	target := t.TempDir()
	tests := []struct{ name, from, to string }{
		{"another version", `"version": 2`, `"version": 3`},
		{"an unknown member", `"version": 2`, `"version": 2, "extra": true`},
		{"a bad client id", id, "acme"},
		{"a short hash", `"hash": "`, `"hash": "AAAA`},
		{"a bad origin", `"origins": []`, `"origins": ["app.example"]`},
		{"a bad jurisdiction", `"jurisdiction": ""`, `"jurisdiction": "USA"`},
		{"a negative rate limit", `"rateLimit": 0`, `"rateLimit": -1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			if bad == good {
				t.Fatalf("the export has no %q", tc.from)
			}
			out, errs, code := cliIn(t, target, bad, "import")
			if code != 2 || out != "" || !strings.HasPrefix(errs, "linkd: import: ") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and one line", code, out, errs)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(target, sqlite.FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the target was touched: a database exists (%v)", err)
	}
}

func mustRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errs, code := cli(t, dir, args...)
	if code != 0 {
		t.Fatalf("linkd %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// compact re-encodes a JSON document on one line, members sorted by name.
func compact(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
