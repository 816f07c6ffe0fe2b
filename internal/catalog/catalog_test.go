package catalog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/catalog -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); if the change is intended run go test ./internal/catalog -update:\n%s", path, diff)
	}
}

// brokerTypes reads node-api's BrokerType union from testdata/brokertypes.txt.
func brokerTypes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "brokertypes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("brokertypes.txt has only %d types", len(out))
	}
	return out
}

func TestMustLoad(t *testing.T) {
	if MustLoad() == nil {
		t.Fatal("MustLoad returned nil")
	}
}

func TestEveryBrokerTypeHasOneIntegration(t *testing.T) {
	c := mustLoad(t)
	types := brokerTypes(t)
	if !slices.Contains(types, "sandbox") {
		t.Error("node-api's BrokerType list lacks sandbox; the catalog must still have it")
	}
	generic := make(map[string]int)
	for _, in := range c.Integrations() {
		if in.DeFiWalletProviderID == "" {
			generic[in.Type]++
		}
		if !slices.Contains(types, in.Type) {
			t.Errorf("integration %q has type %q, which is not a node-api BrokerType", in.Name, in.Type)
		}
	}
	for _, bt := range types {
		if generic[bt] != 1 {
			t.Errorf("BrokerType %q: %d generic integrations, want exactly 1", bt, generic[bt])
		}
		if !c.IsBrokerType(bt) {
			t.Errorf("IsBrokerType(%q) = false", bt)
		}
	}
	for _, s := range []string{"", "Coinbase", "COINBASE", "DeFiWallet", "binance", "metaMask", " coinbase"} {
		if c.IsBrokerType(s) {
			t.Errorf("IsBrokerType(%q) = true, want false", s)
		}
	}
}

func TestDeFiWallets(t *testing.T) {
	c := mustLoad(t)
	var providers []string
	for _, in := range c.Integrations() {
		if in.Type == "deFiWallet" && in.DeFiWalletProviderID != "" {
			providers = append(providers, in.DeFiWalletProviderID)
			if in.Auth != AuthWallet || !slices.Equal(in.Categories, []string{"deFiWallet"}) {
				t.Errorf("%s: auth %q categories %v, want wallet [deFiWallet]", in.Name, in.Auth, in.Categories)
			}
		}
	}
	want := []string{"metaMask", "phantom", "trustWallet", "coinbaseWallet", "rainbow", "exodus"}
	if diff := cmp.Diff(want, providers); diff != "" {
		t.Errorf("deFiWallet providers (-want +got):\n%s", diff)
	}
}

