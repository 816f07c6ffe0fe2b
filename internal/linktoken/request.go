package linktoken

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/problem"
)

// Request is the body of POST /api/v1/linktoken, as @meshconnect/node-api's
// GetLinkTokenRequest types it. Every field is a pointer (or a nil-able slice) because
// Mesh's model makes them nullable and "absent", "null" and "empty" must be told apart.
type Request struct {
	UserID                   *string              `json:"userId"`
	BrokerType               *string              `json:"brokerType"`
	RestrictMultipleAccounts *bool                `json:"restrictMultipleAccounts"`
	TransferOptions          *TransferOptions     `json:"transferOptions"`
	IntegrationID            *string              `json:"integrationId"`
	DisableAPIKeyGeneration  *bool                `json:"disableApiKeyGeneration"`
	VerifyWalletOptions      *VerifyWalletOptions `json:"verifyWalletOptions"`
	SubClientID              *string              `json:"subClientId"`
}

// TransferOptions is node-api's LinkTokenTransferOptions.
type TransferOptions struct {
	ToAddresses           []ToAddress     `json:"toAddresses"`
	AmountInFiat          *float64        `json:"amountInFiat"`
	TransactionID         *string         `json:"transactionId"`
	ClientFee             *float64        `json:"clientFee"`
	TransferType          *string         `json:"transferType"`
	FundingOptions        *FundingOptions `json:"fundingOptions"`
	IsInclusiveFeeEnabled *bool           `json:"isInclusiveFeeEnabled"`
	Description           *string         `json:"description"`
	GoodsDetails          []GoodsDetails  `json:"goodsDetails"`
	GeneratePayLink       *bool           `json:"generatePayLink"`
}

// ToAddress is node-api's TransferToAddressWithAmount.
type ToAddress struct {
	NetworkID           *string  `json:"networkId"`
	Symbol              *string  `json:"symbol"`
	Address             *string  `json:"address"`
	AddressTag          *string  `json:"addressTag"`
	Amount              *float64 `json:"amount"`
	DisplayAmountInFiat *float64 `json:"displayAmountInFiat"`
}

// FundingOptions is node-api's TransferCryptocurrencyFundingOptions.
type FundingOptions struct {
	Enabled *bool `json:"enabled"`
}

// GoodsDetails is node-api's GoodsDetails (Binance Pay order lines).
type GoodsDetails struct {
	GoodsType        *string `json:"goodsType"`
	GoodsCategory    *string `json:"goodsCategory"`
	ReferenceGoodsID *string `json:"referenceGoodsId"`
	GoodsName        *string `json:"goodsName"`
	GoodsDetail      *string `json:"goodsDetail"`
}

// VerifyWalletOptions is node-api's VerifyWalletOptions.
type VerifyWalletOptions struct {
	Message             *string  `json:"message"`
	VerificationMethods []string `json:"verificationMethods"`
	Addresses           []string `json:"addresses"`
	NetworkID           *string  `json:"networkId"`
	NetworkType         *string  `json:"networkType"`
}

// decodeOptions: member names match case-insensitively, as in Mesh's ASP.NET service;
// duplicate members and invalid UTF-8 are errors (never a silently chosen value); unknown
// members are ignored, as Mesh does.
var decodeOptions = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// Decode parses a request body. Its errors are *Error values of type problem.InvalidJSON or
// problem.InvalidType whose message names the offending field as a dotted path with indexes
// ("transferOptions.toAddresses[1].amount").
func Decode(body []byte) (*Request, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, problem.InvalidJSON.Field("", "request body is empty: expected a JSON object with at least userId")
	}
	if r, ok := fastDecode(body); ok {
		return r, nil
	}
	var r Request
	err := json.Unmarshal(body, &r, decodeOptions)
	if err == nil {
		return &r, nil
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		field := fieldPath(syn.JSONPointer)
		var msg string
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return nil, problem.DuplicateField.Field(field, fmt.Sprintf("%s: appears more than once in the JSON object", field))
		case !utf8.Valid(body):
			msg = "request body is not valid UTF-8"
		default:
			msg = fmt.Sprintf("request body is not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)
		}
		if field != "" {
			msg = field + ": " + msg
		}
		return nil, problem.InvalidJSON.Field(field, msg)
	}
	var sem *json.SemanticError
	if errors.As(err, &sem) {
		field := fieldPath(sem.JSONPointer)
		want := expectedKind(field)
		got := kindName(sem.JSONKind)
		if field == "" {
			return nil, problem.InvalidJSON.Field("", fmt.Sprintf("request body must be a JSON object, not %s", got))
		}
		if got == "a number" && want == "a number" {
			return nil, problem.OutOfRange.Field(field, fmt.Sprintf("%s: number out of range", field))
		}
		return nil, problem.InvalidType.Field(field, fmt.Sprintf("%s: must be %s, not %s", field, want, got))
	}
	return nil, problem.InvalidJSON.Field("", "request body is not valid JSON")
}

