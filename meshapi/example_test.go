package meshapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/meshapi"
)

// The examples run against a complete linkd in this process (the real server and its
// embedded database, on a loopback port); a backend's tests point the client at a
// `linkd serve` they start.

// startLinkd starts linkd in a temporary directory; stop removes everything.
func startLinkd() (env *linkdtest.Env, stop func()) {
	dir, err := os.MkdirTemp("", "meshapi-example-")
	if err != nil {
		log.Fatal(err)
	}
	e, stopServer, err := linkdtest.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	return e, func() {
		stopServer()
		os.RemoveAll(dir)
	}
}

// networkID returns the id of a network of the catalog by name.
func networkID(ctx context.Context, c *meshapi.Client, name string) string {
	nets, err := c.Networks(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nets {
		if n.Name == name {
			return n.ID
		}
	}
	log.Fatalf("no network %s", name)
	return ""
}

// A backend asks for a link token for a deposit of 25 USD of USDC on Ethereum and hands
// it to its page, which opens Link with the web SDK.
func Example() {
	linkd, stop := startLinkd()
	defer stop()
	ctx := context.Background()

	c := meshapi.NewClient(linkd.URL, linkd.Client.ID, linkd.Client.Secret)
	tok, err := c.CreateLinkToken(ctx, &meshapi.LinkTokenRequest{
		UserID: "user-1234",
		TransferOptions: &meshapi.TransferOptions{
			ToAddresses: []meshapi.ToAddress{{
				NetworkID: networkID(ctx, c, "Ethereum"),
				Symbol:    "USDC",
				Address:   "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
			}},
			AmountInFiat:  25,
			TransactionID: "order-17",
			TransferType:  meshapi.TransferTypeDeposit,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The link token is base64 of the Link UI's URL; the page passes it to openLink.
	raw, _ := base64.StdEncoding.DecodeString(tok.LinkToken)
	u, _ := url.Parse(string(raw))
	fmt.Println("Link UI:", u.Path == "/link/"+linkd.Client.ID)
	fmt.Println("payment link:", tok.PaymentLink != "")
	// Output:
	// Link UI: true
	// payment link: false
}

// A mistake in the request comes back as an *Error naming the field, with an errorType to
// switch on and a message safe to show the user.
func ExampleError() {
	linkd, stop := startLinkd()
	defer stop()
	ctx := context.Background()
	c := meshapi.NewClient(linkd.URL, linkd.Client.ID, linkd.Client.Secret)

	_, err := c.CreateLinkToken(ctx, &meshapi.LinkTokenRequest{
		UserID: "user-1234",
		TransferOptions: &meshapi.TransferOptions{ToAddresses: []meshapi.ToAddress{{
			NetworkID: networkID(ctx, c, "Ethereum"),
			Symbol:    "USDC",
			Address:   "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // one letter's case changed
		}}},
	})
	var e *meshapi.Error
	if errors.As(err, &e) {
		fmt.Println(e.HTTPStatus, e.Status, e.ErrorType)
		fmt.Println(e.DisplayMessage)
		for _, f := range e.FieldErrors() {
			fmt.Println(f.Field, f.ErrorType)
		}
		fmt.Println("request id:", e.RequestID != "")
	}
	// Output:
	// 400 badRequest invalidAddress
	// The request could not be processed.
	// transferOptions.toAddresses[0].address invalidAddress
	// request id: true
}

// The catalog: the integrations a link token may open directly (IntegrationID).
func ExampleClient_Integrations() {
	linkd, stop := startLinkd()
	defer stop()
	c := meshapi.NewClient(linkd.URL, linkd.Client.ID, linkd.Client.Secret)

	ints, err := c.Integrations(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range ints {
		if in.Type == "sandbox" {
			fmt.Println(in.Name, in.Type, in.CryptoTransfersSupported)
		}
	}
	// Output: Sandbox sandbox true
}

// The networks and their tokens: the ids and symbols of TransferOptions.ToAddresses.
func ExampleClient_Networks() {
	linkd, stop := startLinkd()
	defer stop()
	c := meshapi.NewClient(linkd.URL, linkd.Client.ID, linkd.Client.Secret)

	nets, err := c.Networks(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nets {
		if n.Name == "Solana" {
			fmt.Println(n.ID, n.NetworkType, strings.Join(n.SupportedTokens, " "))
		}
	}
	// Output: 0291810a-5947-424d-9a59-e88bb33e999d solana SOL USDC USDT PYUSD
}

// WithRetry retries reads that were refused for the moment. Here the client's rate
// limit (1 request per second) refuses the second call with 429 and Retry-After: 1;
// the client waits that second and tries again.
func ExampleWithRetry() {
	linkd, stop := startLinkd()
	defer stop()
	limited, err := linkd.CreateClient(func(c *store.Client) { c.RateLimit = 1 })
	if err != nil {
		log.Fatal(err)
	}
	c := meshapi.NewClient(linkd.URL, limited.ID, limited.Secret, meshapi.WithRetry(3, 200*time.Millisecond))

	ctx := context.Background()
	if _, err := c.Integrations(ctx); err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	nets, err := c.Networks(ctx) // 429, then a retry a second later
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(nets) > 0, time.Since(start) >= time.Second)
	// Output: true true
}

// A webhook receiver checks the signature of the body as it arrived before it decodes
// it.
func ExampleVerifyWebhook() {
	const secret = "whsec-from-the-dashboard"
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return
		}
		if err := meshapi.VerifyWebhook(secret, body, r.Header.Get(meshapi.WebhookSignatureHeader)); err != nil {
			http.Error(w, "signature", http.StatusUnauthorized)
			return
		}
		fmt.Println("accepted:", string(body))
	}))
	defer receiver.Close()

	body := `{"transferId":"8a3b2c1d-0000-4000-8000-000000000001","transferStatus":"succeeded"}`
	for _, sig := range []string{meshapi.WebhookSignature(secret, []byte(body)), meshapi.WebhookSignature("guess", []byte(body))} {
		req, _ := http.NewRequest("POST", receiver.URL, strings.NewReader(body))
		req.Header.Set(meshapi.WebhookSignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// accepted: {"transferId":"8a3b2c1d-0000-4000-8000-000000000001","transferStatus":"succeeded"}
	// 200
	// 401
}

// exampleTB lets the examples drive the Link UI with linkdtest's helpers, which take a
// testing.TB: a failure ends the example with log.Fatal. (Examples have no *testing.T.)
type exampleTB struct{ testing.TB }

func (exampleTB) Helper()                   {}
func (exampleTB) Fatal(args ...any)         { log.Fatal(args...) }
func (exampleTB) Fatalf(f string, a ...any) { log.Fatalf(f, a...) }

// After the user deposited through Link, the backend confirms the transfer by its own
// transaction id instead of trusting the browser's onTransferFinished.
func ExampleClient_Transfers() {
	linkd, stop := startLinkd()
	defer stop()
	ctx := context.Background()
	c := meshapi.NewClient(linkd.URL, linkd.Client.ID, linkd.Client.Secret)
	ethereum := networkID(ctx, c, "Ethereum")
	tok, err := c.CreateLinkToken(ctx, &meshapi.LinkTokenRequest{
		UserID: "user-1234",
		TransferOptions: &meshapi.TransferOptions{
			ToAddresses:   []meshapi.ToAddress{{NetworkID: ethereum, Symbol: "USDC", Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}},
			AmountInFiat:  25,
			TransactionID: "order-17",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The user's side, as the Link UI's script does it: open the link, sign in to the
	// sandbox, send the deposit.
	t := exampleTB{}
	session := linkd.Open(t, tok.LinkToken)
	session.Transfer(t, session.ConnectSandbox(t), ethereum, "USDC")

	page, err := c.Transfers(ctx, &meshapi.TransferQuery{ClientTransactionID: "order-17"})
	if err != nil {
		log.Fatal(err)
	}
	tr := page.Items[0]
	fmt.Println(page.Total, tr.Status, tr.Symbol, tr.NetworkName, tr.AmountInFiat, tr.UserID)
	// Output:
	// 1 pending USDC Ethereum 25 user-1234
}
