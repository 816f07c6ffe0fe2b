// Package catalog is linkd's embedded, immutable list of integrations
// (brokerages, exchanges, wallets) and crypto networks.
//
// The data lives in data/integrations.json and data/networks.json, compiled
// into the binary, so every linkd instance serves the same catalog without a
// database table to keep in sync. Ids are stable forever: clients store them
// and send them back as integrationId and toAddresses[].networkId. Where Mesh's
// own ids are publicly known (all networks, and a few integrations such as
// Coinbase and MetaMask) the catalog uses those, so that client code written
// against Mesh with hard-coded ids works against linkd unchanged; the other ids
// are uuid v5 values generated once and frozen in the JSON.
//
// A Catalog has an internal view (Integration, Network: every field, including
// linkd-only ones such as Auth, Regions and Hidden) and a wire view
// (IntegrationModel, NetworkModel) that is JSON-compatible with the types of
// @meshconnect/node-api.
package catalog

import (
	"bytes"
	_ "embed"
	"slices"
	"strings"
)

//go:embed data/integrations.json
var integrationsJSON []byte

//go:embed data/networks.json
var networksJSON []byte

// Auth methods an integration's connect screen uses. They are linkd-internal:
// the Mesh wire model has no such field.
const (
	// AuthCredentials means the user types a username and password into Link.
	AuthCredentials = "credentials"
	// AuthOAuth means Link redirects the user to the institution to approve access.
	AuthOAuth = "oauth"
	// AuthAPIKey means the user pastes an API key and secret made at the institution.
	AuthAPIKey = "apiKey"
	// AuthWallet means the user connects a self-custody wallet (or gives an address).
	AuthWallet = "wallet"
)

// Catalog is the immutable, embedded list of integrations and networks. Every
// method is safe for concurrent use; returned values are copies, so callers
// may modify them without affecting the catalog or other callers.
type Catalog struct {
	integrations []Integration
	byID         map[string]int // lower-case id → index into integrations
	byType       map[string]int // type → index of the generic (provider-less) entry
	networks     []Network
	networkByID  map[string]int // lower-case id → index into networks
	logos        map[string][]byte
}

// Integration is linkd's internal view of one integration: the Mesh wire
// fields plus linkd-only ones (Auth, APIKeySupported, Hidden, Deprecated,
// Regions, ExcludedRegions, colors) that drive the Link UI and the link-token
// validator.
type Integration struct {
	ID   string // uuid, lower case
	Name string // display name, e.g. "Coinbase", "Kraken (API key)"
	Type string // a node-api BrokerType value, e.g. "coinbase", "deFiWallet"
	// DeFiWalletProviderID names the wallet of a deFiWallet integration
	// (e.g. "metaMask"); empty for every other integration and for the
	// generic deFiWallet entry.
	DeFiWalletProviderID string
	Categories           []string // node-api FinancialInstitutionIntegrationType values
	Auth                 string   // one of the Auth* constants
	// APIKeySupported reports that the integration accepts exchange API keys,
	// so Link offers to generate one for the user (the link token's
	// disableApiKeyGeneration hides that offer). Always true when Auth is
	// AuthAPIKey.
	APIKeySupported          bool
	CryptoTransfersSupported bool
	// Hidden keeps the integration off the Link UI's catalog screen while it
	// stays a valid type and id (address/wallet targets, defunct institutions).
	Hidden bool
	// Deprecated marks a defunct institution (e.g. Coinbase Pro, Bittrex,
	// TD Ameritrade); a deprecated integration is always Hidden.
	Deprecated bool
	// Regions, if non-empty, lists the ISO 3166-1 alpha-2 codes of the only
	// jurisdictions where the integration is offered.
	Regions []string
	// ExcludedRegions lists ISO 3166-1 alpha-2 codes where it is not offered.
	ExcludedRegions []string
	Color           string // brand color, "#RRGGBB", light theme
	DarkColor       string // color for the dark theme, "#RRGGBB"
	Initials        string // 1–2 letters of the generated monogram logo
	// ForgotPasswordLink is the institution's password-reset page; empty when
	// unknown (served as null).
	ForgotPasswordLink string
	// Slug is the base name of the generated logo files: "<Slug>.svg",
	// "<Slug>-dark.svg", "<Slug>-white.svg", "<Slug>-black.svg".
	Slug string
}

// AvailableIn reports whether the integration may be offered to a client
// configured for jurisdiction, an ISO 3166-1 alpha-2 code ("US") or a
// subdivision code ("US-NY", judged by its country). An empty jurisdiction
// means no restriction is configured, so everything is available.
func (in Integration) AvailableIn(jurisdiction string) bool {
	j := strings.ToUpper(strings.TrimSpace(jurisdiction))
	if j == "" {
		return true
	}
	if country, _, ok := strings.Cut(j, "-"); ok {
		j = country
	}
	if len(in.Regions) > 0 && !slices.Contains(in.Regions, j) {
		return false
	}
	return !slices.Contains(in.ExcludedRegions, j)
}

func (in Integration) clone() Integration {
	in.Categories = slices.Clone(in.Categories)
	in.Regions = slices.Clone(in.Regions)
	in.ExcludedRegions = slices.Clone(in.ExcludedRegions)
	return in
}

