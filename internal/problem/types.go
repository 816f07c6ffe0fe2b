package problem

import "net/http"

// The errorTypes linkd answers. Each is declared once, here, with its status, its
// description (the README's table is rendered from these: go test ./internal/problem -run
// README -update) and, where the status's default would say too little, the message an
// end user is shown. Types lists them all in the README's order, and PageTypes the few
// that no HTTP answer carries; TestTypesListed checks that every one declared here is in
// exactly one of them once.
var (
	// Request validation (POST /api/v1/linktoken; the Link UI's API reuses some).
	InvalidJSON = &Type{Name: "invalidJson", Status: http.StatusBadRequest,
		Description: "The body is empty, not valid JSON, not valid UTF-8, not a JSON object, or has data after the object."}
	DuplicateField = &Type{Name: "duplicateField", Status: http.StatusBadRequest,
		Description: "A member appears twice in one JSON object, or a query parameter that takes one value is given twice (the message names it)."}
	InvalidType = &Type{Name: "invalidType", Status: http.StatusBadRequest,
		Description: "A field has the wrong JSON type, e.g. a string where a number is expected; or a query parameter of the transfer list is not an integer, a number or true/false."}
	MissingField = &Type{Name: "missingField", Status: http.StatusBadRequest,
		Description: "A required field is absent, null or empty: userId; networkId, symbol and address of each toAddresses entry; verifyWalletOptions.message when signedMessage is requested; toAddresses when generatePayLink is true; authToken, refreshToken and type of the account endpoints."}
	FieldTooLong = &Type{Name: "fieldTooLong", Status: http.StatusBadRequest,
		Description: "A string is longer than allowed: userId 50 characters, transactionId 128, description 256, verifyWalletOptions.message 1024, goodsDetails strings 256; the UserId (50) and Address (128) of GET /api/v1/wallets/verify, and the UserId (50), ClientTransactionId (128) and Hash (256) of the transfer list; a wallet's announced name (64)."}
	InvalidCharacters = &Type{Name: "invalidCharacters", Status: http.StatusBadRequest,
		Description: "A string holds control characters (userId, transactionId; UserId and Address of GET /api/v1/wallets/verify; the transfer list's UserId, ClientTransactionId and Hash)."}
	UserIDLooksLikePII = &Type{Name: "userIdLooksLikePii", Status: http.StatusBadRequest,
		Description: "userId looks like an e-mail address or a phone number; use an opaque id (a per-client setting relaxes this)."}
	InvalidUUID = &Type{Name: "invalidUuid", Status: http.StatusBadRequest,
		Description: "integrationId, subClientId or a networkId is not a uuid (8-4-4-4-12 hex); so is the transfer list's Id, SubClientId or an IntegrationIds value."}
	InvalidEnumValue = &Type{Name: "invalidEnumValue", Status: http.StatusBadRequest,
		Description: "brokerType, transferType, verificationMethods, networkType or goodsType is not one of its values; so is the transfer list's OrderBy or a Statuses value."}
	UnsupportedBrokerType = &Type{Name: "unsupportedBrokerType", Status: http.StatusBadRequest,
		Description: "brokerType is deFiWallet, cryptocurrencyAddress or cryptocurrencyWallet, which Link cannot open directly."}
	IntegrationNotFound = &Type{Name: "integrationNotFound", Status: http.StatusBadRequest,
		Description: "integrationId names no integration of GET /api/v1/integrations."}
	ConflictingFields = &Type{Name: "conflictingFields", Status: http.StatusBadRequest,
		Description: "Two fields disagree: brokerType vs integrationId, verifyWalletOptions.networkId vs networkType, the transfer list's FromTimestamp after ToTimestamp or MinAmountInFiat above MaxAmountInFiat, or an account endpoint's type vs the integration of its token."}
	NetworkNotFound = &Type{Name: "networkNotFound", Status: http.StatusBadRequest,
		Description: "A networkId names no network of GET /api/v1/transfers/managed/networks."}
	SymbolNotSupported = &Type{Name: "symbolNotSupported", Status: http.StatusBadRequest,
		Description: "A toAddresses symbol is not a token of that network."}
	InvalidAddress = &Type{Name: "invalidAddress", Status: http.StatusBadRequest,
		Description: "An address is not valid for the network's format (checksum, length, alphabet, prefix, testnet)."}
	InvalidAddressTag = &Type{Name: "invalidAddressTag", Status: http.StatusBadRequest,
		Description: "addressTag is malformed (XRP: uint32 destination tag; Stellar: memo ≤ 28 bytes) or given for a network that takes none."}
	OutOfRange = &Type{Name: "outOfRange", Status: http.StatusBadRequest,
		Description: "A number is outside its range: amounts and amountInFiat > 0, clientFee 0–1; the transfer list's Count 1–100, Offset, timestamps and amounts ≥ 0."}
	EmptyList = &Type{Name: "emptyList", Status: http.StatusBadRequest,
		Description: "toAddresses is present but empty."}
	TooManyItems = &Type{Name: "tooManyItems", Status: http.StatusBadRequest,
		Description: "A list is too long: toAddresses and addresses 50, goodsDetails 20; the transfer list's IntegrationIds 100, Statuses 5."}
	DuplicateEntry = &Type{Name: "duplicateEntry", Status: http.StatusBadRequest,
		Description: "Two toAddresses entries share networkId and symbol."}
	UnsupportedNetworkType = &Type{Name: "unsupportedNetworkType", Status: http.StatusBadRequest,
		Description: "verifyWalletOptions.networkType has no network in linkd's catalog to check addresses against."}

	// Link-token requests the store or the client's settings refuse.
	SubClientNotFound = &Type{Name: "subClientNotFound", Status: http.StatusNotFound,
		Description: "subClientId is not a sub-client of the calling client (another client's sub-client is reported the same way)."}
	IntegrationUnavailableInJurisdiction = &Type{Name: "integrationUnavailableInJurisdiction", Status: http.StatusUnavailableForLegalReasons,
		Description: "The integration named by brokerType or integrationId is not available in the client's jurisdiction.",
		Display:     "This provider is not available in your region."}

	// Redemption of a link token's code, and the Link session it opens.
	LinkTokenNotFound = &Type{Name: "linkTokenNotFound", Status: http.StatusNotFound,
		Description: "Link UI: the link token's code is unknown (never issued, purged, or presented on another client's page).",
		Display:     "This link is not valid. Please start again from the app."}
	LinkTokenExpired = &Type{Name: "linkTokenExpired", Status: http.StatusForbidden,
		Description: "Link UI: the link token expired before it was opened.",
		Display:     "This link has expired. Please start again from the app."}
	LinkTokenAlreadyUsed = &Type{Name: "linkTokenAlreadyUsed", Status: http.StatusConflict,
		Description: "Link UI: the link token was opened before; the session it opened is revoked (RFC 6749 §4.1.2).",
		Display:     "This link was already used. For your security, please start again from the app."}
	LinkTokenRevoked = &Type{Name: "linkTokenRevoked", Status: http.StatusForbidden,
		Description: "Link UI: the link token was revoked by an operator (linkd client revoke-tokens) before it was opened.",
		Display:     "This link is no longer valid. Please start again from the app."}
	SessionInvalid = &Type{Name: "sessionInvalid", Status: http.StatusUnauthorized,
		Description: "Link UI: missing or unknown session credential.",
		Display:     "Your session is no longer valid. Please start again from the app."}
	SessionExpired = &Type{Name: "sessionExpired", Status: http.StatusUnauthorized,
		Description: "Link UI: the Link session is over.",
		Display:     "Your session has expired. Please start again from the app."}
	SessionRevoked = &Type{Name: "sessionRevoked", Status: http.StatusUnauthorized,
		Description: "Link UI: the Link session was revoked because its link token was opened a second time.",
		Display:     "This link was opened again somewhere else, so this session was ended for your security. Please start again from the app."}
	SessionRevokedByOperator = &Type{Name: "sessionRevokedByOperator", Status: http.StatusUnauthorized,
		Description: "Link UI: the Link session was revoked by an operator (linkd client revoke-tokens) while it was open.",
		Display:     "This link was cancelled by the app that created it. Please start again from the app."}

	// The Link UI's flow: connecting an institution, transfers, wallet verification.
	IntegrationUnavailable = &Type{Name: "integrationUnavailable", Status: http.StatusServiceUnavailable,
		Description: "Link UI: linkd has no connector for this integration (every real institution in a self-hosted build); the page posts connectionUnavailable.",
		Display:     "This provider can't be reached from here. Please choose another one."}
	InvalidIntegrationCredentials = &Type{Name: "invalidIntegrationCredentials", Status: http.StatusBadRequest,
		Description: "Link UI: the institution refused the username/password or API key (sandbox: anything but the documented test credentials).",
		Display:     "The sign-in details are incorrect. Please check them and try again."}
	InvalidMFACode = &Type{Name: "invalidMfaCode", Status: http.StatusBadRequest,
		Description: "Link UI: wrong second-factor code (sandbox: anything but 123456).",
		Display:     "That code isn't correct. Please check it and try again."}
	TooManyAttempts = &Type{Name: "tooManyAttempts", Status: http.StatusTooManyRequests,
		Description: "Link UI: five wrong codes; the connection attempt is over, start again.",
		Display:     "Too many incorrect codes. Please sign in again."}
	InstitutionError = &Type{Name: "institutionError", Status: http.StatusBadGateway,
		Description: "Link UI: the institution failed (sandbox: user_error).",
		Display:     "The institution isn't responding right now. Please try again later."}
	ConnectionNotFound = &Type{Name: "connectionNotFound", Status: http.StatusNotFound,
		Description: "Link UI: no such connection in this session."}
	WrongStep = &Type{Name: "wrongStep", Status: http.StatusConflict,
		Description: "Link UI: the step was already taken (an account selection or transfer confirmed twice)."}
	TransferNotFound = &Type{Name: "transferNotFound", Status: http.StatusNotFound,
		Description: "Link UI: no such transfer preview in this session."}
	TransferPreviewExpired = &Type{Name: "transferPreviewExpired", Status: http.StatusConflict,
		Description: "Link UI: the transfer preview is older than 10 minutes (prices and fees move); preview again.",
		Display:     "This quote has expired. Please review the transfer again."}
	TransferNotAllowed = &Type{Name: "transferNotAllowed", Status: http.StatusBadRequest,
		Description: "Link UI: the transfer does not match the link token's transferOptions (destination, symbol, network or amount).",
		Display:     "This transfer isn't allowed for this payment."}
	InsufficientFunds = &Type{Name: "insufficientFunds", Status: http.StatusBadRequest,
		Description: "Link UI: the account cannot cover amount and fees (and fundingOptions is not enabled or cash is short).",
		Display:     "Your balance doesn't cover this amount plus fees. Please try a smaller amount."}
	WalletVerificationRejected = &Type{Name: "walletVerificationRejected", Status: http.StatusForbidden,
		Description: "Link UI: the wallet's address or network is not one the link token's verifyWalletOptions allow; the page posts verifyWalletRejected.",
		Display:     "This wallet can't be used here."}
	WalletSignatureInvalid = &Type{Name: "walletSignatureInvalid", Status: http.StatusForbidden,
		Description: "Link UI: the signature is not the address's signature of the link token's message (EIP-191 personal_sign for EVM with a low s, ed25519 for Solana): another key, a tampered signature, or a contract wallet (EIP-1271 is not supported); nothing is stored and the page posts verifyWalletRejected.",
		Display:     "The wallet's signature could not be verified. Please try again."}
	WalletNetworkUnsupported = &Type{Name: "walletNetworkUnsupported", Status: http.StatusBadRequest,
		Description: "Link UI: linkd verifies signatures on EVM and Solana networks only.",
		Display:     "This network isn't supported for wallet verification."}

	// The client API calls that take an access token the Link UI handed out.
	AuthTokenInvalid = &Type{Name: "authTokenInvalid", Status: http.StatusUnauthorized,
		Description: "balance/get, holdings/get, DELETE /api/v1/account: authToken is not an access token this client received (another client's token, expired or not, is reported so too), or it was revoked (refreshed, disconnected, or its link token reused); token/refresh: refreshToken is not a refresh token of this client, or was rotated or revoked."}
	AuthTokenExpired = &Type{Name: "authTokenExpired", Status: http.StatusUnauthorized,
		Description: "balance/get, holdings/get, DELETE /api/v1/account: this client's access token expired (expiresInSeconds; refresh it with token/refresh); token/refresh: the refresh token expired (refreshTokenExpiresInSeconds; connect the account again)."}

	// Client authentication and limits.
	InvalidCredentials = &Type{Name: "invalidCredentials", Status: http.StatusUnauthorized,
		Description: "X-Client-Id or X-Client-Secret is missing, unknown or wrong (one answer for all three; secrets in the query string are ignored)."}
	ClientDisabled = &Type{Name: "clientDisabled", Status: http.StatusLocked,
		Description: "The client is disabled (linkd client disable).",
		Display:     "This service is temporarily unavailable."}
	RateLimited = &Type{Name: "rateLimited", Status: http.StatusTooManyRequests,
		Description: "The client's rate limit, or the limit on failed authentications per client address (--auth-failures; behind a reverse proxy, see --trusted-proxies), is exceeded; Retry-After and the RateLimit fields say when to retry.",
		Display:     "Too many requests. Please try again in a moment."}
	TooManyActiveTokens = &Type{Name: "tooManyActiveTokens", Status: http.StatusTooManyRequests,
		Description: "The client already holds --max-active-tokens unexpired link tokens (off by default; counted in the database, so the bound holds across every instance sharing it); Retry-After and the RateLimit fields say when the oldest expires."}

	// The HTTP layer.
	UnsupportedMediaType = &Type{Name: "unsupportedMediaType", Status: http.StatusUnsupportedMediaType,
		Description: "The request body is not declared as JSON (Content-Type: application/json)."}
	RequestTooLarge = &Type{Name: "requestTooLarge", Status: http.StatusRequestEntityTooLarge,
		Description: "The request body is larger than --max-body (64 KiB by default)."}
	MethodNotAllowed = &Type{Name: "methodNotAllowed", Status: http.StatusMethodNotAllowed,
		Description: "The path exists but not with this method; Allow lists the methods."}
	RouteNotFound = &Type{Name: "routeNotFound", Status: http.StatusNotFound,
		Description: "No such endpoint."}
	CrossOriginRequest = &Type{Name: "crossOriginRequest", Status: http.StatusForbidden,
		Description: "A browser sent a state-changing request from another origin (CSRF protection of the Link UI's API)."}

	// Faults: what the client could not have avoided.
	StoreUnavailable = &Type{Name: "storeUnavailable", Status: http.StatusServiceUnavailable,
		Description: "The database did not answer in time or cannot be written now (a full disk, a read-only file, a lock held too long); nothing was stored. Retry-After says when to retry."}
	Overloaded = &Type{Name: "overloaded", Status: http.StatusServiceUnavailable,
		Description: "linkd is already working on as many requests as it takes at once (--max-in-flight); nothing was done. Retry-After says when to retry."}
	InternalError = &Type{Name: "internalError", Status: http.StatusInternalServerError,
		Description: "A bug in linkd; the log has the details under the X-Request-Id of the answer."}
)

