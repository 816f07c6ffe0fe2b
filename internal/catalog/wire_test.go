package catalog

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testBaseURL = "http://localhost:8080"

func testAddressPattern(networkType string) string { return "^pattern-for-" + networkType + "$" }

func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestWireGolden(t *testing.T) {
	c := mustLoad(t)
	golden(t, "integrations.golden.json", indentJSON(t, c.IntegrationsJSON(testBaseURL)))
	golden(t, "networks.golden.json", indentJSON(t, c.NetworksJSON(testBaseURL, testAddressPattern)))
}

func TestWireValuesAreFresh(t *testing.T) {
	c := mustLoad(t)
	ints := c.IntegrationsJSON(testBaseURL)
	ints.Items[0].Categories[0] = "bank"
	nets := c.NetworksJSON(testBaseURL, nil)
	nets.Networks[0].SupportedBrokerTypes[0] = "nope"
	nets.Networks[0].Tokens[0].Symbol = "XXX"
	if c.Integrations()[0].Categories[0] == "bank" || c.IntegrationsJSON(testBaseURL).Items[0].Categories[0] == "bank" {
		t.Error("catalog changed through IntegrationsJSON")
	}
	n := c.NetworksJSON(testBaseURL, nil).Networks[0]
	if n.SupportedBrokerTypes[0] == "nope" || n.Tokens[0].Symbol == "XXX" || c.Networks()[0].SupportedBrokerTypes[0] == "nope" {
		t.Error("catalog changed through NetworksJSON")
	}
}