func TestIDs(t *testing.T) {
	c := mustLoad(t)
	seen := make(map[string]string)
	var lines []string
	check := func(what, id string) {
		u, err := uuid.Parse(id)
		if err != nil || u.String() != id {
			t.Errorf("%s: id %q is not a canonical lower-case uuid", what, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s: id %s already used by %s", what, id, prev)
		}
		seen[id] = what
		lines = append(lines, what+" "+id)
	}
	for _, in := range c.Integrations() {
		what := "integration " + in.Type
		if in.DeFiWalletProviderID != "" {
			what += "/" + in.DeFiWalletProviderID
		}
		check(what, in.ID)
	}
	for _, n := range c.Networks() {
		check("network "+n.Name, n.ID)
	}
	sort.Strings(lines)
	// Ids are promises to clients: this golden file may gain lines, never change one.
	golden(t, "ids.golden", []byte(strings.Join(lines, "\n")+"\n"))
}

func TestMeshIDsKept(t *testing.T) {
	// Ids Mesh publishes in its documentation; clients hard-code them.
	c := mustLoad(t)
	for _, tc := range []struct{ name, id string }{
		{"Ethereum", "e3c7fdd8-b1fc-4e51-85ae-bb276e075611"},
		{"Polygon", "7436e9d0-ba42-4d2b-b4c0-8e4e606b2c12"},
		{"Solana", "0291810a-5947-424d-9a59-e88bb33e999d"},
	} {
		n, ok := c.NetworkByID(tc.id)
		if !ok || n.Name != tc.name {
			t.Errorf("NetworkByID(%s) = %q, %v; want %s", tc.id, n.Name, ok, tc.name)
		}
	}
	if in, ok := c.IntegrationByID("47624467-e52e-4938-a41a-7926b6c27acf"); !ok || in.Type != "coinbase" {
		t.Errorf("Mesh's Coinbase id: got %q, %v", in.Type, ok)
	}
	if in, ok := c.IntegrationByID("34aeb688-decb-485f-9d80-b66466783394"); !ok || in.DeFiWalletProviderID != "metaMask" {
		t.Errorf("Mesh's MetaMask id: got %q, %v", in.DeFiWalletProviderID, ok)
	}
}

func TestSpecNetworks(t *testing.T) {
	// docs/design.md §4: the networks the catalog must cover.
	c := mustLoad(t)
	byName := make(map[string]Network)
	for _, n := range c.Networks() {
		byName[n.Name] = n
	}
	tests := []struct {
		name, chainID, native, networkType string
	}{
		{"Ethereum", "1", "ETH", "evm"},
		{"Polygon", "137", "POL", "evm"},
		{"Base", "8453", "ETH", "evm"},
		{"Arbitrum", "42161", "ETH", "evm"},
		{"Optimism", "10", "ETH", "evm"},
		{"BSC", "56", "BNB", "evm"},
		{"AvalancheC", "43114", "AVAX", "evm"},
		{"Solana", "101", "SOL", "solana"},
		{"Bitcoin", "0", "BTC", "bitcoin"},
		{"Litecoin", "", "LTC", "litecoin"},
		{"Dogecoin", "", "DOGE", "dogecoin"},
		{"Tron", "111", "TRX", "tron"},
		{"XRPL", "", "XRP", "ripple"},
		{"Stellar", "", "XLM", "stellar"},
		{"Cardano", "", "ADA", "cardano"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := byName[tc.name]
			if !ok {
				t.Fatalf("network %s missing", tc.name)
			}
			if n.ChainID != tc.chainID || n.NativeSymbol != tc.native || n.NetworkType != tc.networkType {
				t.Errorf("got chainId %q native %q type %q; want %q %q %q",
					n.ChainID, n.NativeSymbol, n.NetworkType, tc.chainID, tc.native, tc.networkType)
			}
			if !slices.Contains(knownNetworkTypes, n.NetworkType) {
				t.Errorf("networkType %q is not a node-api NetworkType", n.NetworkType)
			}
			if n.Tokens[0].Symbol != n.NativeSymbol {
				t.Errorf("first token %s, want the native %s", n.Tokens[0].Symbol, n.NativeSymbol)
			}
		})
	}
}

func TestNetworkData(t *testing.T) {
	c := mustLoad(t)
	onSomeNetwork := make(map[string]bool)
	for _, n := range c.Networks() {
		seen := make(map[string]bool)
		for _, tok := range n.Tokens {
			if seen[strings.ToUpper(tok.Symbol)] {
				t.Errorf("%s: token %s listed twice", n.Name, tok.Symbol)
			}
			seen[strings.ToUpper(tok.Symbol)] = true
		}
		for _, bt := range n.SupportedBrokerTypes {
			if !c.IsBrokerType(bt) {
				t.Errorf("%s: supportedBrokerTypes has %q, not a BrokerType", n.Name, bt)
			}
			onSomeNetwork[bt] = true
		}
		if !slices.Contains(n.SupportedBrokerTypes, "sandbox") {
			t.Errorf("%s: sandbox must support every network", n.Name)
		}
	}
	for _, in := range c.Integrations() {
		supported := onSomeNetwork[in.Type]
		switch {
		case in.CryptoTransfersSupported && !in.Hidden && !supported:
			t.Errorf("%s supports crypto transfers but no network lists %s", in.Name, in.Type)
		case !in.CryptoTransfersSupported && supported:
			t.Errorf("%s does not support crypto transfers but a network lists %s", in.Name, in.Type)
		}
	}
}

func TestContractAddresses(t *testing.T) {
	// Addresses must be real ones: each is checked against its format's
	// checksum where it has one (EVM addresses were checked against EIP-55
	// when added; here their mixed case at least shows they are checksummed).
	c := mustLoad(t)
	mixedCase := regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	for _, n := range c.Networks() {
		for _, tok := range n.Tokens {
			a := tok.ContractAddress
			if a == "" {
				continue
			}
			var err error
			switch n.NetworkType {
			case "evm":
				hex := strings.TrimPrefix(a, "0x")
				if !mixedCase.MatchString(a) || (strings.ToLower(hex) == hex && strings.Trim(hex, "0123456789") != "") {
					err = fmt.Errorf("not a checksummed EVM address")
				}
			case "solana":
				var b []byte
				if b, err = base58Decode(a, bitcoinAlphabet); err == nil && len(b) != 32 {
					err = fmt.Errorf("decodes to %d bytes, want 32", len(b))
				}
			case "tron":
				err = checkBase58Check(a, bitcoinAlphabet, 0x41)
			case "ripple":
				err = checkBase58Check(a, rippleAlphabet, 0x00)
			case "stellar":
				err = checkStellarAccount(a)
			default:
				err = fmt.Errorf("no contract addresses expected on %s", n.NetworkType)
			}
			if err != nil {
				t.Errorf("%s %s: %s: %v", n.Name, tok.Symbol, a, err)
			}
		}
	}
}

