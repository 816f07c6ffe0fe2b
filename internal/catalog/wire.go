package catalog

import "strings"

// The wire models below are JSON-compatible with @meshconnect/node-api 2.0.28:
// same field names and nesting, and null where node-api's type allows
// `| null` and linkd has nothing. Style colors are "RRGGBB" without '#', as
// Mesh serves them.

// IntegrationModel is node-api's IntegrationModel.
type IntegrationModel struct {
	ID                       string           `json:"id"`
	Name                     string           `json:"name"`
	Type                     string           `json:"type"`
	DeFiWalletProviderID     *string          `json:"deFiWalletProviderId"`
	Categories               []string         `json:"categories"`
	Style                    IntegrationStyle `json:"style"`
	Logo                     IntegrationLogo  `json:"logo"`
	ForgotPasswordLink       *string          `json:"forgotPasswordLink"`
	CryptoTransfersSupported bool             `json:"cryptoTransfersSupported"`
}

// IntegrationStyle is node-api's IntegrationStyle: the colors Link uses for
// the integration's screens, light and dark theme.
type IntegrationStyle struct {
	FieldActiveLight     string `json:"fieldActiveLight"`
	ButtonPrimaryLight   string `json:"buttonPrimaryLight"`
	ButtonHoverLight     string `json:"buttonHoverLight"`
	ButtonTextLight      string `json:"buttonTextLight"`
	ButtonTextHoverLight string `json:"buttonTextHoverLight"`
	FieldActiveDark      string `json:"fieldActiveDark"`
	ButtonPrimaryDark    string `json:"buttonPrimaryDark"`
	ButtonHoverDark      string `json:"buttonHoverDark"`
	ButtonTextDark       string `json:"buttonTextDark"`
	ButtonTextHoverDark  string `json:"buttonTextHoverDark"`
}

// IntegrationLogo is node-api's IntegrationLogo. linkd has one generated
// monogram per variant, so the "logo" and "icon" URLs of a variant are the
// same file; base64Logo (a PNG in Mesh) is null.
type IntegrationLogo struct {
	LogoLightURL string  `json:"logoLightUrl"`
	LogoDarkURL  string  `json:"logoDarkUrl"`
	LogoWhiteURL string  `json:"logoWhiteUrl"`
	LogoBlackURL string  `json:"logoBlackUrl"`
	LogoColorURL string  `json:"logoColorUrl"`
	IconLightURL string  `json:"iconLightUrl"`
	IconDarkURL  string  `json:"iconDarkUrl"`
	IconWhiteURL string  `json:"iconWhiteUrl"`
	IconBlackURL string  `json:"iconBlackUrl"`
	IconColorURL string  `json:"iconColorUrl"`
	Base64Logo   *string `json:"base64Logo"`
}

// IntegrationsResponse is node-api's IntegrationsResponse, the content of
// GET /api/v1/integrations.
type IntegrationsResponse struct {
	Items []IntegrationModel `json:"items"`
}

// NetworkModel is node-api's NetworkResponseWithIntegrations, plus the
// fields Mesh documents for address validation but node-api 2.0.28 does not
// type yet: addressPattern, and contractAddress on tokens.
type NetworkModel struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	ChainID              *string             `json:"chainId"`
	LogoURL              string              `json:"logoUrl"`
	SupportedTokens      []string            `json:"supportedTokens"`
	NativeSymbol         string              `json:"nativeSymbol"`
	NetworkType          string              `json:"networkType"`
	Tokens               []NetworkTokenModel `json:"tokens"`
	SupportedBrokerTypes []string            `json:"supportedBrokerTypes"`
	AddressPattern       string              `json:"addressPattern"`
}

// NetworkTokenModel is node-api's NetworkResponseToken plus contractAddress
// (omitted for native tokens).
type NetworkTokenModel struct {
	Symbol          string `json:"symbol"`
	LogoURL         string `json:"logoUrl"`
	ContractAddress string `json:"contractAddress,omitempty"`
}

// NetworksResponse is node-api's NetworkModelResponse, the content of
// GET /api/v1/transfers/managed/networks.
type NetworksResponse struct {
	Networks []NetworkModel `json:"networks"`
}

