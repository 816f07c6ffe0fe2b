package meshapi

// The types below carry the JSON names of @meshconnect/node-api 2.0.28 (api.d.ts), the
// names Mesh's API and linkd use on the wire. In requests, a zero value means "not sent"
// wherever zero is not a value the field can meaningfully take (an empty userId, an
// amount of 0); where it is (clientFee 0 is "no fee", which is not the default), the
// field is a pointer.

// LinkTokenRequest is the body of POST /api/v1/linktoken: node-api's
// GetLinkTokenRequest. UserID is required; everything else is optional.
type LinkTokenRequest struct {
	// UserID identifies the end user in the client's own system: an opaque id, not an
	// e-mail address or phone number.
	UserID string `json:"userId"`
	// BrokerType opens Link on one integration type (deprecated by Mesh in favour of
	// IntegrationID).
	BrokerType string `json:"brokerType,omitempty"`
	// RestrictMultipleAccounts hides "Link another account" on the last screen.
	RestrictMultipleAccounts bool `json:"restrictMultipleAccounts,omitempty"`
	// TransferOptions makes the session go on to a transfer once an account is connected.
	TransferOptions *TransferOptions `json:"transferOptions,omitempty"`
	// IntegrationID opens Link on one integration of Integrations.
	IntegrationID string `json:"integrationId,omitempty"`
	// DisableAPIKeyGeneration hides "Connect with an API key instead".
	DisableAPIKeyGeneration bool `json:"disableApiKeyGeneration,omitempty"`
	// VerifyWalletOptions makes the session verify a self-custody wallet.
	VerifyWalletOptions *VerifyWalletOptions `json:"verifyWalletOptions,omitempty"`
	// SubClientID shows one of the client's sub-clients in Link.
	SubClientID string `json:"subClientId,omitempty"`
}

// TransferOptions is node-api's LinkTokenTransferOptions.
type TransferOptions struct {
	// ToAddresses are the destinations the user may send to, one per network and token.
	ToAddresses []ToAddress `json:"toAddresses,omitempty"`
	// AmountInFiat fixes the amount in USD; 0 lets the user choose.
	AmountInFiat float64 `json:"amountInFiat,omitempty"`
	// TransactionID is the client's id of the transfer, reported back as
	// clientTransactionId.
	TransactionID string `json:"transactionId,omitempty"`
	// ClientFee is the client's fee as a ratio (0.025 is 2.5%); nil leaves the default.
	ClientFee *float64 `json:"clientFee,omitempty"`
	// TransferType is one of the TransferType… constants.
	TransferType string `json:"transferType,omitempty"`
	// FundingOptions lets the user's buying power make up for a balance that is short.
	FundingOptions *FundingOptions `json:"fundingOptions,omitempty"`
	// IsInclusiveFeeEnabled takes the fees out of the amount instead of adding them.
	IsInclusiveFeeEnabled bool `json:"isInclusiveFeeEnabled,omitempty"`
	// Description of the transaction (Binance Pay).
	Description string `json:"description,omitempty"`
	// GoodsDetails are the order lines (Binance Pay).
	GoodsDetails []GoodsDetails `json:"goodsDetails,omitempty"`
	// GeneratePayLink asks for a PaymentLink as well as the link token.
	GeneratePayLink bool `json:"generatePayLink,omitempty"`
}

// Transfer types (TransferOptions.TransferType): node-api's TransferTypeEnum.
const (
	TransferTypeDeposit     = "deposit"
	TransferTypePayment     = "payment"
	TransferTypeOnramp      = "onramp"
	TransferTypeFiatOnRamp  = "fiatOnRamp"
	TransferTypeFiatOffRamp = "fiatOffRamp"
)

// ToAddress is a destination of a transfer: node-api's TransferToAddressWithAmount.
type ToAddress struct {
	// NetworkID is the id of a network of Networks.
	NetworkID string `json:"networkId"`
	// Symbol is a token of that network.
	Symbol string `json:"symbol"`
	// Address is the destination, in the network's format.
	Address string `json:"address"`
	// AddressTag is the XRP destination tag or Stellar memo.
	AddressTag string `json:"addressTag,omitempty"`
	// Amount fixes the amount of the token; 0 leaves it to AmountInFiat or the user.
	Amount float64 `json:"amount,omitempty"`
	// DisplayAmountInFiat is the fiat amount to show, if close to the real one.
	DisplayAmountInFiat float64 `json:"displayAmountInFiat,omitempty"`
}