const (
	bitcoinAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	rippleAlphabet  = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
)

func base58Decode(s, alphabet string) ([]byte, error) {
	n := new(big.Int)
	for _, r := range s {
		i := strings.IndexRune(alphabet, r)
		if i < 0 {
			return nil, fmt.Errorf("bad base58 character %q", r)
		}
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(i)))
	}
	zeros := len(s) - len(strings.TrimLeft(s, alphabet[:1]))
	return append(make([]byte, zeros), n.Bytes()...), nil
}

func checkBase58Check(s, alphabet string, version byte) error {
	b, err := base58Decode(s, alphabet)
	if err != nil {
		return err
	}
	if len(b) != 25 || b[0] != version {
		return fmt.Errorf("want 25 bytes with version %#x, got %d bytes", version, len(b))
	}
	h1 := sha256.Sum256(b[:21])
	h2 := sha256.Sum256(h1[:])
	if !bytes.Equal(h2[:4], b[21:]) {
		return fmt.Errorf("bad checksum")
	}
	return nil
}

// checkStellarAccount validates a StrKey account id ("G…"): base32 of a
// version byte, a 32-byte key and a CRC16-XModem checksum.
func checkStellarAccount(s string) error {
	b, err := base32.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b) != 35 || b[0] != 6<<3 {
		return fmt.Errorf("not an account id")
	}
	var crc uint16
	for _, x := range b[:33] {
		crc ^= uint16(x) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	if b[33] != byte(crc) || b[34] != byte(crc>>8) {
		return fmt.Errorf("bad checksum")
	}
	return nil
}

func TestIntegrationLookups(t *testing.T) {
	c := mustLoad(t)
	const coinbaseID = "47624467-e52e-4938-a41a-7926b6c27acf"
	tests := []struct {
		name     string
		lookup   func() (Integration, bool)
		wantOK   bool
		wantType string
		wantProv string
	}{
		{"by id", func() (Integration, bool) { return c.IntegrationByID(coinbaseID) }, true, "coinbase", ""},
		{"by upper-case id", func() (Integration, bool) { return c.IntegrationByID(strings.ToUpper(coinbaseID)) }, true, "coinbase", ""},
		{"by unknown id", func() (Integration, bool) { return c.IntegrationByID("00000000-0000-0000-0000-000000000000") }, false, "", ""},
		{"by malformed id", func() (Integration, bool) { return c.IntegrationByID("coinbase") }, false, "", ""},
		{"by empty id", func() (Integration, bool) { return c.IntegrationByID("") }, false, "", ""},
		{"by type", func() (Integration, bool) { return c.IntegrationByType("krakenDirect") }, true, "krakenDirect", ""},
		{"by sandbox type", func() (Integration, bool) { return c.IntegrationByType("sandbox") }, true, "sandbox", ""},
		{"deFiWallet type gives the generic wallet", func() (Integration, bool) { return c.IntegrationByType("deFiWallet") }, true, "deFiWallet", ""},
		{"type is case-sensitive", func() (Integration, bool) { return c.IntegrationByType("Coinbase") }, false, "", ""},
		{"by unknown type", func() (Integration, bool) { return c.IntegrationByType("nope") }, false, "", ""},
		{"wallet by Mesh id", func() (Integration, bool) { return c.IntegrationByID("34aeb688-decb-485f-9d80-b66466783394") }, true, "deFiWallet", "metaMask"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, ok := tc.lookup()
			if ok != tc.wantOK || in.Type != tc.wantType || in.DeFiWalletProviderID != tc.wantProv {
				t.Errorf("got (%q/%q, %v), want (%q/%q, %v)", in.Type, in.DeFiWalletProviderID, ok, tc.wantType, tc.wantProv, tc.wantOK)
			}
		})
	}
}