// ErrorTypes no HTTP answer carries: the Link UI page and linkd's /sdk/link.js report
// them in the close payload's errorType (onExit's summary), next to the API's own, for
// what happens in the browser. They have no status.
var (
	LinkCodeMissing = &Type{Name: "linkCodeMissing",
		Description: "Link UI: the page's address holds no code (the page was reloaded after it redeemed its code, or the URL was cut short); nothing was redeemed."}
	NetworkError = &Type{Name: "networkError",
		Description: "Link UI: the page could not reach linkd, or got an answer that is not linkd's (a proxy's error page)."}
	LinkUINotLoaded = &Type{Name: "linkUiNotLoaded",
		Description: "linkd's /sdk/link.js only: the Link UI did not post loaded within linkdLoadTimeout (15 s by default). Most likely the page's origin is not one of the client's (linkd client update ID --origin …; linkd logs a warning naming it), or linkd is unreachable."}
)

// PageTypes are the errorTypes no HTTP answer carries, in the order of the README's
// second table.
var PageTypes = []*Type{LinkCodeMissing, NetworkError, LinkUINotLoaded}

// Types is every errorType linkd answers, in the order of the README's table.
var Types = []*Type{
	InvalidJSON, DuplicateField, InvalidType, MissingField, FieldTooLong, InvalidCharacters,
	UserIDLooksLikePII, InvalidUUID, InvalidEnumValue, UnsupportedBrokerType, IntegrationNotFound,
	ConflictingFields, NetworkNotFound, SymbolNotSupported, InvalidAddress, InvalidAddressTag,
	OutOfRange, EmptyList, TooManyItems, DuplicateEntry, UnsupportedNetworkType, SubClientNotFound,
	IntegrationUnavailableInJurisdiction, LinkTokenNotFound, LinkTokenExpired, LinkTokenAlreadyUsed,
	LinkTokenRevoked, SessionInvalid, SessionExpired, SessionRevoked, SessionRevokedByOperator,
	IntegrationUnavailable,
	InvalidIntegrationCredentials, InvalidMFACode, TooManyAttempts, InstitutionError,
	ConnectionNotFound, WrongStep, TransferNotFound, TransferPreviewExpired, TransferNotAllowed,
	InsufficientFunds, WalletVerificationRejected, WalletSignatureInvalid, WalletNetworkUnsupported, AuthTokenInvalid, AuthTokenExpired,
	InvalidCredentials, ClientDisabled, RateLimited, TooManyActiveTokens, UnsupportedMediaType,
	RequestTooLarge, MethodNotAllowed, RouteNotFound, CrossOriginRequest, StoreUnavailable,
	Overloaded, InternalError,
}
