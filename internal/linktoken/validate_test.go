package linktoken

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/problem"
)

// Catalog ids used by the tests (stable by the catalog's golden file).
const (
	ethereum = "e3c7fdd8-b1fc-4e51-85ae-bb276e075611"
	solana   = "0291810a-5947-424d-9a59-e88bb33e999d"
	bitcoin  = "03dee5da-7398-428f-9ec2-ab41bcb271da"
	tron     = "c5dc5d2e-68c1-4261-9a30-90b598738bf5"
	xrpl     = "0ea47ee7-9d36-460e-a2d5-64cfa8a1dddd"
	stellar  = "06855704-43d2-4ad2-a73c-372f0c3534e1"

	coinbaseID  = "47624467-e52e-4938-a41a-7926b6c27acf"
	binanceUSID = "aa9ab462-7743-51e0-8e1b-9ffbb0c0b0c0"

	ethAddr   = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // EIP-55 spec example
	btcAddr   = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
	solAddr   = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
	tronAddr  = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
	xrpAddr   = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
	xlmAddr   = "GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN"
	wrongCase = "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" // one letter's case flipped
)

var cat = catalog.MustLoad()

// check decodes and validates body and returns the error (nil if valid).
func check(t *testing.T, body string, pol Policy) (Options, *problem.Error) {
	t.Helper()
	req, err := Decode([]byte(body))
	if err != nil {
		var e *problem.Error
		if !errors.As(err, &e) {
			t.Fatalf("Decode returned %T %v, want *problem.Error", err, err)
		}
		return Options{}, e
	}
	opts, err := Validate(req, cat, pol)
	if err != nil {
		var e *problem.Error
		if !errors.As(err, &e) {
			t.Fatalf("Validate returned %T %v, want *problem.Error", err, err)
		}
		return Options{}, e
	}
	return opts, nil
}

func to(entries ...string) string {
	return `{"userId":"u1","transferOptions":{"toAddresses":[` + strings.Join(entries, ",") + `]}}`
}

func dest(network, symbol, address string) string {
	return `{"networkId":"` + network + `","symbol":"` + symbol + `","address":"` + address + `"}`
}