func TestIntegrationData(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		brokerType               string
		name                     string
		categories               []string
		cryptoTransfersSupported bool
		apiKeySupported          bool
		hidden                   bool
	}{
		{"sandbox", "Sandbox", []string{"brokerage", "exchange"}, true, true, false},
		{"coinbase", "Coinbase", []string{"exchange"}, true, false, false},
		{"binanceUs", "Binance.US", []string{"exchange"}, true, false, false},
		{"interactiveBrokers", "Interactive Brokers", []string{"brokerage"}, false, false, false},
		{"krakenDirect", "Kraken (API key)", []string{"exchange"}, true, true, false},
		{"eTrade", "E*TRADE", []string{"brokerage"}, false, false, false},
		{"vanguard", "Vanguard", []string{"brokerage"}, false, false, false},
		{"coinbasePro", "Coinbase Pro", []string{"exchange"}, true, true, true},
		{"bittrex", "Bittrex", []string{"exchange"}, true, true, true},
		{"tdAmeritrade", "TD Ameritrade", []string{"brokerage"}, false, false, true},
		{"cryptocurrencyAddress", "Crypto Address", []string{"address"}, true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.brokerType, func(t *testing.T) {
			in, ok := c.IntegrationByType(tc.brokerType)
			if !ok {
				t.Fatal("missing")
			}
			got := []any{in.Name, in.Categories, in.CryptoTransfersSupported, in.APIKeySupported, in.Hidden}
			want := []any{tc.name, tc.categories, tc.cryptoTransfersSupported, tc.apiKeySupported, tc.hidden}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("name, categories, crypto, apiKey, hidden (-want +got):\n%s", diff)
			}
		})
	}
	for _, in := range c.Integrations() {
		if in.Type == "sandbox" && in.ForgotPasswordLink != "" {
			t.Error("sandbox has a forgotPasswordLink")
		}
		if strings.HasSuffix(in.Type, "Direct") && in.Type != "bybitDirectMobile" && !in.APIKeySupported {
			t.Errorf("%s: direct integrations accept API keys", in.Type)
		}
	}
}

func TestAvailableIn(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		brokerType   string
		jurisdiction string
		want         bool
	}{
		{"binanceUs", "US", true},
		{"binanceUs", "DE", false},
		{"binanceUs", "us", true},
		{"binanceUs", "US-NY", true},
		{"binanceUs", "", true},
		{"binanceInternational", "US", false},
		{"binanceInternational", "US-CA", false},
		{"binanceInternational", "FR", true},
		{"binanceInternationalDirect", "CA", false},
		{"binanceInternational", "", true},
		{"robinhood", "GB", false},
		{"paribuDirect", "TR", true},
		{"paribuDirect", "US", false},
		{"bitsoDirect", "MX", true},
		{"bybit", "US", false},
		{"kuCoin", "DE", true},
		{"coinbase", "DE", true},
		{"sandbox", "US", true},
		{"sandbox", "KP", true},
		{"sandbox", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.brokerType+"/"+tc.jurisdiction, func(t *testing.T) {
			in, ok := c.IntegrationByType(tc.brokerType)
			if !ok {
				t.Fatalf("no integration %s", tc.brokerType)
			}
			if got := in.AvailableIn(tc.jurisdiction); got != tc.want {
				t.Errorf("AvailableIn(%q) = %v, want %v", tc.jurisdiction, got, tc.want)
			}
		})
	}
}

func TestNetworkLookups(t *testing.T) {
	c := mustLoad(t)
	const baseID = "aa883b03-120d-477c-a588-37c2afd3ca71"
	base, ok := c.NetworkByID(strings.ToUpper(baseID))
	if !ok || base.Name != "Base" {
		t.Fatalf("NetworkByID(upper-case Base id) = %q, %v", base.Name, ok)
	}
	if _, ok := c.NetworkByID("47624467-e52e-4938-a41a-7926b6c27acf"); ok {
		t.Error("an integration id found a network")
	}
	btc, _ := c.NetworkByID("03dee5da-7398-428f-9ec2-ab41bcb271da")
	tests := []struct {
		name      string
		network   Network
		symbol    string
		wantOK    bool
		canonical string
	}{
		{"exact", base, "USDC", true, "USDC"},
		{"lower case", base, "usdc", true, "USDC"},
		{"mixed-case symbol", base, "CBBTC", true, "cbBTC"},
		{"native", base, "eth", true, "ETH"},
		{"not on network", base, "USDT", false, ""},
		{"not on bitcoin", btc, "ETH", false, ""},
		{"empty", btc, "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.network.SupportsToken(tc.symbol); got != tc.wantOK {
				t.Errorf("SupportsToken(%q) = %v, want %v", tc.symbol, got, tc.wantOK)
			}
			got, ok := tc.network.CanonicalSymbol(tc.symbol)
			if got != tc.canonical || ok != tc.wantOK {
				t.Errorf("CanonicalSymbol(%q) = %q, %v; want %q, %v", tc.symbol, got, ok, tc.canonical, tc.wantOK)
			}
		})
	}
}

