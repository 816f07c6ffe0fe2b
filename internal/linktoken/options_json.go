package linktoken

import (
	"errors"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/jsonappend"
)

// appendJSON appends o as the JSON the store keeps with a code: exactly what
// json.Marshal(o) writes (TestOptionsJSONMatchesMarshal), without its reflection, which
// was a tenth of the CPU of issuing a token. A field added to Options, Transfer,
// Destination, GoodsDetails or VerifyWallet must be added here too; the test's random
// values cover every field, so a forgotten one fails it.
//
// The error is jsontext's for a string that is not valid UTF-8, which Decode never
// produces.
func (o *Options) appendJSON(b []byte) ([]byte, error) {
	e := jsonAppender{b: b}
	e.raw(`{"userId":`)
	e.str(o.UserID)
	e.optStr(`,"integrationId":`, o.IntegrationID)
	e.optStr(`,"brokerType":`, o.BrokerType)
	e.raw(`,"restrictMultipleAccounts":`)
	e.bool(o.RestrictMultipleAccounts)
	e.raw(`,"disableApiKeyGeneration":`)
	e.bool(o.DisableAPIKeyGeneration)
	e.optStr(`,"subClientId":`, o.SubClientID)
	if t := o.Transfer; t != nil {
		e.raw(`,"transferOptions":{"toAddresses":[`)
		for i := range t.ToAddresses {
			d := &t.ToAddresses[i]
			if i > 0 {
				e.raw(",")
			}
			e.raw(`{"networkId":`)
			e.str(d.NetworkID)
			e.raw(`,"networkName":`)
			e.str(d.NetworkName)
			e.raw(`,"networkType":`)
			e.str(d.NetworkType)
			e.raw(`,"symbol":`)
			e.str(d.Symbol)
			e.raw(`,"address":`)
			e.str(d.Address)
			e.optStr(`,"addressTag":`, d.AddressTag)
			e.raw(`,"amount":`) // omitempty keeps numbers: 0 is not an empty JSON value
			e.float(d.Amount)
			e.raw(`,"displayAmountInFiat":`)
			e.float(d.DisplayAmountInFiat)
			e.raw("}")
		}
		e.raw(`],"amountInFiat":`)
		e.float(t.AmountInFiat)
		e.optStr(`,"transactionId":`, t.TransactionID)
		if t.ClientFee != nil {
			e.raw(`,"clientFee":`)
			e.float(*t.ClientFee)
		}
		e.optStr(`,"transferType":`, t.TransferType)
		e.raw(`,"fundingEnabled":`)
		e.bool(t.FundingEnabled)
		e.raw(`,"isInclusiveFeeEnabled":`)
		e.bool(t.IsInclusiveFeeEnabled)
		e.optStr(`,"description":`, t.Description)
		if len(t.GoodsDetails) > 0 {
			e.raw(`,"goodsDetails":[`)
			for i := range t.GoodsDetails {
				g := &t.GoodsDetails[i]
				if i > 0 {
					e.raw(",")
				}
				e.raw(`{"goodsType":`)
				e.strPtr(g.GoodsType)
				e.raw(`,"goodsCategory":`)
				e.strPtr(g.GoodsCategory)
				e.raw(`,"referenceGoodsId":`)
				e.strPtr(g.ReferenceGoodsID)
				e.raw(`,"goodsName":`)
				e.strPtr(g.GoodsName)
				e.raw(`,"goodsDetail":`)
				e.strPtr(g.GoodsDetail)
				e.raw("}")
			}
			e.raw("]")
		}
		e.raw(`,"generatePayLink":`)
		e.bool(t.GeneratePayLink)
		e.raw("}")
	}
	if v := o.VerifyWallet; v != nil {
		e.raw(`,"verifyWalletOptions":{`)
		if v.Message != "" {
			e.raw(`"message":`)
			e.str(v.Message)
			e.raw(",")
		}
		e.raw(`"verificationMethods":`)
		e.strs(v.VerificationMethods)
		if len(v.Addresses) > 0 {
			e.raw(`,"addresses":`)
			e.strs(v.Addresses)
		}
		e.optStr(`,"networkId":`, v.NetworkID)
		e.optStr(`,"networkType":`, v.NetworkType)
		e.raw("}")
	}
	e.raw("}")
	return e.b, e.err
}

// jsonAppender appends JSON tokens to b and keeps the first error.
type jsonAppender struct {
	b   []byte
	err error
}

func (e *jsonAppender) raw(s string) { e.b = append(e.b, s...) }

func (e *jsonAppender) str(s string) {
	var err error
	if e.b, err = jsontext.AppendQuote(e.b, s); err != nil && e.err == nil {
		e.err = errors.Join(errors.New("linktoken: encode options"), err)
	}
}

// optStr appends name and s unless s is empty (omitempty).
func (e *jsonAppender) optStr(name, s string) {
	if s != "" {
		e.raw(name)
		e.str(s)
	}
}

func (e *jsonAppender) strPtr(s *string) {
	if s == nil {
		e.raw("null")
		return
	}
	e.str(*s)
}

// strs appends a string array; nil is [] (go-json-experiment's default).
func (e *jsonAppender) strs(ss []string) {
	e.raw("[")
	for i, s := range ss {
		if i > 0 {
			e.raw(",")
		}
		e.str(s)
	}
	e.raw("]")
}

func (e *jsonAppender) bool(v bool) {
	if v {
		e.raw("true")
	} else {
		e.raw("false")
	}
}

func (e *jsonAppender) float(f float64) { e.b = jsonappend.Float(e.b, f) }
