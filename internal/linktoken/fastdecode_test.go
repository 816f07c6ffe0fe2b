package linktoken

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
)

// fastCorpus are request bodies of every shape: the fast path must take the plain ones
// and may give up on the others, but must never disagree with json.Unmarshal.
var fastCorpus = []string{
	`{}`,
	`{"userId":"u1"}`,
	benchBody,
	`{"userId":"u1","brokerType":"coinbase","integrationId":"47624467-e52e-4938-a41a-7926b6c27acf","restrictMultipleAccounts":false,"disableApiKeyGeneration":true,"subClientId":"5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"}`,
	`{"userId":"u1","transferOptions":{"toAddresses":[],"goodsDetails":[],"fundingOptions":{"enabled":true},"description":"d","generatePayLink":true}}`,
	`{"userId":"u1","transferOptions":{"toAddresses":null,"goodsDetails":null,"fundingOptions":null,"clientFee":null,"amountInFiat":null}}`,
	`{"userId":"u1","transferOptions":{"toAddresses":[null,{"symbol":null,"addressTag":"7","displayAmountInFiat":1e-7}],"goodsDetails":[null,{"goodsType":"01","goodsCategory":"c","referenceGoodsId":"r","goodsName":"n","goodsDetail":"d"}]}}`,
	`{"userId":"u1","verifyWalletOptions":{"message":"sign","verificationMethods":["signedMessage",null],"addresses":["a","b"],"networkId":"n","networkType":"evm"}}`,
	`{"userId":"u1","verifyWalletOptions":{"verificationMethods":null,"addresses":[]}}`,
	`{"userId":null,"brokerType":null,"transferOptions":null,"verifyWalletOptions":null,"restrictMultipleAccounts":null}`,
	`{"userId":"u1","transferOptions":{"amountInFiat":-0,"clientFee":1.5e3}}`,
	"\t{ \"userId\" : \"é日本🙂\" ,\r\n\"transferOptions\":{\"amountInFiat\":0.5E-3,\"clientFee\":12345678901234567890}}\n",
	// The general decoder's business:
	` {"userId":"esc\"aped \\ \u00e9 \ud83d\ude42"} ` + "\n",
	`{"USERID":"u1"}`, `{"user_id":"u1"}`, `{"userId":"a","userId":"b"}`, `{"userId":"a","USERID":"b"}`,
	`{"userId":42}`, `{"userId":"u1","x":1}`, `{"userId":"u1"} {}`, `{"userId":"u1"} x`, `[{"userId":"u1"}]`,
	`{"userId":"u1","transferOptions":{"amountInFiat":1e400}}`, `{"userId":"u1","transferOptions":{"amountInFiat":"5"}}`,
	`{"userId":"u\xff1"}`, `{"userId":"u1"`, `{"\u0075serId":"u1"}`, `{"userId":"u1","transferOptions":{"toAddresses":[1]}}`,
	`{"userId":"u1","verifyWalletOptions":{"addresses":[1]}}`, `{"transferOptions":{"fundingOptions":{"enabled":"true"}}}`,
	`{"transferOptions":{"fundingOptions":{"enabled":true,"enabled":false}}}`, `{"transferOptions":{"toAddresses":[{"symbol":"a","symbol":"b"}]}}`,
}

const benchBody = `{"restrictMultipleAccounts":true,"transferOptions":{"amountInFiat":25,"clientFee":0.01,"isInclusiveFeeEnabled":false,"toAddresses":[{"networkId":"e3c7fdd8-b1fc-4e51-85ae-bb276e075611","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","amount":25},{"networkId":"0291810a-5947-424d-9a59-e88bb33e999d","symbol":"USDC","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}],"transactionId":"tx-7","transferType":"payment"},"userId":"bench-user-7"}`

// agreeWithUnmarshal fails t if fastDecode decodes body differently from json.Unmarshal
// (or decodes what json.Unmarshal refuses), and reports whether the fast path took it.
func agreeWithUnmarshal(t *testing.T, body string) bool {
	t.Helper()
	fast, ok := fastDecode([]byte(body))
	if !ok {
		return false
	}
	var want Request
	if err := json.Unmarshal([]byte(body), &want, decodeOptions); err != nil {
		t.Fatalf("fast path decoded what json.Unmarshal refuses (%v):\n%q", err, body)
	}
	if diff := cmp.Diff(&want, fast); diff != "" {
		t.Fatalf("fast path and json.Unmarshal disagree on %q (-unmarshal +fast):\n%s", body, diff)
	}
	return true
}