// fieldPath turns a JSON pointer ("/transferOptions/toAddresses/1/amount") into the
// dotted form used in messages ("transferOptions.toAddresses[1].amount"), with member
// names in their canonical case.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if n, err := strconv.Atoi(tok); err == nil && n >= 0 && b.Len() > 0 {
			fmt.Fprintf(&b, "[%d]", n)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(canonicalName(tok))
	}
	return b.String()
}

// fieldKinds gives the JSON kind each field of the request expects; keys are the
// lower-cased last path element.
var fieldKinds = map[string]string{
	"userid": "a string", "brokertype": "a string", "integrationid": "a string", "subclientid": "a string",
	"restrictmultipleaccounts": "a boolean", "disableapikeygeneration": "a boolean",
	"transferoptions": "an object", "verifywalletoptions": "an object", "fundingoptions": "an object",
	"toaddresses": "an array", "goodsdetails": "an array", "verificationmethods": "an array of strings",
	"addresses": "an array of strings",
	"networkid": "a string", "symbol": "a string", "address": "a string", "addresstag": "a string",
	"amount": "a number", "displayamountinfiat": "a number", "amountinfiat": "a number", "clientfee": "a number",
	"transactionid": "a string", "transfertype": "a string", "isinclusivefeeenabled": "a boolean",
	"description": "a string", "generatepaylink": "a boolean", "enabled": "a boolean",
	"goodstype": "a string", "goodscategory": "a string", "referencegoodsid": "a string", "goodsname": "a string",
	"goodsdetail": "a string", "message": "a string", "networktype": "a string",
}

var canonicalNames = func() map[string]string {
	names := []string{"userId", "brokerType", "integrationId", "subClientId", "restrictMultipleAccounts",
		"disableApiKeyGeneration", "transferOptions", "verifyWalletOptions", "fundingOptions", "toAddresses",
		"goodsDetails", "verificationMethods", "addresses", "networkId", "symbol", "address", "addressTag", "amount",
		"displayAmountInFiat", "amountInFiat", "clientFee", "transactionId", "transferType", "isInclusiveFeeEnabled",
		"description", "generatePayLink", "enabled", "goodsType", "goodsCategory", "referenceGoodsId", "goodsName",
		"goodsDetail", "message", "networkType"}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

func canonicalName(s string) string {
	if c, ok := canonicalNames[strings.ToLower(s)]; ok {
		return c
	}
	return s
}

func expectedKind(field string) string {
	last := field
	if i := strings.LastIndexAny(field, ".["); i >= 0 {
		last = field[i+1:]
		if strings.HasSuffix(last, "]") { // element of an array of strings
			parent := field[:i]
			if j := strings.LastIndexByte(parent, '.'); j >= 0 {
				parent = parent[j+1:]
			}
			if k := fieldKinds[strings.ToLower(parent)]; strings.HasSuffix(k, "of strings") {
				return "a string"
			}
			return "an object"
		}
	}
	if k, ok := fieldKinds[strings.ToLower(last)]; ok {
		return k
	}
	return "a different type"
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "that value"
}
