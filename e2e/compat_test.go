package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// compatResult is the JSON line node/compat.mjs prints.
type compatResult struct {
	OK       bool     `json:"ok"`
	Failures []string `json:"failures"`
	Results  struct {
		Integrations struct {
			Count     int      `json:"count"`
			Types     []string `json:"types"`
			SandboxID string   `json:"sandboxId"`
			LogoURL   string   `json:"logoUrl"`
		} `json:"integrations"`
		Networks struct {
			Count int      `json:"count"`
			Names []string `json:"names"`
			Types []string `json:"types"`
		} `json:"networks"`
		Plain struct {
			LinkToken   string  `json:"linkToken"`
			PaymentLink *string `json:"paymentLink"`
		} `json:"plain"`
		Transfer struct {
			LinkToken   string          `json:"linkToken"`
			PaymentLink *string         `json:"paymentLink"`
			Request     json.RawMessage `json:"request"`
		} `json:"transfer"`
		SDKURL      string `json:"sdkUrl"`
		BadRequests []struct {
			Name       string `json:"name"`
			HTTPStatus int    `json:"httpStatus"`
			ErrorType  string `json:"errorType"`
			Message    string `json:"message"`
		} `json:"badRequests"`
		WrongCredentials []struct {
			Name       string `json:"name"`
			HTTPStatus int    `json:"httpStatus"`
			ErrorType  string `json:"errorType"`
		} `json:"wrongCredentials"`
	} `json:"results"`
}

// runNode runs `node script` in e2e/ with env added, and returns stdout, stderr and the
// exit status.
func runNode(t *testing.T, node, script string, env ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("node", script))
	cmd.Dir = e2eDir
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, &out, &errOut)
		}
		code = ee.ExitCode()
	}
	return out.String(), errOut.String(), code
}