func TestFastDecodeMatchesUnmarshal(t *testing.T) {
	taken := 0
	for _, b := range fastCorpus {
		if agreeWithUnmarshal(t, b) {
			taken++
		}
	}
	// The plain bodies (the first twelve) must take the fast path, or it is useless.
	for _, b := range fastCorpus[:12] {
		if _, ok := fastDecode([]byte(b)); !ok {
			t.Errorf("fast path gave up on a plain body:\n%s", b)
		}
	}
	// Mutations: delete, duplicate or replace bytes, splice in JSON punctuation and
	// keywords. Most are invalid; whatever the fast path accepts must agree.
	rng := rand.New(rand.NewPCG(7, 8))
	inserts := []string{`"`, `\`, `{`, `}`, `[`, `]`, `,`, `:`, `null`, `true`, `1e999`, `-0`, `"x"`, `\u0000`, "\xff", ` `, `userId`, `"userId":"z",`,
		`.`, `e`, `E`, `+`, `-`, `0`, `00`, `01`, `1.`, `.5`, "\t", "\r\n", "é", "\xe2\x80", `tru`, `nul`, `"a"`, `[]`, `{}`}
	for range 50000 {
		b := []byte(fastCorpus[rng.IntN(12)])
		for range 1 + rng.IntN(3) {
			at := rng.IntN(len(b) + 1)
			switch rng.IntN(4) {
			case 0:
				if at < len(b) {
					b = append(b[:at], b[at+1:]...)
				}
			case 1:
				b = append(b[:at], append([]byte(inserts[rng.IntN(len(inserts))]), b[at:]...)...)
			case 2:
				if at < len(b) {
					b[at] = byte(rng.IntN(128))
				}
			case 3:
				if at < len(b) {
					b = append(b[:at], append([]byte{b[at]}, b[at:]...)...)
				}
			}
		}
		if agreeWithUnmarshal(t, string(b)) {
			taken++
		}
	}
	t.Logf("fast path took %d bodies", taken)
}

// FuzzFastDecode: go test -fuzz FuzzFastDecode ./internal/linktoken explores further.
func FuzzFastDecode(f *testing.F) {
	for _, b := range fastCorpus {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) { agreeWithUnmarshal(t, body) })
}

func BenchmarkDecode(b *testing.B) {
	body := []byte(benchBody)
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFastDecode measures the fast path alone on the typical body.
func BenchmarkFastDecode(b *testing.B) {
	body := []byte(benchBody)
	for b.Loop() {
		if _, ok := fastDecode(body); !ok {
			b.Fatal("fast path gave up")
		}
	}
}

// TestFastDecodeMembers: every member of every object of a request, alone and then all
// together in two orders, is read by the fast path into the field json.Unmarshal puts it
// in. Each value differs from the others of its object, so a member read into the field
// of another fails the comparison.
func TestFastDecodeMembers(t *testing.T) {
	// The members of each object with a value of the member's type, in node-api's order.
	members := map[string][]string{
		"request": {`"userId":"u1"`, `"brokerType":"coinbase"`, `"restrictMultipleAccounts":true`,
			`"transferOptions":{"description":"in transferOptions"}`, `"integrationId":"i1"`, `"disableApiKeyGeneration":false`,
			`"verifyWalletOptions":{"message":"in verifyWalletOptions"}`, `"subClientId":"s1"`},
		"transferOptions": {`"toAddresses":[{"symbol":"in toAddresses"}]`, `"amountInFiat":25`, `"transactionId":"tx-1"`,
			`"clientFee":0.01`, `"transferType":"payment"`, `"fundingOptions":{"enabled":true}`, `"isInclusiveFeeEnabled":true`,
			`"description":"d1"`, `"goodsDetails":[{"goodsName":"in goodsDetails"}]`, `"generatePayLink":false`},
		"toAddresses": {`"networkId":"n1"`, `"symbol":"USDC"`, `"address":"a1"`, `"addressTag":"t1"`, `"amount":1.5`,
			`"displayAmountInFiat":2.5`},
		"fundingOptions": {`"enabled":false`},
		"goodsDetails": {`"goodsType":"01"`, `"goodsCategory":"c1"`, `"referenceGoodsId":"r1"`, `"goodsName":"g1"`,
			`"goodsDetail":"d1"`},
		"verifyWalletOptions": {`"message":"m1"`, `"verificationMethods":["signedMessage"]`, `"addresses":["a1","a2"]`,
			`"networkId":"n1"`, `"networkType":"evm"`},
	}
	// wrap puts the members of one object where that object stands in a request.
	wrap := map[string]func(members string) string{
		"request":             func(m string) string { return `{` + m + `}` },
		"transferOptions":     func(m string) string { return `{"transferOptions":{` + m + `}}` },
		"toAddresses":         func(m string) string { return `{"transferOptions":{"toAddresses":[{` + m + `}]}}` },
		"fundingOptions":      func(m string) string { return `{"transferOptions":{"fundingOptions":{` + m + `}}}` },
		"goodsDetails":        func(m string) string { return `{"transferOptions":{"goodsDetails":[{` + m + `}]}}` },
		"verifyWalletOptions": func(m string) string { return `{"verifyWalletOptions":{` + m + `}}` },
	}
	type tc struct{ name, body string }
	var cases []tc
	for object, ms := range members {
		for _, m := range ms {
			name, _, _ := strings.Cut(m, ":")
			cases = append(cases, tc{object + "." + strings.Trim(name, `"`), wrap[object](m)})
		}
		reversed := slices.Clone(ms)
		slices.Reverse(reversed)
		cases = append(cases,
			tc{object + " all members", wrap[object](strings.Join(ms, ","))},
			tc{object + " all members reversed", wrap[object](strings.Join(reversed, ","))})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !agreeWithUnmarshal(t, c.body) {
				t.Fatalf("fast path gave up on %s", c.body)
			}
			var zero Request
			if fast, _ := fastDecode([]byte(c.body)); cmp.Equal(fast, &zero) {
				t.Fatalf("decoded nothing from %s", c.body)
			}
		})
	}
}