// FundingOptions is node-api's TransferCryptocurrencyFundingOptions.
type FundingOptions struct {
	Enabled bool `json:"enabled"`
}

// GoodsDetails is one order line (Binance Pay): node-api's GoodsDetails.
type GoodsDetails struct {
	// GoodsType is "01" (tangible) or "02" (virtual).
	GoodsType        string `json:"goodsType,omitempty"`
	GoodsCategory    string `json:"goodsCategory,omitempty"`
	ReferenceGoodsID string `json:"referenceGoodsId,omitempty"`
	GoodsName        string `json:"goodsName,omitempty"`
	GoodsDetail      string `json:"goodsDetail,omitempty"`
}

// VerifyWalletOptions asks Link to verify a self-custody wallet: node-api's
// VerifyWalletOptions.
type VerifyWalletOptions struct {
	// Message is what the wallet signs (required with the signedMessage method, the
	// default).
	Message string `json:"message,omitempty"`
	// VerificationMethods: "signedMessage" (the default and only one).
	VerificationMethods []string `json:"verificationMethods,omitempty"`
	// Addresses the user may verify; any when empty.
	Addresses []string `json:"addresses,omitempty"`
	// NetworkID or NetworkType restricts the network (checked with Addresses).
	NetworkID   string `json:"networkId,omitempty"`
	NetworkType string `json:"networkType,omitempty"`
}

// LinkToken is the answer to CreateLinkToken: node-api's LinkTokenModel.
type LinkToken struct {
	// LinkToken is what the page passes to the web SDK's openLink.
	LinkToken string `json:"linkToken"`
	// PaymentLink is a full-page payment URL, when GeneratePayLink asked for one ("" if
	// not).
	PaymentLink string `json:"paymentLink"`
}

// Integration is an institution or wallet Link can connect: node-api's IntegrationModel.
type Integration struct {
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	Type                     string            `json:"type"` // the brokerType
	DeFiWalletProviderID     string            `json:"deFiWalletProviderId"`
	Categories               []string          `json:"categories"`
	Style                    *IntegrationStyle `json:"style"`
	Logo                     *IntegrationLogo  `json:"logo"`
	ForgotPasswordLink       string            `json:"forgotPasswordLink"`
	CryptoTransfersSupported bool              `json:"cryptoTransfersSupported"`
}

// IntegrationStyle is node-api's IntegrationStyle: the colors of an integration's
// screens.
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

// IntegrationLogo is node-api's IntegrationLogo: logo and icon URLs by variant.
type IntegrationLogo struct {
	LogoLightURL string `json:"logoLightUrl"`
	LogoDarkURL  string `json:"logoDarkUrl"`
	LogoWhiteURL string `json:"logoWhiteUrl"`
	LogoBlackURL string `json:"logoBlackUrl"`
	LogoColorURL string `json:"logoColorUrl"`
	IconLightURL string `json:"iconLightUrl"`
	IconDarkURL  string `json:"iconDarkUrl"`
	IconWhiteURL string `json:"iconWhiteUrl"`
	IconBlackURL string `json:"iconBlackUrl"`
	IconColorURL string `json:"iconColorUrl"`
	Base64Logo   string `json:"base64Logo"`
}

// Network is a network transfers can use: node-api's NetworkResponseWithIntegrations,
// with addressPattern and the tokens' contractAddress, which Mesh documents and linkd
// serves.
type Network struct {
	// ID is what ToAddress.NetworkID names.
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ChainID              string         `json:"chainId"`
	LogoURL              string         `json:"logoUrl"`
	SupportedTokens      []string       `json:"supportedTokens"`
	NativeSymbol         string         `json:"nativeSymbol"`
	NetworkType          string         `json:"networkType"`
	Tokens               []NetworkToken `json:"tokens"`
	SupportedBrokerTypes []string       `json:"supportedBrokerTypes"`
	// AddressPattern is a regular expression an address of the network matches (a first
	// check; the server checks checksums too).
	AddressPattern string `json:"addressPattern"`
}

// NetworkToken is node-api's NetworkResponseToken, with contractAddress ("" for the
// network's native token).
type NetworkToken struct {
	Symbol          string `json:"symbol"`
	LogoURL         string `json:"logoUrl"`
	ContractAddress string `json:"contractAddress"`
}