func TestReturnedValuesAreCopies(t *testing.T) {
	c := mustLoad(t)
	in, _ := c.IntegrationByType("binanceUs")
	in.Categories[0] = "bank"
	in.Regions[0] = "DE"
	c.Integrations()[0].Categories[0] = "bank"
	n := c.Networks()[0]
	n.Tokens[0].Symbol = "XXX"
	n.SupportedBrokerTypes[0] = "nope"

	again, _ := c.IntegrationByType("binanceUs")
	if again.Categories[0] != "exchange" || again.Regions[0] != "US" {
		t.Errorf("catalog changed through a returned Integration: %v %v", again.Categories, again.Regions)
	}
	if c.Integrations()[0].Categories[0] == "bank" {
		t.Error("catalog changed through Integrations()")
	}
	if n2 := c.Networks()[0]; n2.Tokens[0].Symbol == "XXX" || n2.SupportedBrokerTypes[0] == "nope" {
		t.Error("catalog changed through Networks()")
	}
}

func TestParseRejectsBadData(t *testing.T) {
	ints, nets := string(integrationsJSON), string(networksJSON)
	const coinbaseID = `"id": "47624467-e52e-4938-a41a-7926b6c27acf"`
	const ethereum = `"chainId": "1",`
	tests := []struct {
		name       string
		ints, nets string
		wantErr    string
	}{
		{"unknown field", strings.Replace(ints, `"name": "Coinbase"`, `"nmae": "Coinbase"`, 1), nets, `unknown field "nmae"`},
		{"duplicate id", strings.Replace(ints, `"id": "9226e5c2-ebc3-4fdd-94f6-ed52cdce1420"`, coinbaseID, 1), nets, "already used by integration coinbase"},
		{"upper-case id", strings.Replace(ints, coinbaseID, strings.ToUpper(coinbaseID), 1), nets, "not a lower-case canonical uuid"},
		{"duplicate type", strings.Replace(ints, `"type": "kraken"`, `"type": "coinbase"`, 1), nets, "type listed twice"},
		{"unknown category", strings.Replace(ints, `"categories": ["exchange"]`, `"categories": ["casino"]`, 1), nets, `category "casino"`},
		{"unknown auth", strings.Replace(ints, `"auth": "oauth"`, `"auth": "magic"`, 1), nets, `auth "magic"`},
		{"bad color", strings.Replace(ints, `"#0052FF"`, `"blue"`, 1), nets, `color "blue"`},
		{"bad region", strings.Replace(ints, `"regions": ["US"]`, `"regions": ["USA"]`, 1), nets, `"USA" is not`},
		{"unknown network type", ints, strings.Replace(nets, `"networkType": "cardano"`, `"networkType": "ada"`, 1), `networkType "ada"`},
		{"native not a token", ints, strings.Replace(nets, `"nativeSymbol": "ADA"`, `"nativeSymbol": "XYZ"`, 1), `nativeSymbol "XYZ"`},
		{"evm without chain id", ints, strings.Replace(nets, ethereum, "", 1), "needs its chainId"},
		{"unknown broker type", ints, strings.Replace(nets, `"supportedBrokerTypes": ["sandbox"`, `"supportedBrokerTypes": ["sandbox", "nope"`, 1), `"nope" is not an integration type`},
		{"non-crypto broker type", ints, strings.Replace(nets, `"supportedBrokerTypes": ["sandbox"`, `"supportedBrokerTypes": ["sandbox", "vanguard"`, 1), "does not support crypto transfers"},
		{"bad EVM address", ints, strings.Replace(nets, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0xA0b8", 1), "not an EVM address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ints == ints && tc.nets == nets {
				t.Fatal("the replacement did not apply; fix the test")
			}
			_, err := parse([]byte(tc.ints), []byte(tc.nets))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parse error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestDeriveInitials(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Coinbase", "C"},
		{"Interactive Brokers", "IB"},
		{"Kraken (API key)", "K"},
		{"Binance.US", "B"},
		{"bitFlyer", "B"},
		{"Trust Wallet", "TW"},
		{"A B C", "AB"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := deriveInitials(tc.name); got != tc.want {
				t.Errorf("deriveInitials(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