// TestFastDecodeGivesUp: what the fast path leaves to the general decoder, in every
// object: a member given twice, a known name spelled otherwise, an unknown member.
func TestFastDecodeGivesUp(t *testing.T) {
	cases := []struct{ name, body string }{
		{"request duplicate", `{"userId":"a","brokerType":"b","userId":"c"}`},
		{"transferOptions duplicate", `{"transferOptions":{"clientFee":0.1,"clientFee":0.2}}`},
		{"toAddresses duplicate", `{"transferOptions":{"toAddresses":[{"address":"a","symbol":"s","address":"b"}]}}`},
		{"fundingOptions duplicate", `{"transferOptions":{"fundingOptions":{"enabled":true,"enabled":false}}}`},
		{"goodsDetails duplicate", `{"transferOptions":{"goodsDetails":[{"goodsName":"a","goodsName":"b"}]}}`},
		{"verifyWalletOptions duplicate", `{"verifyWalletOptions":{"networkId":"a","networkId":"b"}}`},
		{"request other case", `{"UserId":"u1"}`},
		{"transferOptions other case", `{"transferOptions":{"AmountInFiat":1}}`},
		{"toAddresses other case", `{"transferOptions":{"toAddresses":[{"networkID":"n"}]}}`},
		{"fundingOptions other case", `{"transferOptions":{"fundingOptions":{"Enabled":true}}}`},
		{"goodsDetails other case", `{"transferOptions":{"goodsDetails":[{"referenceGoodsID":"r"}]}}`},
		{"verifyWalletOptions other case", `{"verifyWalletOptions":{"Message":"m"}}`},
		{"member of another object", `{"transferOptions":{"userId":"u1"}}`},
		{"unknown member", `{"userId":"u1","configurationId":"x"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := fastDecode([]byte(c.body)); ok {
				t.Errorf("fast path took %s", c.body)
			}
			if _, err := Decode([]byte(c.body)); err != nil && !strings.Contains(c.name, "duplicate") {
				t.Errorf("Decode refused %s: %v", c.body, err)
			}
		})
	}
}
