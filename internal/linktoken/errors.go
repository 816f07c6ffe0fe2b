package linktoken

import (
	"errors"
	"net/http"
)

// Error types of request validation: the stable, machine-readable `errorType` values of
// the envelope. The README's table is checked against ErrorTypes by a test.
const (
	ErrInvalidJSON               = "invalidJson"
	ErrDuplicateField            = "duplicateField"
	ErrInvalidType               = "invalidType"
	ErrMissingField              = "missingField"
	ErrFieldTooLong              = "fieldTooLong"
	ErrInvalidCharacters         = "invalidCharacters"
	ErrUserIDLooksLikePII        = "userIdLooksLikePii"
	ErrInvalidUUID               = "invalidUuid"
	ErrInvalidEnumValue          = "invalidEnumValue"
	ErrUnsupportedBroker         = "unsupportedBrokerType"
	ErrIntegrationNotFound       = "integrationNotFound"
	ErrConflictingFields         = "conflictingFields"
	ErrSubClientNotFound         = "subClientNotFound"
	ErrUnavailableInJurisdiction = "integrationUnavailableInJurisdiction"
	ErrNetworkNotFound           = "networkNotFound"
	ErrSymbolNotSupported        = "symbolNotSupported"
	ErrInvalidAddress            = "invalidAddress"
	ErrInvalidAddressTag         = "invalidAddressTag"
	ErrOutOfRange                = "outOfRange"
	ErrEmptyList                 = "emptyList"
	ErrTooManyItems              = "tooManyItems"
	ErrDuplicateEntry            = "duplicateEntry"
	ErrUnsupportedNetworkType    = "unsupportedNetworkType"

	// Redemption of a code by the Link UI.
	ErrCodeNotFound    = "linkTokenNotFound"
	ErrCodeExpired     = "linkTokenExpired"
	ErrCodeAlreadyUsed = "linkTokenAlreadyUsed"
	ErrCodeRevoked     = "linkTokenRevoked"
	// Use of a Link session credential.
	ErrSessionInvalid = "sessionInvalid"
	ErrSessionExpired = "sessionExpired"
	ErrSessionRevoked = "sessionRevoked"
)

// ErrorType documents one errorType: its HTTP status and when it happens.
type ErrorType struct {
	Type        string
	Status      int
	Description string
}