// TestCompatNodeAPI drives linkd with Mesh's official Node client, @meshconnect/node-api
// 2.0.28: link tokens (plain, and with every transfer option), the integration catalog,
// the networks, a bad request and wrong credentials, each answer checked by the script
// against the package's own type definitions. The Go side then checks what the script
// reports and opens the issued tokens as the Link UI would.
func TestCompatNodeAPI(t *testing.T) {
	t.Parallel()
	node := ensureNodeModules(t)
	p := startLinkd(t)
	c := p.createClient(t, "Compat Co")

	stdout, stderr, code := runNode(t, node, "compat.mjs",
		"LINKD_URL="+p.URL, "LINKD_CLIENT_ID="+c.ID, "LINKD_CLIENT_SECRET="+c.Secret)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var res compatResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("compat.mjs (exit %d) did not print a JSON result line: %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	if code != 0 || !res.OK || len(res.Failures) > 0 {
		t.Fatalf("compat.mjs: exit %d, %d failed check(s):\n  %s\nstderr:\n%s",
			code, len(res.Failures), strings.Join(res.Failures, "\n  "), stderr)
	}
	r := res.Results

	t.Run("catalog", func(t *testing.T) {
		if !slices.Contains(r.Integrations.Types, "sandbox") || r.Integrations.SandboxID == "" {
			t.Errorf("integrations: no sandbox entry among %d types %v", r.Integrations.Count, r.Integrations.Types)
		}
		if !strings.HasPrefix(r.Integrations.LogoURL, p.PublicURL()+"/") {
			t.Errorf("integrations: logo URL %q is not on linkd's public URL %s", r.Integrations.LogoURL, p.PublicURL())
		}
		for _, want := range []string{"evm", "solana", "bitcoin", "litecoin", "dogecoin", "tron", "ripple", "stellar", "cardano"} {
			if !slices.Contains(r.Networks.Types, want) {
				t.Errorf("networks: no network of type %s in %v", want, r.Networks.Types)
			}
		}
		if r.Networks.Count < 15 {
			t.Errorf("networks: %d, docs/design.md §4 lists 15: %v", r.Networks.Count, r.Networks.Names)
		}
	})

	t.Run("errors", func(t *testing.T) {
		if len(r.BadRequests) != 4 {
			t.Errorf("bad requests reported: %d, want 4: %+v", len(r.BadRequests), r.BadRequests)
		}
		for _, b := range r.BadRequests {
			t.Logf("bad request %q: %d %s: %s", b.Name, b.HTTPStatus, b.ErrorType, b.Message)
		}
		if len(r.WrongCredentials) != 2 {
			t.Errorf("wrong-credential calls reported: %d, want 2: %+v", len(r.WrongCredentials), r.WrongCredentials)
		}
	})

	t.Run("plain token opens the Link UI", func(t *testing.T) {
		tok := decodeToken(t, r.Plain.LinkToken)
		checkPageURL(t, tok, p.PublicURL(), "/link/", c.ID)
		if r.Plain.PaymentLink != nil {
			t.Errorf("paymentLink = %q, want null", *r.Plain.PaymentLink)
		}
		// The SDK's own appendQueryParam, run by the script: the parameters land in the
		// fragment, the URL keeps no query, and the code is still first in the fragment.
		u, err := url.Parse(r.SDKURL)
		if err != nil {
			t.Fatal(err)
		}
		if u.RawQuery != "" || u.Path != tok.URL.Path {
			t.Errorf("SDK URL %q: query %q, path %q: want no query and path %q", r.SDKURL, u.RawQuery, u.Path, tok.URL.Path)
		}
		if want := "c=" + tok.Code + "?lng=en&fiatCur=USD&th=dark&rt=embedded"; u.Fragment != want {
			t.Errorf("SDK URL fragment = %q, want %q", u.Fragment, want)
		}
		resp := p.redeem(t, c.ID, "link", tok.Code)
		var info sessionInfo
		decodeContent(t, resp, &info)
		if info.Client.Name != "Compat Co" || !slices.Equal(info.Client.Origins, []string{"https://app.example"}) {
			t.Errorf("session client = %+v, want name Compat Co and origins [https://app.example]", info.Client)
		}
	})

	t.Run("transfer token keeps its options", func(t *testing.T) {
		tok := decodeToken(t, r.Transfer.LinkToken)
		checkPageURL(t, tok, p.PublicURL(), "/link/", c.ID)
		if r.Transfer.PaymentLink == nil {
			t.Fatal("paymentLink = null, want a URL (generatePayLink: true)")
		}
		pay := parsePageURL(t, *r.Transfer.PaymentLink)
		checkPageURL(t, pay, p.PublicURL(), "/pay/", c.ID)
		if pay.Code == tok.Code {
			t.Errorf("paymentLink carries the link token's own code")
		}

		var req struct {
			IntegrationID   string `json:"integrationId"`
			TransferOptions struct {
				ToAddresses []struct {
					NetworkID, Symbol, Address string
				} `json:"toAddresses"`
				TransactionID string `json:"transactionId"`
			} `json:"transferOptions"`
		}
		if err := json.Unmarshal(r.Transfer.Request, &req); err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct{ kind, code string }{{"link", tok.Code}, {"pay", pay.Code}} {
			var info struct {
				Kind    string `json:"kind"`
				Options struct {
					UserID                   string `json:"userId"`
					IntegrationID            string `json:"integrationId"`
					RestrictMultipleAccounts bool   `json:"restrictMultipleAccounts"`
					DisableAPIKeyGeneration  bool   `json:"disableApiKeyGeneration"`
					TransferOptions          *struct {
						ToAddresses []struct {
							NetworkID, Symbol, Address string
						} `json:"toAddresses"`
						TransactionID   string `json:"transactionId"`
						GeneratePayLink bool   `json:"generatePayLink"`
					} `json:"transferOptions"`
				} `json:"options"`
			}
			decodeContent(t, p.redeem(t, c.ID, k.kind, k.code), &info)
			o := info.Options
			if info.Kind != k.kind || o.UserID != "e2e-user-full" || o.IntegrationID != req.IntegrationID ||
				!o.RestrictMultipleAccounts || !o.DisableAPIKeyGeneration || o.TransferOptions == nil {
				t.Fatalf("%s session: kind %q, options %+v: want the request's options", k.kind, info.Kind, o)
			}
			got, want := o.TransferOptions, req.TransferOptions
			if len(got.ToAddresses) != 1 || got.ToAddresses[0] != want.ToAddresses[0] ||
				got.TransactionID != want.TransactionID || !got.GeneratePayLink {
				t.Errorf("%s session transferOptions = %+v, want %+v", k.kind, *got, want)
			}
		}
	})
}

// checkPageURL checks a Link UI or payment page URL: absolute, on exactly the public base
// URL, path <base path><kindPath><clientID>, no query, the code alone in the fragment,
// and at least 256 bits of base64url.
func checkPageURL(t testing.TB, tok tokenURL, publicURL, kindPath, clientID string) {
	t.Helper()
	base, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	u := tok.URL
	if !u.IsAbs() || u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
		t.Errorf("%q: not an absolute URL on %s", tok.Raw, publicURL)
	}
	if want := strings.TrimRight(base.Path, "/") + kindPath + clientID; u.Path != want || u.EscapedPath() != want {
		t.Errorf("%q: path %q, want %q", tok.Raw, u.EscapedPath(), want)
	}
	if strings.Contains(tok.Raw, "?") || u.RawQuery != "" || u.ForceQuery {
		t.Errorf("%q has a query string: the code and the SDK's parameters must stay in the fragment", tok.Raw)
	}
	if tok.ClientID != clientID {
		t.Errorf("%q: client id %q, want %q", tok.Raw, tok.ClientID, clientID)
	}
	if !isCode(tok.Code) {
		t.Errorf("%q: code %q is not ≥ 43 characters of unpadded base64url (≥ 256 bits)", tok.Raw, tok.Code)
	}
	if strings.Contains(u.RequestURI(), tok.Code) {
		t.Errorf("%q: the code would be sent to the server in %q", tok.Raw, u.RequestURI())
	}
}

// isCode reports whether s is at least 43 characters of unpadded base64url: 256 bits.
func isCode(s string) bool {
	if len(s) < 43 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