// LogoURL is the absolute URL of a LogoSVG file under baseURL, linkd's public
// base URL, which may carry a path prefix ("https://ex.com/linkd").
func LogoURL(baseURL, file string) string {
	return strings.TrimRight(baseURL, "/") + LogoPathPrefix + file
}

// IntegrationsJSON builds the wire form of every integration (hidden ones
// included: their ids and types stay valid) with logo URLs under baseURL.
// Each call builds a fresh value the caller may modify; the catalog never
// changes, so a server encodes it once at start-up and serves those bytes.
func (c *Catalog) IntegrationsJSON(baseURL string) IntegrationsResponse {
	items := make([]IntegrationModel, len(c.integrations))
	for i, in := range c.integrations {
		items[i] = in.model(baseURL)
	}
	return IntegrationsResponse{Items: items}
}

func (in Integration) model(baseURL string) IntegrationModel {
	url := func(suffix string) string { return LogoURL(baseURL, in.Slug+suffix+".svg") }
	light, dark := url(variantLight.suffix()), url(variantDark.suffix())
	whiteURL, blackURL := url(variantWhite.suffix()), url(variantBlack.suffix())
	return IntegrationModel{
		ID:                   in.ID,
		Name:                 in.Name,
		Type:                 in.Type,
		DeFiWalletProviderID: nullIfEmpty(in.DeFiWalletProviderID),
		Categories:           append([]string(nil), in.Categories...),
		Style:                styleOf(in.Color, in.DarkColor),
		Logo: IntegrationLogo{
			LogoLightURL: light, LogoDarkURL: dark, LogoWhiteURL: whiteURL, LogoBlackURL: blackURL, LogoColorURL: light,
			IconLightURL: light, IconDarkURL: dark, IconWhiteURL: whiteURL, IconBlackURL: blackURL, IconColorURL: light,
		},
		ForgotPasswordLink:       nullIfEmpty(in.ForgotPasswordLink),
		CryptoTransfersSupported: in.CryptoTransfersSupported,
	}
}

func styleOf(color, darkColor string) IntegrationStyle {
	wire := func(c string) string { return strings.TrimPrefix(c, "#") }
	hover, darkHover := hoverColor(color), hoverColor(darkColor)
	return IntegrationStyle{
		FieldActiveLight:     wire(color),
		ButtonPrimaryLight:   wire(color),
		ButtonHoverLight:     wire(hover),
		ButtonTextLight:      wire(textColor(color)),
		ButtonTextHoverLight: wire(textColor(hover)),
		FieldActiveDark:      wire(darkColor),
		ButtonPrimaryDark:    wire(darkColor),
		ButtonHoverDark:      wire(darkHover),
		ButtonTextDark:       wire(textColor(darkColor)),
		ButtonTextHoverDark:  wire(textColor(darkHover)),
	}
}

// NetworksJSON builds the wire form of every network with logo URLs under
// baseURL. addressPattern gives the address regex of a node-api NetworkType
// (owned by the address validator); nil leaves addressPattern empty. Like
// IntegrationsJSON, each call builds a fresh value, meant to be encoded once.
func (c *Catalog) NetworksJSON(baseURL string, addressPattern func(networkType string) string) NetworksResponse {
	out := make([]NetworkModel, len(c.networks))
	for i, n := range c.networks {
		m := NetworkModel{
			ID:                   n.ID,
			Name:                 n.Name,
			ChainID:              nullIfEmpty(n.ChainID),
			LogoURL:              LogoURL(baseURL, "network-"+n.Slug+".svg"),
			SupportedTokens:      make([]string, len(n.Tokens)),
			NativeSymbol:         n.NativeSymbol,
			NetworkType:          n.NetworkType,
			Tokens:               make([]NetworkTokenModel, len(n.Tokens)),
			SupportedBrokerTypes: append([]string(nil), n.SupportedBrokerTypes...),
		}
		for j, t := range n.Tokens {
			m.SupportedTokens[j] = t.Symbol
			m.Tokens[j] = NetworkTokenModel{
				Symbol:          t.Symbol,
				LogoURL:         LogoURL(baseURL, "token-"+strings.ToLower(t.Symbol)+".svg"),
				ContractAddress: t.ContractAddress,
			}
		}
		if addressPattern != nil {
			m.AddressPattern = addressPattern(n.NetworkType)
		}
		out[i] = m
	}
	return NetworksResponse{Networks: out}
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
