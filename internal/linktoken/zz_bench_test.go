package linktoken

import (
	"bytes"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

var benchBody = []byte(`{"restrictMultipleAccounts":true,"transferOptions":{"amountInFiat":25,"clientFee":0.01,"isInclusiveFeeEnabled":false,"toAddresses":[{"networkId":"e3c7fdd8-b1fc-4e51-85ae-bb276e075611","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","amount":25},{"networkId":"0291810a-5947-424d-9a59-e88bb33e999d","symbol":"USDC","address":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"}],"transactionId":"tx-7","transferType":"payment"},"userId":"bench-user-7"}`)

func BenchmarkDecodeReflect(b *testing.B) {
	for b.Loop() {
		if _, err := Decode(benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokens(b *testing.B) {
	rd := bytes.NewReader(benchBody)
	dec := jsontext.NewDecoder(rd, jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
	for b.Loop() {
		rd.Reset(benchBody)
		dec.Reset(rd, jsontext.AllowDuplicateNames(false), jsontext.AllowInvalidUTF8(false))
		for {
			tok, err := dec.ReadToken()
			if err != nil {
				break
			}
			if tok.Kind() == '"' {
				_ = tok.String()
			}
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	req, _ := Decode(benchBody)
	for b.Loop() {
		if _, err := Validate(req, cat, Policy{}); err != nil {
			b.Fatal(err)
		}
	}
}