// Network is linkd's internal view of one crypto network.
type Network struct {
	ID   string // uuid, lower case; Mesh's id for the same network
	Name string // Mesh's wire name, e.g. "Ethereum", "BSC", "AvalancheC", "XRPL"
	// DisplayName is the name shown to end users, e.g. "BNB Smart Chain".
	DisplayName string
	// ChainID is the chain id as Mesh reports it (EVM chain id; "101" for
	// Solana, "0" for Bitcoin); empty when there is none (served as null).
	ChainID      string
	NativeSymbol string
	NetworkType  string // a node-api NetworkType value, e.g. "evm", "ripple"
	Color        string // "#RRGGBB"
	DarkColor    string // "#RRGGBB"
	// Tokens are the transferable tokens, native token first.
	Tokens []Token
	// SupportedBrokerTypes are the integration types that can send over the
	// network, in catalog display order.
	SupportedBrokerTypes []string
	// Slug is the logo base name: "network-<Slug>.svg", "network-<Slug>-dark.svg".
	Slug string
}

// Token is one token transferable on a network.
type Token struct {
	Symbol string // canonical symbol, e.g. "USDC", "cbBTC"
	Name   string // e.g. "USD Coin"
	// ContractAddress is the token contract (EVM, Tron), mint (Solana) or
	// issuer account (XRPL, Stellar); empty for the native token.
	ContractAddress string
}

// TokenBySymbol finds a token of the network. Symbols match
// case-insensitively (a client may send "usdc" or "CBBTC"); the returned
// Token carries the canonical spelling.
func (n Network) TokenBySymbol(symbol string) (Token, bool) {
	for _, t := range n.Tokens {
		if strings.EqualFold(t.Symbol, symbol) {
			return t, true
		}
	}
	return Token{}, false
}

// SupportsToken reports whether symbol (case-insensitive) can be transferred
// on the network.
func (n Network) SupportsToken(symbol string) bool {
	_, ok := n.TokenBySymbol(symbol)
	return ok
}

// CanonicalSymbol returns the catalog's spelling of symbol on the network
// ("cbbtc" → "cbBTC"), so that stored and echoed symbols are consistent.
func (n Network) CanonicalSymbol(symbol string) (string, bool) {
	t, ok := n.TokenBySymbol(symbol)
	return t.Symbol, ok
}

func (n Network) clone() Network {
	n.Tokens = slices.Clone(n.Tokens)
	n.SupportedBrokerTypes = slices.Clone(n.SupportedBrokerTypes)
	return n
}

// Load parses and validates the embedded catalog and renders its logos. It
// fails only if the embedded data is inconsistent (a build defect the tests
// catch), so callers normally use MustLoad once at start-up and share the
// Catalog.
func Load() (*Catalog, error) {
	return parse(integrationsJSON, networksJSON)
}

// MustLoad is Load for program start-up, where an invalid embedded catalog
// can only be a build defect: it panics instead of returning the error.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic("catalog: " + err.Error())
	}
	return c
}

// Integrations returns every integration in display order, hidden ones
// included (callers that render the catalog screen skip Hidden).
func (c *Catalog) Integrations() []Integration {
	out := make([]Integration, len(c.integrations))
	for i, in := range c.integrations {
		out[i] = in.clone()
	}
	return out
}

// IntegrationByID finds an integration by its uuid, compared
// case-insensitively because uuids are case-insensitive by definition.
func (c *Catalog) IntegrationByID(id string) (Integration, bool) {
	i, ok := c.byID[strings.ToLower(id)]
	if !ok {
		return Integration{}, false
	}
	return c.integrations[i].clone(), true
}

// IntegrationByType finds the integration of a BrokerType value, matched
// exactly (Mesh's types are case-sensitive camelCase). For "deFiWallet" it
// returns the generic wallet entry, not one of the specific wallets.
func (c *Catalog) IntegrationByType(brokerType string) (Integration, bool) {
	i, ok := c.byType[brokerType]
	if !ok {
		return Integration{}, false
	}
	return c.integrations[i].clone(), true
}

// IsBrokerType reports whether s is one of node-api's BrokerType values. The
// catalog has an integration for every value (the tests hold it to the
// node-api list), so this is a lookup in the catalog.
func (c *Catalog) IsBrokerType(s string) bool {
	_, ok := c.byType[s]
	return ok
}

// Networks returns every network in display order.
func (c *Catalog) Networks() []Network {
	out := make([]Network, len(c.networks))
	for i, n := range c.networks {
		out[i] = n.clone()
	}
	return out
}

// NetworkByID finds a network by its uuid, compared case-insensitively.
func (c *Catalog) NetworkByID(id string) (Network, bool) {
	i, ok := c.networkByID[strings.ToLower(id)]
	if !ok {
		return Network{}, false
	}
	return c.networks[i].clone(), true
}

// NetworkRef is NetworkByID without the copy, for hot paths that only read: the
// returned network is shared and must not be modified.
func (c *Catalog) NetworkRef(id string) (*Network, bool) {
	i, ok := c.networkByID[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	return &c.networks[i], true
}

// TokenName is the name of a token symbol ("USDC" → "USD Coin"), from the first network
// that has it; the symbol itself if no network does.
func (c *Catalog) TokenName(symbol string) string {
	for _, n := range c.networks {
		if t, ok := n.TokenBySymbol(symbol); ok && t.Name != "" {
			return t.Name
		}
	}
	return symbol
}

// LogoSVG returns a generated logo by file name: "<slug>.svg" and its
// "-dark", "-white", "-black" variants for integrations,
// "network-<slug>[-dark].svg" for networks and "token-<symbol>[-dark].svg"
// (lower-case symbol) for tokens. The HTTP layer serves these under
// LogoPathPrefix; unknown names report false.
func (c *Catalog) LogoSVG(name string) ([]byte, bool) {
	b, ok := c.logos[name]
	if !ok {
		return nil, false
	}
	return bytes.Clone(b), true
}
