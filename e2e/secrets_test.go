package e2e

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestNoSecretsAtRestOrInLogs runs the whole flow against the real binary with every log
// on (linkd serve --log-level debug --access-log=true): a client created and a webhook
// added with the CLI, a link token with a payment link, both redeemed in the Link UI's
// API, a sandbox account connected (access and refresh tokens), a transfer previewed and
// executed, the token refreshed with a new refresh token, and the transfer's webhooks
// delivered to a receiver here. Then no log line of linkd serve, no output of the CLI
// other than the one that hands a secret out, no file of the data directory and no value
// of any table of the database (dumped read-only, every value as text, hex and base64)
// holds any of those secrets in clear, nor in an encoding linkd could use: the raw text,
// its random part without the prefix, and that part's bytes as hex, base64 and base64url
// (docs/threat-model.md T7, T10, H2). Webhook secrets are stored sealed (AES-256-GCM,
// H2): this shows that the seal leaves nothing readable.
func TestNoSecretsAtRestOrInLogs(t *testing.T) {
	t.Parallel()
	p := startLinkd(t, "--log-level", "debug", "--access-log=true", "--webhook-allow-private", "--sandbox-settle-delay", "0s")
	var cliOutput []string // every CLI output that must hold no secret
	cli := func(handsOut bool, args ...string) string {
		t.Helper()
		stdout, stderr, code := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("linkd %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
		cliOutput = append(cliOutput, stderr)
		if !handsOut {
			cliOutput = append(cliOutput, stdout)
		}
		return stdout
	}
	var c creds
	if err := json.Unmarshal([]byte(cli(true, "client", "create", "--data", p.DataDir, "--name", "Secret Co", "--origin", "https://app.example")), &c); err != nil {
		t.Fatal(err)
	}
	rcv := &hookReceiver{t: t}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	var hook struct{ WebhookID, Secret string }
	if err := json.Unmarshal([]byte(cli(true, "client", "webhook", "add", "--data", p.DataDir, "--client", c.ID, "--url", srv.URL+"/hooks")), &hook); err != nil {
		t.Fatal(err)
	}

	r := p.linkToken(t, c, fmt.Sprintf(`{"userId":"secret-user","transferOptions":{"toAddresses":[{"networkId":%q,"symbol":"USDC","address":%q}],
		"amountInFiat":25,"transactionId":"order-secrets","generatePayLink":true}}`, ethereumID, allowedAddress))
	var issued struct{ LinkToken, PaymentLink string }
	decodeContent(t, r, &issued)
	tok, payURL := decodeToken(t, issued.LinkToken), parsePageURL(t, issued.PaymentLink)
	var info, payInfo sessionInfo
	decodeContent(t, p.redeem(t, tok.ClientID, "link", tok.Code), &info)
	decodeContent(t, p.redeem(t, payURL.ClientID, "pay", payURL.Code), &payInfo)
	p.linkCall(t, info.SessionToken, "GET", "session", "", nil)
	var conn struct {
		ConnectionID string
		Accounts     []struct{ AccountID string }
	}
	p.linkCall(t, info.SessionToken, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	var linked struct {
		AccessToken struct {
			AccountTokens []struct{ AccessToken, RefreshToken string }
		}
	}
	acct := conn.Accounts[0].AccountID
	p.linkCall(t, info.SessionToken, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+acct+`"]}`, &linked)
	at := linked.AccessToken.AccountTokens[0]
	var preview struct{ PreviewID string }
	p.linkCall(t, info.SessionToken, "POST", "transfers", `{"connectionId":"`+conn.ConnectionID+`","accountId":"`+acct+`","networkId":"`+ethereumID+`","symbol":"USDC"}`, &preview)
	var done finished
	p.linkCall(t, info.SessionToken, "POST", "transfers/"+preview.PreviewID+"/execute", "", &done)
	api := []string{"X-Client-Id", c.ID, "X-Client-Secret", c.Secret, "Content-Type", "application/json"}
	var refreshed struct{ AccessToken, RefreshToken string }
	decodeContent(t, p.do(t, "POST", "/api/v1/token/refresh", []byte(`{"type":"sandbox","refreshToken":"`+at.RefreshToken+`","createNewRefreshToken":true}`), api...), &refreshed)
	decodeContent(t, p.do(t, "POST", "/api/v1/balance/get", []byte(`{"type":"sandbox","authToken":"`+refreshed.AccessToken+`"}`), api...), &struct{}{})
	waitFor(t, 20*time.Second, "the transfer's webhooks", func() string {
		if got := rcv.delivered(done.TransferID); len(got) < 2 {
			return fmt.Sprintf("delivered %v, want pending and succeeded", got)
		}
		return ""
	})
	for _, h := range rcv.requests() {
		if !validSignature(hook.Secret, h.Body, h.Signature) {
			t.Fatalf("a delivery not signed with the webhook's secret: %s", h.Body)
		}
	}
	cli(false, "client", "show", c.ID, "--data", p.DataDir)
	cli(false, "client", "list", "--data", p.DataDir)
	cli(false, "client", "webhook", "list", "--data", p.DataDir, "--client", c.ID)
	cli(false, "client", "webhook", "deliveries", "--data", p.DataDir, "--client", c.ID)
	p.stop()

	secrets := map[string]string{
		"client secret": c.Secret, "link token": base64.StdEncoding.EncodeToString([]byte(tok.Raw)), "link token's URL": tok.Raw,
		"link code": tok.Code, "payment link": issued.PaymentLink, "payment code": payURL.Code,
		"session credential": info.SessionToken, "payment session credential": payInfo.SessionToken,
		"access token": at.AccessToken, "refresh token": at.RefreshToken,
		"refreshed access token": refreshed.AccessToken, "rotated refresh token": refreshed.RefreshToken,
		"webhook secret": hook.Secret,
	}
	for what, s := range secrets {
		if len(s) < 20 {
			t.Fatalf("%s %q: the flow did not hand it out", what, s)
		}
	}
	logs := p.Logs()
	for _, want := range []string{"level=DEBUG", "path=/link/api/sessions", "path=/api/v1/token/refresh", "path=/link/api/transfers/"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the log has no %q: debug and access logs must be on for this test to prove anything", want)
		}
	}
	dump := dumpDatabase(t, filepath.Join(p.DataDir, "linkd.db"))
	for _, want := range []string{c.ID, done.TransferID, "secret-user", "order-secrets", hook.WebhookID} {
		if !strings.Contains(dump, want) {
			t.Fatalf("the database dump lacks %q: it would prove nothing", want)
		}
	}
	var files []string
	entries, err := os.ReadDir(p.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if b, err := os.ReadFile(filepath.Join(p.DataDir, en.Name())); err == nil {
			files = append(files, en.Name()+":\n"+string(b))
		}
	}
	places := map[string]string{"the log of linkd serve": logs, "the database dump": dump,
		"the data directory's files": strings.Join(files, "\n"), "the CLI's output": strings.Join(cliOutput, "\n")}
	for what, s := range secrets {
		for _, form := range encodings(s) {
			for where, text := range places {
				if strings.Contains(text, form) {
					t.Errorf("%s found in %s (as %q)", what, where, form)
				}
			}
		}
	}
}

// secretPrefixes are the prefixes of linkd's secrets: client secrets, access and refresh
// tokens, webhook secrets.
var secretPrefixes = []string{"sk_", "lkat_", "lkrt_", "whsec_"}

// encodings returns the forms in which secret s could be kept: s, its random part (s
// without its prefix, or a code), and that part's bytes (it is base64url) in hex,
// standard base64 and base64url, padded or not.
func encodings(s string) []string {
	forms := []string{s}
	rest := s
	for _, p := range secretPrefixes {
		if r, ok := strings.CutPrefix(s, p); ok {
			rest = r
			forms = append(forms, r)
		}
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		b, err := enc.DecodeString(rest)
		if err != nil || len(b) < 16 {
			continue
		}
		forms = append(forms, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
		break
	}
	return forms
}

// dumpDatabase opens the SQLite database at path read-only and returns every value of
// every table, each rendered as text and, for bytes, also as hex and base64, one row a
// line.
func dumpDatabase(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	var out bytes.Buffer
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + strings.ReplaceAll(table, `"`, `""`) + `"`)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			fmt.Fprintf(&out, "%s:", table)
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					fmt.Fprintf(&out, " %s=%s hex:%x base64:%s base64url:%s", cols[i], v, v, base64.StdEncoding.EncodeToString(v), base64.RawURLEncoding.EncodeToString(v))
				default:
					fmt.Fprintf(&out, " %s=%v", cols[i], v)
				}
			}
			out.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		rows.Close()
	}
	return out.String()
}
