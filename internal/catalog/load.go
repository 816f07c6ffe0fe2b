package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The JSON shapes of data/*.json. Decoding rejects unknown fields so that a
// misspelt key in the data fails the build's tests instead of being ignored.
type rawIntegration struct {
	ID                       string   `json:"id"`
	Type                     string   `json:"type"`
	DeFiWalletProviderID     string   `json:"deFiWalletProviderId"`
	Name                     string   `json:"name"`
	Categories               []string `json:"categories"`
	Auth                     string   `json:"auth"`
	APIKeySupported          bool     `json:"apiKeySupported"`
	CryptoTransfersSupported bool     `json:"cryptoTransfersSupported"`
	Hidden                   bool     `json:"hidden"`
	Deprecated               bool     `json:"deprecated"`
	Regions                  []string `json:"regions"`
	ExcludedRegions          []string `json:"excludedRegions"`
	Color                    string   `json:"color"`
	DarkColor                string   `json:"darkColor"` // optional: derived from color
	Initials                 string   `json:"initials"`  // optional: derived from name
	ForgotPasswordLink       string   `json:"forgotPasswordLink"`
}

type rawTokenInfo struct {
	Symbol string `json:"symbol"`
	Name   string `json:"name"`
	Color  string `json:"color"`
}

type rawNetworkToken struct {
	Symbol          string `json:"symbol"`
	ContractAddress string `json:"contractAddress"`
}

type rawNetwork struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	DisplayName          string            `json:"displayName"`
	ChainID              string            `json:"chainId"`
	NativeSymbol         string            `json:"nativeSymbol"`
	NetworkType          string            `json:"networkType"`
	Color                string            `json:"color"`
	Tokens               []rawNetworkToken `json:"tokens"`
	SupportedBrokerTypes []string          `json:"supportedBrokerTypes"`
}

// Enumerations of @meshconnect/node-api that the data must stay within.
var (
	// FinancialInstitutionIntegrationType.
	knownCategories = []string{"brokerage", "bank", "exchange", "wallet", "address", "nftMarketplace", "deFiWallet"}
	// NetworkType.
	knownNetworkTypes = []string{"unknown", "evm", "solana", "bitcoin", "cardano", "tron", "avalancheX", "tezos",
		"dogecoin", "ripple", "stellar", "litecoin", "sui", "aptos", "tvm", "injective"}
	knownAuth = []string{AuthCredentials, AuthOAuth, AuthAPIKey, AuthWallet}
)

var (
	camelCaseRE  = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	colorRE      = regexp.MustCompile(`^#[0-9A-F]{6}$`)
	regionRE     = regexp.MustCompile(`^[A-Z]{2}$`)
	symbolRE     = regexp.MustCompile(`^[A-Za-z0-9]{1,10}$`)
	decimalRE    = regexp.MustCompile(`^[0-9]+$`)
	evmAddressRE = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
)

// parse builds a Catalog from the two data files and validates it, reporting
// every problem found rather than the first.
func parse(integrationsData, networksData []byte) (*Catalog, error) {
	var ints struct {
		Integrations []rawIntegration `json:"integrations"`
	}
	if err := decodeStrict(integrationsData, &ints); err != nil {
		return nil, fmt.Errorf("integrations.json: %w", err)
	}
	var nets struct {
		Tokens   []rawTokenInfo `json:"tokens"`
		Networks []rawNetwork   `json:"networks"`
	}
	if err := decodeStrict(networksData, &nets); err != nil {
		return nil, fmt.Errorf("networks.json: %w", err)
	}

	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	c := &Catalog{
		byID:        make(map[string]int),
		byType:      make(map[string]int),
		networkByID: make(map[string]int),
		logos:       make(map[string][]byte),
	}
	ids := make(map[string]string) // every uuid of the catalog → what it names
	claimID := func(id, what string) {
		if u, err := uuid.Parse(id); err != nil || u.String() != id {
			fail("%s: id %q is not a lower-case canonical uuid", what, id)
			return
		}
		if prev, dup := ids[id]; dup {
			fail("%s: id %s already used by %s", what, id, prev)
			return
		}
		ids[id] = what
	}
	addLogo := func(name string, svg []byte) {
		if _, dup := c.logos[name]; dup {
			fail("logo file name %q generated twice", name)
		}
		c.logos[name] = svg
	}

	if len(ints.Integrations) == 0 {
		fail("integrations.json: no integrations")
	}
	for _, r := range ints.Integrations {
		what := "integration " + r.Type
		if r.DeFiWalletProviderID != "" {
			what += "/" + r.DeFiWalletProviderID
		}
		claimID(r.ID, what)
		if !camelCaseRE.MatchString(r.Type) {
			fail("%s: type %q is not a camelCase BrokerType", what, r.Type)
		}
		if strings.TrimSpace(r.Name) == "" {
			fail("%s: empty name", what)
		}
		if r.DeFiWalletProviderID != "" {
			if r.Type != "deFiWallet" {
				fail("%s: deFiWalletProviderId is only for type deFiWallet", what)
			}
			if !camelCaseRE.MatchString(r.DeFiWalletProviderID) {
				fail("%s: deFiWalletProviderId %q is not camelCase", what, r.DeFiWalletProviderID)
			}
		} else if _, dup := c.byType[r.Type]; dup {
			fail("%s: type listed twice (only deFiWallet entries with a provider id may repeat a type)", what)
		} else {
			c.byType[r.Type] = len(c.integrations)
		}
		checkEnumList(fail, what, "category", r.Categories, knownCategories)
		if !slices.Contains(knownAuth, r.Auth) {
			fail("%s: auth %q is not one of %v", what, r.Auth, knownAuth)
		}
		if r.Auth == AuthAPIKey && !r.APIKeySupported {
			fail("%s: auth apiKey requires apiKeySupported", what)
		}
		if r.Deprecated && !r.Hidden {
			fail("%s: a deprecated integration must be hidden", what)
		}
		checkRegions(fail, what, "regions", r.Regions)
		checkRegions(fail, what, "excludedRegions", r.ExcludedRegions)
		for _, reg := range r.Regions {
			if slices.Contains(r.ExcludedRegions, reg) {
				fail("%s: %s is both in regions and excludedRegions", what, reg)
			}
		}
		if r.ForgotPasswordLink != "" && !strings.HasPrefix(r.ForgotPasswordLink, "https://") {
			fail("%s: forgotPasswordLink must be an https URL", what)
		}
		color, dark := checkColors(fail, what, r.Color, r.DarkColor)
		initials := r.Initials
		if initials == "" {
			initials = deriveInitials(r.Name)
		}
		if n := utf8.RuneCountInString(initials); n < 1 || n > 2 {
			fail("%s: initials %q must be 1 or 2 letters", what, initials)
		}
		slug := strings.ToLower(r.Type)
		if r.DeFiWalletProviderID != "" {
			slug = strings.ToLower(r.DeFiWalletProviderID)
		}
		in := Integration{
			ID:                       r.ID,
			Name:                     r.Name,
			Type:                     r.Type,
			DeFiWalletProviderID:     r.DeFiWalletProviderID,
			Categories:               r.Categories,
			Auth:                     r.Auth,
			APIKeySupported:          r.APIKeySupported,
			CryptoTransfersSupported: r.CryptoTransfersSupported,
			Hidden:                   r.Hidden,
			Deprecated:               r.Deprecated,
			Regions:                  r.Regions,
			ExcludedRegions:          r.ExcludedRegions,
			Color:                    color,
			DarkColor:                dark,
			Initials:                 initials,
			ForgotPasswordLink:       r.ForgotPasswordLink,
			Slug:                     slug,
		}
		c.byID[in.ID] = len(c.integrations)
		c.integrations = append(c.integrations, in)
		m := monogram{title: in.Name, text: in.Initials}
		for _, v := range integrationVariants {
			addLogo(slug+v.suffix()+".svg", m.svg(v, in.Color, in.DarkColor))
		}
	}

	tokens := make(map[string]rawTokenInfo) // upper-case symbol → info
	usedTokens := make(map[string]bool)
	for _, t := range nets.Tokens {
		what := "token " + t.Symbol
		if !symbolRE.MatchString(t.Symbol) {
			fail("%s: symbol must be 1–10 ASCII letters or digits", what)
			continue
		}
		key := strings.ToUpper(t.Symbol)
		if _, dup := tokens[key]; dup {
			fail("%s: listed twice (symbols compare case-insensitively)", what)
			continue
		}
		if strings.TrimSpace(t.Name) == "" {
			fail("%s: empty name", what)
		}
		color, dark := checkColors(fail, what, t.Color, "")
		tokens[key] = t
		m := monogram{title: t.Name, text: t.Symbol, round: true}
		for _, v := range basicVariants {
			addLogo("token-"+strings.ToLower(t.Symbol)+v.suffix()+".svg", m.svg(v, color, dark))
		}
	}

	if len(nets.Networks) == 0 {
		fail("networks.json: no networks")
	}
	names := make(map[string]bool)
	for _, r := range nets.Networks {
		what := "network " + r.Name
		claimID(r.ID, what)
		if r.Name == "" || strings.TrimSpace(r.Name) != r.Name {
			fail("%s: bad name", what)
		}
		if names[strings.ToLower(r.Name)] {
			fail("%s: name listed twice", what)
		}
		names[strings.ToLower(r.Name)] = true
		if r.DisplayName == "" {
			r.DisplayName = r.Name
		}
		if !slices.Contains(knownNetworkTypes, r.NetworkType) {
			fail("%s: networkType %q is not a node-api NetworkType", what, r.NetworkType)
		}
		if r.ChainID != "" && !decimalRE.MatchString(r.ChainID) {
			fail("%s: chainId %q is not decimal", what, r.ChainID)
		}
		if r.NetworkType == "evm" && r.ChainID == "" {
			fail("%s: an EVM network needs its chainId", what)
		}
		color, dark := checkColors(fail, what, r.Color, "")
		n := Network{
			ID:           r.ID,
			Name:         r.Name,
			DisplayName:  r.DisplayName,
			ChainID:      r.ChainID,
			NativeSymbol: r.NativeSymbol,
			NetworkType:  r.NetworkType,
			Color:        color,
			DarkColor:    dark,
			Slug:         slugify(r.Name),
		}
		if len(r.Tokens) == 0 {
			fail("%s: no tokens", what)
		}
		seen := make(map[string]bool)
		for i, rt := range r.Tokens {
			key := strings.ToUpper(rt.Symbol)
			info, known := tokens[key]
			if !known {
				fail("%s: token %q is not in the tokens list", what, rt.Symbol)
				continue
			}
			if info.Symbol != rt.Symbol {
				fail("%s: token %q must be spelt %q", what, rt.Symbol, info.Symbol)
			}
			if seen[key] {
				fail("%s: token %s listed twice", what, rt.Symbol)
			}
			seen[key] = true
			usedTokens[key] = true
			isNative := rt.Symbol == r.NativeSymbol
			switch {
			case isNative && i != 0:
				fail("%s: native token %s must come first", what, rt.Symbol)
			case isNative && rt.ContractAddress != "":
				fail("%s: native token %s has no contract address", what, rt.Symbol)
			case r.NetworkType == "evm" && rt.ContractAddress != "" && !evmAddressRE.MatchString(rt.ContractAddress):
				fail("%s: token %s: contract address %q is not an EVM address", what, rt.Symbol, rt.ContractAddress)
			case strings.TrimSpace(rt.ContractAddress) != rt.ContractAddress:
				fail("%s: token %s: contract address has spaces", what, rt.Symbol)
			}
			n.Tokens = append(n.Tokens, Token{Symbol: info.Symbol, Name: info.Name, ContractAddress: rt.ContractAddress})
		}
		if !seen[strings.ToUpper(r.NativeSymbol)] {
			fail("%s: nativeSymbol %q is not among its tokens", what, r.NativeSymbol)
		}
		bt := make(map[string]bool)
		for _, t := range r.SupportedBrokerTypes {
			i, ok := c.byType[t]
			switch {
			case !ok:
				fail("%s: supportedBrokerTypes: %q is not an integration type", what, t)
			case bt[t]:
				fail("%s: supportedBrokerTypes: %q listed twice", what, t)
			case !c.integrations[i].CryptoTransfersSupported:
				fail("%s: supportedBrokerTypes: %q does not support crypto transfers", what, t)
			case c.integrations[i].Deprecated:
				fail("%s: supportedBrokerTypes: %q is deprecated", what, t)
			}
			bt[t] = true
		}
		n.SupportedBrokerTypes = r.SupportedBrokerTypes
		c.networkByID[n.ID] = len(c.networks)
		c.networks = append(c.networks, n)
		m := monogram{title: n.DisplayName, text: deriveInitials(n.Name)}
		for _, v := range basicVariants {
			addLogo("network-"+n.Slug+v.suffix()+".svg", m.svg(v, n.Color, n.DarkColor))
		}
	}
	for _, t := range nets.Tokens {
		if _, known := tokens[strings.ToUpper(t.Symbol)]; known && !usedTokens[strings.ToUpper(t.Symbol)] {
			fail("token %s: not used by any network", t.Symbol)
		}
	}

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func checkEnumList(fail func(string, ...any), what, field string, values, known []string) {
	if len(values) == 0 {
		fail("%s: no %s", what, field)
	}
	for i, v := range values {
		if !slices.Contains(known, v) {
			fail("%s: %s %q is not one of %v", what, field, v, known)
		}
		if slices.Contains(values[:i], v) {
			fail("%s: %s %q listed twice", what, field, v)
		}
	}
}

func checkRegions(fail func(string, ...any), what, field string, regions []string) {
	for i, r := range regions {
		if !regionRE.MatchString(r) {
			fail("%s: %s: %q is not an upper-case ISO 3166-1 alpha-2 code", what, field, r)
		}
		if slices.Contains(regions[:i], r) {
			fail("%s: %s: %s listed twice", what, field, r)
		}
	}
}

// checkColors validates a brand color and an optional dark-theme color and
// returns both, deriving the dark one when it is not given.
func checkColors(fail func(string, ...any), what, color, dark string) (string, string) {
	if !colorRE.MatchString(color) {
		fail("%s: color %q is not #RRGGBB (upper case)", what, color)
		return "#000000", "#FFFFFF"
	}
	if dark == "" {
		return color, darkVariant(color)
	}
	if !colorRE.MatchString(dark) {
		fail("%s: darkColor %q is not #RRGGBB (upper case)", what, dark)
		return color, darkVariant(color)
	}
	return color, dark
}

// deriveInitials makes the 1–2 letter monogram of a display name: the first
// letter of its first two words, ignoring a parenthesised qualifier, so
// "Interactive Brokers" → "IB", "Kraken (API key)" → "K", "bitFlyer" → "B".
func deriveInitials(name string) string {
	if i := strings.Index(name, "("); i > 0 {
		name = name[:i]
	}
	var out []rune
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// slugify turns a network name into its logo slug: lower case, with runs of
// other characters than letters and digits collapsed to '-'.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