func TestLogoURL(t *testing.T) {
	tests := []struct{ baseURL, want string }{
		{"http://localhost:8080", "http://localhost:8080/static/logos/coinbase.svg"},
		{"http://localhost:8080/", "http://localhost:8080/static/logos/coinbase.svg"},
		{"https://ex.com/linkd", "https://ex.com/linkd/static/logos/coinbase.svg"},
		{"https://ex.com/linkd/", "https://ex.com/linkd/static/logos/coinbase.svg"},
		{"", "/static/logos/coinbase.svg"},
	}
	for _, tc := range tests {
		t.Run(tc.baseURL, func(t *testing.T) {
			if got := LogoURL(tc.baseURL, "coinbase.svg"); got != tc.want {
				t.Errorf("LogoURL = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWireShape decodes the encoded JSON generically to check what a
// JavaScript client sees: node-api's field names, and null where it allows.
func TestWireShape(t *testing.T) {
	c := mustLoad(t)
	var ints struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(indentJSON(t, c.IntegrationsJSON(testBaseURL)), &ints); err != nil {
		t.Fatal(err)
	}
	if len(ints.Items) != len(c.Integrations()) {
		t.Fatalf("%d items, want %d", len(ints.Items), len(c.Integrations()))
	}
	// Field names of node-api's IntegrationModel, IntegrationStyle and IntegrationLogo.
	modelKeys := []string{"categories", "cryptoTransfersSupported", "deFiWalletProviderId", "forgotPasswordLink", "id", "logo", "name", "style", "type"}
	styleKeys := []string{"buttonHoverDark", "buttonHoverLight", "buttonPrimaryDark", "buttonPrimaryLight", "buttonTextDark",
		"buttonTextHoverDark", "buttonTextHoverLight", "buttonTextLight", "fieldActiveDark", "fieldActiveLight"}
	logoKeys := []string{"base64Logo", "iconBlackUrl", "iconColorUrl", "iconDarkUrl", "iconLightUrl", "iconWhiteUrl",
		"logoBlackUrl", "logoColorUrl", "logoDarkUrl", "logoLightUrl", "logoWhiteUrl"}
	byType := make(map[string]map[string]any)
	for _, it := range ints.Items {
		if diff := cmp.Diff(modelKeys, sortedKeys(it)); diff != "" {
			t.Fatalf("IntegrationModel keys (-want +got):\n%s", diff)
		}
		style := it["style"].(map[string]any)
		if diff := cmp.Diff(styleKeys, sortedKeys(style)); diff != "" {
			t.Fatalf("IntegrationStyle keys (-want +got):\n%s", diff)
		}
		for k, v := range style {
			if s, _ := v.(string); len(s) != 6 || strings.Trim(s, "0123456789ABCDEF") != "" {
				t.Errorf("%s style.%s = %v, want RRGGBB", it["type"], k, v)
			}
		}
		logo := it["logo"].(map[string]any)
		if diff := cmp.Diff(logoKeys, sortedKeys(logo)); diff != "" {
			t.Fatalf("IntegrationLogo keys (-want +got):\n%s", diff)
		}
		for k, v := range logo {
			if k == "base64Logo" {
				if v != nil {
					t.Errorf("base64Logo = %v, want null", v)
				}
				continue
			}
			file, ok := strings.CutPrefix(v.(string), testBaseURL+LogoPathPrefix)
			if !ok {
				t.Errorf("%s logo.%s = %v, not under %s", it["type"], k, v, testBaseURL+LogoPathPrefix)
			} else if _, ok := c.LogoSVG(file); !ok {
				t.Errorf("%s logo.%s = %v: no such logo", it["type"], k, v)
			}
		}
		if it["deFiWalletProviderId"] == nil {
			byType[it["type"].(string)] = it
		}
	}
	coinbase := byType["coinbase"]
	want := map[string]any{"id": "47624467-e52e-4938-a41a-7926b6c27acf", "name": "Coinbase", "type": "coinbase",
		"deFiWalletProviderId": nil, "forgotPasswordLink": nil, "cryptoTransfersSupported": true}
	for k, v := range want {
		if coinbase[k] != v {
			t.Errorf("coinbase %s = %#v, want %#v", k, coinbase[k], v)
		}
	}
	if s := coinbase["style"].(map[string]any); s["buttonPrimaryLight"] != "0052FF" || s["buttonTextLight"] != "FFFFFF" {
		t.Errorf("coinbase style = %v", s)
	}

	var nets struct {
		Networks []map[string]any `json:"networks"`
	}
	if err := json.Unmarshal(indentJSON(t, c.NetworksJSON(testBaseURL, testAddressPattern)), &nets); err != nil {
		t.Fatal(err)
	}
	// NetworkResponseWithIntegrations's fields, plus linkd's addressPattern.
	networkKeys := []string{"addressPattern", "chainId", "id", "logoUrl", "name", "nativeSymbol", "networkType",
		"supportedBrokerTypes", "supportedTokens", "tokens"}
	byName := make(map[string]map[string]any)
	for _, n := range nets.Networks {
		if diff := cmp.Diff(networkKeys, sortedKeys(n)); diff != "" {
			t.Fatalf("network keys (-want +got):\n%s", diff)
		}
		if want := "^pattern-for-" + n["networkType"].(string) + "$"; n["addressPattern"] != want {
			t.Errorf("%s addressPattern = %v, want %s", n["name"], n["addressPattern"], want)
		}
		if file, ok := strings.CutPrefix(n["logoUrl"].(string), testBaseURL+LogoPathPrefix); !ok || !logoExists(c, file) {
			t.Errorf("%s logoUrl = %v: no such logo", n["name"], n["logoUrl"])
		}
		for _, tok := range n["tokens"].([]any) {
			tok := tok.(map[string]any)
			if file, ok := strings.CutPrefix(tok["logoUrl"].(string), testBaseURL+LogoPathPrefix); !ok || !logoExists(c, file) {
				t.Errorf("%s token %s logoUrl = %v: no such logo", n["name"], tok["symbol"], tok["logoUrl"])
			}
		}
		byName[n["name"].(string)] = n
	}
	if got := byName["Cardano"]["chainId"]; got != nil {
		t.Errorf("Cardano chainId = %#v, want null", got)
	}
	if got := byName["Ethereum"]["chainId"]; got != "1" {
		t.Errorf("Ethereum chainId = %#v, want \"1\"", got)
	}
	eth := byName["Ethereum"]["tokens"].([]any)
	if _, has := eth[0].(map[string]any)["contractAddress"]; has {
		t.Error("native ETH has a contractAddress")
	}
	if got := eth[1].(map[string]any); got["symbol"] != "USDC" || got["contractAddress"] != "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" {
		t.Errorf("Ethereum second token = %v", got)
	}
	if got := c.NetworksJSON(testBaseURL, nil).Networks[0].AddressPattern; got != "" {
		t.Errorf("nil addressPattern func gave %q", got)
	}
}

func logoExists(c *Catalog, file string) bool {
	_, ok := c.LogoSVG(file)
	return ok
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