// TestValidationRules has one case per rule of docs/design.md §2 (and of the JSON layer): the exact
// errorType, HTTP status and the field the message must name.
func TestValidationRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name   string
		body   string
		pol    Policy
		status int
		typ    *problem.Type
		field  string
	}{
		// The JSON layer.
		{"empty body", ``, Policy{}, 400, problem.InvalidJSON, ""},
		{"not JSON", `userId=u1`, Policy{}, 400, problem.InvalidJSON, ""},
		{"truncated JSON", `{"userId":"u1"`, Policy{}, 400, problem.InvalidJSON, ""},
		{"array body", `[{"userId":"u1"}]`, Policy{}, 400, problem.InvalidJSON, ""},
		{"data after the object", `{"userId":"u1"} {}`, Policy{}, 400, problem.InvalidJSON, ""},
		{"invalid UTF-8", "{\"userId\":\"u\xff1\"}", Policy{}, 400, problem.InvalidJSON, "userId"},
		{"duplicate member", `{"userId":"a","userId":"b"}`, Policy{}, 400, problem.DuplicateField, "userId"},
		{"duplicate member, other case", `{"userId":"a","USERID":"b"}`, Policy{}, 400, problem.DuplicateField, "userId"},
		{"userId number", `{"userId":42}`, Policy{}, 400, problem.InvalidType, "userId"},
		{"bool as string", `{"userId":"u1","restrictMultipleAccounts":"yes"}`, Policy{}, 400, problem.InvalidType, "restrictMultipleAccounts"},
		{"disableApiKeyGeneration number", `{"userId":"u1","disableApiKeyGeneration":1}`, Policy{}, 400, problem.InvalidType, "disableApiKeyGeneration"},
		{"transferOptions array", `{"userId":"u1","transferOptions":[]}`, Policy{}, 400, problem.InvalidType, "transferOptions"},
		{"amount string in second entry", to(dest(ethereum, "ETH", ethAddr), `{"networkId":"`+ethereum+`","symbol":"USDC","address":"`+ethAddr+`","amount":"5"}`),
			Policy{}, 400, problem.InvalidType, "transferOptions.toAddresses[1].amount"},
		{"number too large", `{"userId":"u1","transferOptions":{"amountInFiat":1e400}}`, Policy{}, 400, problem.OutOfRange, "transferOptions.amountInFiat"},
		{"addresses element not a string", `{"userId":"u1","verifyWalletOptions":{"message":"m","addresses":[1]}}`, Policy{}, 400, problem.InvalidType, "verifyWalletOptions.addresses[0]"},

		// userId.
		{"userId missing", `{}`, Policy{}, 400, problem.MissingField, "userId"},
		{"userId null", `{"userId":null}`, Policy{}, 400, problem.MissingField, "userId"},
		{"userId empty", `{"userId":""}`, Policy{}, 400, problem.MissingField, "userId"},
		{"userId blank", `{"userId":"   "}`, Policy{}, 400, problem.MissingField, "userId"},
		{"userId 51 characters", `{"userId":"` + long(51) + `"}`, Policy{}, 400, problem.FieldTooLong, "userId"},
		{"userId 51 multibyte characters", `{"userId":"` + strings.Repeat("é", 51) + `"}`, Policy{}, 400, problem.FieldTooLong, "userId"},
		{"userId control character", `{"userId":"u\u0000"}`, Policy{}, 400, problem.InvalidCharacters, "userId"},
		{"userId e-mail", `{"userId":"jane.doe@example.com"}`, Policy{}, 400, problem.UserIDLooksLikePII, "userId"},
		{"userId phone E.164", `{"userId":"+14155552671"}`, Policy{}, 400, problem.UserIDLooksLikePII, "userId"},
		{"userId phone formatted", `{"userId":"(415) 555-2671"}`, Policy{}, 400, problem.UserIDLooksLikePII, "userId"},
		{"userId phone dashes", `{"userId":"415-555-2671"}`, Policy{}, 400, problem.UserIDLooksLikePII, "userId"},

		// brokerType / integrationId / subClientId.
		{"brokerType unknown", `{"userId":"u1","brokerType":"nasdaq"}`, Policy{}, 400, problem.InvalidEnumValue, "brokerType"},
		{"brokerType wrong case", `{"userId":"u1","brokerType":"Coinbase"}`, Policy{}, 400, problem.InvalidEnumValue, "brokerType"},
		{"brokerType deFiWallet", `{"userId":"u1","brokerType":"deFiWallet"}`, Policy{}, 400, problem.UnsupportedBrokerType, "brokerType"},
		{"brokerType cryptocurrencyAddress", `{"userId":"u1","brokerType":"cryptocurrencyAddress"}`, Policy{}, 400, problem.UnsupportedBrokerType, "brokerType"},
		{"brokerType cryptocurrencyWallet", `{"userId":"u1","brokerType":"cryptocurrencyWallet"}`, Policy{}, 400, problem.UnsupportedBrokerType, "brokerType"},
		{"integrationId not a uuid", `{"userId":"u1","integrationId":"coinbase"}`, Policy{}, 400, problem.InvalidUUID, "integrationId"},
		{"integrationId unknown", `{"userId":"u1","integrationId":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}`, Policy{}, 400, problem.IntegrationNotFound, "integrationId"},
		{"integrationId and brokerType disagree", `{"userId":"u1","brokerType":"kraken","integrationId":"` + coinbaseID + `"}`, Policy{}, 400, problem.ConflictingFields, "integrationId"},
		{"subClientId not a uuid", `{"userId":"u1","subClientId":"merchant-1"}`, Policy{}, 400, problem.InvalidUUID, "subClientId"},
		{"integration outside jurisdiction", `{"userId":"u1","integrationId":"` + binanceUSID + `"}`, Policy{Jurisdiction: "DE"}, 451, problem.IntegrationUnavailableInJurisdiction, "integrationId"},
		{"brokerType outside jurisdiction", `{"userId":"u1","brokerType":"binanceUs"}`, Policy{Jurisdiction: "FR"}, 451, problem.IntegrationUnavailableInJurisdiction, "brokerType"},

		// transferOptions.toAddresses.
		{"toAddresses empty", to(), Policy{}, 400, problem.EmptyList, "transferOptions.toAddresses"},
		{"toAddresses too many", to(strings.Repeat(dest(ethereum, "ETH", ethAddr)+",", MaxToAddresses) + dest(ethereum, "ETH", ethAddr)), Policy{}, 400, problem.TooManyItems, "transferOptions.toAddresses"},
		{"networkId missing", to(`{"symbol":"ETH","address":"` + ethAddr + `"}`), Policy{}, 400, problem.MissingField, "transferOptions.toAddresses[0].networkId"},
		{"networkId not a uuid", to(dest("ethereum", "ETH", ethAddr)), Policy{}, 400, problem.InvalidUUID, "transferOptions.toAddresses[0].networkId"},
		{"networkId unknown", to(dest("3fa85f64-5717-4562-b3fc-2c963f66afa6", "ETH", ethAddr)), Policy{}, 400, problem.NetworkNotFound, "transferOptions.toAddresses[0].networkId"},
		{"symbol missing", to(`{"networkId":"` + ethereum + `","address":"` + ethAddr + `"}`), Policy{}, 400, problem.MissingField, "transferOptions.toAddresses[0].symbol"},
		{"symbol not on network", to(dest(tron, "ETH", tronAddr)), Policy{}, 400, problem.SymbolNotSupported, "transferOptions.toAddresses[0].symbol"},
		{"address missing", to(`{"networkId":"` + ethereum + `","symbol":"ETH"}`), Policy{}, 400, problem.MissingField, "transferOptions.toAddresses[0].address"},
		{"EVM checksum mismatch", to(dest(ethereum, "ETH", wrongCase)), Policy{}, 400, problem.InvalidAddress, "transferOptions.toAddresses[0].address"},
		{"EVM address on Bitcoin", to(dest(ethereum, "ETH", ethAddr), dest(bitcoin, "BTC", ethAddr)), Policy{}, 400, problem.InvalidAddress, "transferOptions.toAddresses[1].address"},
		{"Bitcoin bad checksum", to(dest(bitcoin, "BTC", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")), Policy{}, 400, problem.InvalidAddress, "transferOptions.toAddresses[0].address"},
		{"Solana too short", to(dest(solana, "SOL", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEG")), Policy{}, 400, problem.InvalidAddress, "transferOptions.toAddresses[0].address"},
		{"Tron address on Ethereum", to(dest(ethereum, "USDT", tronAddr)), Policy{}, 400, problem.InvalidAddress, "transferOptions.toAddresses[0].address"},
		{"XRP tag not a number", to(`{"networkId":"` + xrpl + `","symbol":"XRP","address":"` + xrpAddr + `","addressTag":"abc"}`), Policy{}, 400, problem.InvalidAddressTag, "transferOptions.toAddresses[0].addressTag"},
		{"tag on Ethereum", to(`{"networkId":"` + ethereum + `","symbol":"ETH","address":"` + ethAddr + `","addressTag":"123"}`), Policy{}, 400, problem.InvalidAddressTag, "transferOptions.toAddresses[0].addressTag"},
		{"amount zero", to(`{"networkId":"` + ethereum + `","symbol":"ETH","address":"` + ethAddr + `","amount":0}`), Policy{}, 400, problem.OutOfRange, "transferOptions.toAddresses[0].amount"},
		{"amount negative", to(`{"networkId":"` + ethereum + `","symbol":"ETH","address":"` + ethAddr + `","amount":-1}`), Policy{}, 400, problem.OutOfRange, "transferOptions.toAddresses[0].amount"},
		{"displayAmountInFiat zero", to(`{"networkId":"` + ethereum + `","symbol":"ETH","address":"` + ethAddr + `","displayAmountInFiat":0}`), Policy{}, 400, problem.OutOfRange, "transferOptions.toAddresses[0].displayAmountInFiat"},
		{"duplicate destination", to(dest(ethereum, "USDC", ethAddr), dest(ethereum, "usdc", ethAddr)), Policy{}, 400, problem.DuplicateEntry, "transferOptions.toAddresses[1]"},

		// transferOptions, other fields.
		{"amountInFiat zero", `{"userId":"u1","transferOptions":{"amountInFiat":0}}`, Policy{}, 400, problem.OutOfRange, "transferOptions.amountInFiat"},
		{"transactionId 129", `{"userId":"u1","transferOptions":{"transactionId":"` + long(129) + `"}}`, Policy{}, 400, problem.FieldTooLong, "transferOptions.transactionId"},
		{"transactionId control", `{"userId":"u1","transferOptions":{"transactionId":"a\nb"}}`, Policy{}, 400, problem.InvalidCharacters, "transferOptions.transactionId"},
		{"clientFee above 1", `{"userId":"u1","transferOptions":{"clientFee":1.5}}`, Policy{}, 400, problem.OutOfRange, "transferOptions.clientFee"},
		{"clientFee negative", `{"userId":"u1","transferOptions":{"clientFee":-0.01}}`, Policy{}, 400, problem.OutOfRange, "transferOptions.clientFee"},
		{"transferType unknown", `{"userId":"u1","transferType":"x","transferOptions":{"transferType":"withdrawal"}}`, Policy{}, 400, problem.InvalidEnumValue, "transferOptions.transferType"},
		{"transferType wrong case", `{"userId":"u1","transferOptions":{"transferType":"Deposit"}}`, Policy{}, 400, problem.InvalidEnumValue, "transferOptions.transferType"},
		{"fundingOptions.enabled string", `{"userId":"u1","transferOptions":{"fundingOptions":{"enabled":"true"}}}`, Policy{}, 400, problem.InvalidType, "transferOptions.fundingOptions.enabled"},
		{"description 257", `{"userId":"u1","transferOptions":{"description":"` + long(257) + `"}}`, Policy{}, 400, problem.FieldTooLong, "transferOptions.description"},
		{"goodsType unknown", `{"userId":"u1","transferOptions":{"goodsDetails":[{"goodsType":"03"}]}}`, Policy{}, 400, problem.InvalidEnumValue, "transferOptions.goodsDetails[0].goodsType"},
		{"goodsName too long", `{"userId":"u1","transferOptions":{"goodsDetails":[{"goodsType":"01"},{"goodsName":"` + long(257) + `"}]}}`, Policy{}, 400, problem.FieldTooLong, "transferOptions.goodsDetails[1].goodsName"},
		{"goodsDetails too many", `{"userId":"u1","transferOptions":{"goodsDetails":[` + strings.Repeat(`{},`, MaxGoodsDetails) + `{}]}}`, Policy{}, 400, problem.TooManyItems, "transferOptions.goodsDetails"},
		{"payLink without destination", `{"userId":"u1","transferOptions":{"generatePayLink":true,"amountInFiat":10}}`, Policy{}, 400, problem.MissingField, "transferOptions.toAddresses"},

		// verifyWalletOptions.
		{"message missing", `{"userId":"u1","verifyWalletOptions":{"verificationMethods":["signedMessage"]}}`, Policy{}, 400, problem.MissingField, "verifyWalletOptions.message"},
		{"message missing, default method", `{"userId":"u1","verifyWalletOptions":{"addresses":["` + ethAddr + `"]}}`, Policy{}, 400, problem.MissingField, "verifyWalletOptions.message"},
		{"message too long", `{"userId":"u1","verifyWalletOptions":{"message":"` + long(1025) + `"}}`, Policy{}, 400, problem.FieldTooLong, "verifyWalletOptions.message"},
		{"method unknown", `{"userId":"u1","verifyWalletOptions":{"message":"m","verificationMethods":["sms"]}}`, Policy{}, 400, problem.InvalidEnumValue, "verifyWalletOptions.verificationMethods[0]"},
		{"verify networkId unknown", `{"userId":"u1","verifyWalletOptions":{"message":"m","networkId":"3fa85f64-5717-4562-b3fc-2c963f66afa6"}}`, Policy{}, 400, problem.NetworkNotFound, "verifyWalletOptions.networkId"},
		{"verify networkType unknown", `{"userId":"u1","verifyWalletOptions":{"message":"m","networkType":"ethereum"}}`, Policy{}, 400, problem.InvalidEnumValue, "verifyWalletOptions.networkType"},
		{"verify networkType vs networkId", `{"userId":"u1","verifyWalletOptions":{"message":"m","networkId":"` + solana + `","networkType":"evm"}}`, Policy{}, 400, problem.ConflictingFields, "verifyWalletOptions.networkType"},
		{"verify address wrong network", `{"userId":"u1","verifyWalletOptions":{"message":"m","networkType":"solana","addresses":["` + solAddr + `","` + ethAddr + `"]}}`, Policy{}, 400, problem.InvalidAddress, "verifyWalletOptions.addresses[1]"},
		{"verify address on no network", `{"userId":"u1","verifyWalletOptions":{"message":"m","addresses":["not-an-address"]}}`, Policy{}, 400, problem.InvalidAddress, "verifyWalletOptions.addresses[0]"},
		{"verify network type without catalog network", `{"userId":"u1","verifyWalletOptions":{"message":"m","networkType":"sui","addresses":["0x1"]}}`, Policy{}, 400, problem.UnsupportedNetworkType, "verifyWalletOptions.networkType"},
		{"verify too many addresses", `{"userId":"u1","verifyWalletOptions":{"message":"m","addresses":[` + strings.TrimSuffix(strings.Repeat(`"`+ethAddr+`",`, MaxVerifyAddresses+1), ",") + `]}}`, Policy{}, 400, problem.TooManyItems, "verifyWalletOptions.addresses"},
	}
	seen := map[*problem.Type]bool{}
	for _, tc := range cases {
		seen[tc.typ] = true
		t.Run(tc.name, func(t *testing.T) {
			_, e := check(t, tc.body, tc.pol)
			if e == nil {
				t.Fatalf("accepted; want %d %s on %q", tc.status, tc.typ.Name, tc.field)
			}
			first := e.Fields[0]
			if e.StatusCode() != tc.status || e.Type != tc.typ || first.Type != tc.typ.Name || first.Field != tc.field || e.Message != first.Message {
				t.Fatalf("got %d %s on %q (%s); want %d %s on %q", e.StatusCode(), first.Type, first.Field, first.Message, tc.status, tc.typ.Name, tc.field)
			}
			if tc.field != "" && !strings.HasPrefix(first.Message, tc.field+": ") {
				t.Errorf("message %q does not start with the field name %q", first.Message, tc.field)
			}
		})
	}
	// Every request-validation errorType has at least one case above. They come first in
	// problem.Types, up to the jurisdiction's; subClientNotFound needs the store and is
	// covered by the HTTP tests.
	last := slices.Index(problem.Types, problem.IntegrationUnavailableInJurisdiction)
	for _, et := range problem.Types[:last+1] {
		if et != problem.SubClientNotFound && !seen[et] {
			t.Errorf("errorType %s has no validation case", et.Name)
		}
	}
}

// TestValidRequests: requests that must be accepted, and their canonical form.
func TestValidRequests(t *testing.T) {
	cases := []struct {
		name string
		body string
		pol  Policy
		want Options
	}{
		{"minimal", `{"userId":"user-1"}`, Policy{}, Options{UserID: "user-1"}},
		{"50 characters", `{"userId":"` + strings.Repeat("é", 50) + `"}`, Policy{}, Options{UserID: strings.Repeat("é", 50)}},
		{"numeric user id is not a phone number", `{"userId":"104829331234"}`, Policy{}, Options{UserID: "104829331234"}},
		{"e-mail allowed by policy", `{"userId":"jane@example.com"}`, Policy{AllowPIIUserID: true}, Options{UserID: "jane@example.com"}},
		{"unknown members ignored, case-insensitive names", `{"USERID":"u1","configurationId":"x","extra":{"a":[1]}}`, Policy{}, Options{UserID: "u1"}},
		{"nulls everywhere", `{"userId":"u1","brokerType":null,"integrationId":null,"subClientId":null,"transferOptions":null,"verifyWalletOptions":null,"restrictMultipleAccounts":null}`, Policy{}, Options{UserID: "u1"}},
		{"brokerType resolves the integration", `{"userId":"u1","brokerType":"coinbase","restrictMultipleAccounts":true,"disableApiKeyGeneration":true}`, Policy{},
			Options{UserID: "u1", IntegrationID: coinbaseID, BrokerType: "coinbase", RestrictMultipleAccounts: true, DisableAPIKeyGeneration: true}},
		{"integrationId upper case", `{"userId":"u1","integrationId":"` + strings.ToUpper(coinbaseID) + `","brokerType":"coinbase"}`, Policy{},
			Options{UserID: "u1", IntegrationID: coinbaseID, BrokerType: "coinbase"}},
		{"integration inside jurisdiction", `{"userId":"u1","brokerType":"binanceUs"}`, Policy{Jurisdiction: "US"},
			Options{UserID: "u1", IntegrationID: binanceUSID, BrokerType: "binanceUs"}},
		{"transfer, canonical symbols", `{"userId":"u1","transferOptions":{"toAddresses":[
				{"networkId":"` + strings.ToUpper(ethereum) + `","symbol":"usdc","address":"` + ethAddr + `","amount":25.5},
				{"networkId":"` + solana + `","symbol":"USDC","address":"` + solAddr + `"},
				{"networkId":"` + xrpl + `","symbol":"XRP","address":"` + xrpAddr + `","addressTag":"12345"},
				{"networkId":"` + stellar + `","symbol":"XLM","address":"` + xlmAddr + `","addressTag":"memo text"},
				{"networkId":"` + tron + `","symbol":"USDT","address":"` + tronAddr + `"},
				{"networkId":"` + bitcoin + `","symbol":"BTC","address":"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}],
			"amountInFiat":100,"transactionId":"tx-1","clientFee":0.025,"transferType":"payment","fundingOptions":{"enabled":true},
			"isInclusiveFeeEnabled":true,"description":"Order 1","goodsDetails":[{"goodsType":"02","goodsName":"Gift card"}],"generatePayLink":true}}`,
			Policy{}, Options{UserID: "u1", Transfer: &Transfer{
				ToAddresses: []Destination{
					{NetworkID: ethereum, NetworkName: "Ethereum", NetworkType: "evm", Symbol: "USDC", Address: ethAddr, Amount: 25.5},
					{NetworkID: solana, NetworkName: "Solana", NetworkType: "solana", Symbol: "USDC", Address: solAddr},
					{NetworkID: xrpl, NetworkName: "XRP Ledger", NetworkType: "ripple", Symbol: "XRP", Address: xrpAddr, AddressTag: "12345"},
					{NetworkID: stellar, NetworkName: "Stellar", NetworkType: "stellar", Symbol: "XLM", Address: xlmAddr, AddressTag: "memo text"},
					{NetworkID: tron, NetworkName: "TRON", NetworkType: "tron", Symbol: "USDT", Address: tronAddr},
					{NetworkID: bitcoin, NetworkName: "Bitcoin", NetworkType: "bitcoin", Symbol: "BTC", Address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
				},
				AmountInFiat: 100, TransactionID: "tx-1", ClientFee: ptr(0.025), TransferType: "payment", FundingEnabled: true,
				IsInclusiveFeeEnabled: true, Description: "Order 1", GoodsDetails: []GoodsDetails{{GoodsType: ptr("02"), GoodsName: ptr("Gift card")}},
				GeneratePayLink: true}}},
		{"clientFee zero and one", `{"userId":"u1","transferOptions":{"clientFee":0}}`, Policy{}, Options{UserID: "u1", Transfer: &Transfer{ClientFee: ptr(0.0)}}},
		{"verify wallet", `{"userId":"u1","verifyWalletOptions":{"message":"Sign to prove","networkId":"` + ethereum + `","addresses":["` + ethAddr + `"]}}`, Policy{},
			Options{UserID: "u1", VerifyWallet: &VerifyWallet{Message: "Sign to prove", VerificationMethods: []string{"signedMessage"}, Addresses: []string{ethAddr}, NetworkID: ethereum}}},
		{"verify without methods needs no message", `{"userId":"u1","verifyWalletOptions":{"verificationMethods":[]}}`, Policy{},
			Options{UserID: "u1", VerifyWallet: &VerifyWallet{VerificationMethods: []string{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, e := check(t, tc.body, tc.pol)
			if e != nil {
				t.Fatalf("refused: %d %+v", e.StatusCode(), e.Fields)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestAllErrorsReported: a request with several problems gets all of them, in request
// order, and the first one sets the envelope's errorType.
func TestAllErrorsReported(t *testing.T) {
	_, e := check(t, `{"userId":"","integrationId":"x","transferOptions":{"clientFee":2,"toAddresses":[{"networkId":"`+ethereum+`","symbol":"ETH","address":"0x12"}]}}`, Policy{})
	if e == nil {
		t.Fatal("accepted")
	}
	var got []string
	for _, fe := range e.Fields {
		got = append(got, fe.Field+" "+fe.Type)
	}
	want := []string{
		"userId missingField",
		"integrationId invalidUuid",
		"transferOptions.toAddresses[0].address invalidAddress",
		"transferOptions.clientFee outOfRange",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if e.Type != problem.MissingField || e.Message != e.Fields[0].Message {
		t.Errorf("Type %s, message %q", e.ErrorType(), e.Message)
	}
}

// TestMessagesDoNotEchoHugeValues: a message quotes at most a short prefix of a value.
func TestMessagesDoNotEchoHugeValues(t *testing.T) {
	big := strings.Repeat("A", 5000)
	_, e := check(t, `{"userId":"u1","integrationId":"`+big+`"}`, Policy{})
	if e == nil || len(e.Fields[0].Message) > 200 {
		t.Fatalf("message too long or missing: %+v", e)
	}
}

func FuzzDecodeValidate(f *testing.F) {
	for _, s := range []string{`{"userId":"u1"}`, to(dest(ethereum, "ETH", ethAddr)), `{"userId":"u","verifyWalletOptions":{"message":"m","addresses":["x"]}}`, `[`, `{"userId":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(body)
		var e *problem.Error
		if err != nil {
			if !errors.As(err, &e) || len(e.Fields) == 0 {
				t.Fatalf("Decode: %#v", err)
			}
			return
		}
		if _, err := Validate(req, cat, Policy{}); err != nil {
			if !errors.As(err, &e) || len(e.Fields) == 0 || e.StatusCode() < 400 {
				t.Fatalf("Validate: %#v", err)
			}
		}
	})
}