// ErrorTypes lists the error types this package produces, in the order the README's table
// shows them.
var ErrorTypes = []ErrorType{
	{ErrInvalidJSON, http.StatusBadRequest, "The body is empty, not valid JSON, not valid UTF-8, not a JSON object, or has data after the object."},
	{ErrDuplicateField, http.StatusBadRequest, "A member appears twice in one JSON object (the message names it)."},
	{ErrInvalidType, http.StatusBadRequest, "A field has the wrong JSON type, e.g. a string where a number is expected."},
	{ErrMissingField, http.StatusBadRequest, "A required field is absent, null or empty: userId; networkId, symbol and address of each toAddresses entry; verifyWalletOptions.message when signedMessage is requested; toAddresses when generatePayLink is true."},
	{ErrFieldTooLong, http.StatusBadRequest, "A string is longer than allowed: userId 50 characters, transactionId 128, description 256, verifyWalletOptions.message 1024, goodsDetails strings 256."},
	{ErrInvalidCharacters, http.StatusBadRequest, "A string holds control characters (userId, transactionId)."},
	{ErrUserIDLooksLikePII, http.StatusBadRequest, "userId looks like an e-mail address or a phone number; use an opaque id (a per-client setting relaxes this)."},
	{ErrInvalidUUID, http.StatusBadRequest, "integrationId, subClientId or a networkId is not a uuid (8-4-4-4-12 hex)."},
	{ErrInvalidEnumValue, http.StatusBadRequest, "brokerType, transferType, verificationMethods, networkType or goodsType is not one of its values."},
	{ErrUnsupportedBroker, http.StatusBadRequest, "brokerType is deFiWallet, cryptocurrencyAddress or cryptocurrencyWallet, which Link cannot open directly."},
	{ErrIntegrationNotFound, http.StatusBadRequest, "integrationId names no integration of GET /api/v1/integrations."},
	{ErrConflictingFields, http.StatusBadRequest, "Two fields disagree: brokerType vs integrationId, or verifyWalletOptions.networkId vs networkType."},
	{ErrNetworkNotFound, http.StatusBadRequest, "A networkId names no network of GET /api/v1/transfers/managed/networks."},
	{ErrSymbolNotSupported, http.StatusBadRequest, "A toAddresses symbol is not a token of that network."},
	{ErrInvalidAddress, http.StatusBadRequest, "An address is not valid for the network's format (checksum, length, alphabet, prefix, testnet)."},
	{ErrInvalidAddressTag, http.StatusBadRequest, "addressTag is malformed (XRP: uint32 destination tag; Stellar: memo ≤ 28 bytes) or given for a network that takes none."},
	{ErrOutOfRange, http.StatusBadRequest, "A number is outside its range: amounts and amountInFiat > 0, clientFee 0–1."},
	{ErrEmptyList, http.StatusBadRequest, "toAddresses is present but empty."},
	{ErrTooManyItems, http.StatusBadRequest, "A list is too long: toAddresses and addresses 50, goodsDetails 20."},
	{ErrDuplicateEntry, http.StatusBadRequest, "Two toAddresses entries share networkId and symbol."},
	{ErrUnsupportedNetworkType, http.StatusBadRequest, "verifyWalletOptions.networkType has no network in linkd's catalog to check addresses against."},
	{ErrSubClientNotFound, http.StatusNotFound, "subClientId is not a sub-client of the calling client (another client's sub-client is reported the same way)."},
	{ErrUnavailableInJurisdiction, http.StatusUnavailableForLegalReasons, "The integration named by brokerType or integrationId is not available in the client's jurisdiction."},
	{ErrCodeNotFound, http.StatusNotFound, "Link UI: the link token's code is unknown (never issued, purged, or presented on another client's page)."},
	{ErrCodeExpired, http.StatusForbidden, "Link UI: the link token expired before it was opened."},
	{ErrCodeAlreadyUsed, http.StatusConflict, "Link UI: the link token was opened before; the session it opened is revoked (RFC 6749 §4.1.2)."},
	{ErrCodeRevoked, http.StatusForbidden, "Link UI: the link token was revoked by an operator (linkd client revoke-tokens) before it was opened."},
	{ErrSessionInvalid, http.StatusUnauthorized, "Link UI: missing or unknown session credential."},
	{ErrSessionExpired, http.StatusUnauthorized, "Link UI: the Link session is over."},
	{ErrSessionRevoked, http.StatusUnauthorized, "Link UI: the Link session was revoked (its link token was reused, or an operator revoked it)."},
}

// FieldError is one problem with one field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Type    string `json:"errorType"`
	Message string `json:"message"`
}

// Error is a request the caller must fix. Status is the HTTP status (400, 404, 451, …);
// the first of Errors gives the envelope's errorType and message, and all of them go in
// errorData so that a developer sees every problem at once.
type Error struct {
	Status int
	Errors []FieldError
}

func (e *Error) Error() string {
	if len(e.Errors) == 0 {
		return "linktoken: invalid request"
	}
	return e.Errors[0].Message
}

// Type is the errorType of the first problem.
func (e *Error) Type() string { return e.Errors[0].Type }

func badRequest(field, typ, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Errors: []FieldError{{Field: field, Type: typ, Message: msg}}}
}

// statusOf returns the documented status of an errorType (400 if unknown).
func statusOf(typ string) int {
	for _, t := range ErrorTypes {
		if t.Type == typ {
			return t.Status
		}
	}
	return http.StatusBadRequest
}

// newError builds an Error of one problem with the documented status of its type.
func newError(field, typ, msg string) *Error {
	return &Error{Status: statusOf(typ), Errors: []FieldError{{Field: field, Type: typ, Message: msg}}}
}

// AsError reports whether err is (or wraps) an *Error.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
