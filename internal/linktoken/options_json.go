package linktoken

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/jsonappend"
)

// appendJSON appends o in the form the store keeps with a code: Options' JSON with the
// members that hold nothing left out (false, 0, "", absent pointers and empty lists;
// the decoder gives them back as zero values) and without each destination's network
// name and type, which decodeStored takes back from the catalog. The row a token costs
// is then about a third smaller, and every byte of it is copied, checksummed and written
// twice (WAL, then checkpoint). TestStoredOptionsRoundTrip checks that decodeStored
// gives o back, for random values of every field, so a field added to Options,
// Transfer, Destination, GoodsDetails or VerifyWallet must be added here too.
//
// It is written by hand, not by json.Marshal, whose reflection was a tenth of the CPU of
// issuing a token. The error is jsontext's for a string that is not valid UTF-8, which
// Decode never produces.
func (o *Options) appendJSON(b []byte) ([]byte, error) {
	e := jsonAppender{b: b}
	e.object(func() {
		e.optStr("userId", o.UserID)
		e.optStr("integrationId", o.IntegrationID)
		e.optStr("brokerType", o.BrokerType)
		e.optBool("restrictMultipleAccounts", o.RestrictMultipleAccounts)
		e.optBool("disableApiKeyGeneration", o.DisableAPIKeyGeneration)
		e.optStr("subClientId", o.SubClientID)
		if t := o.Transfer; t != nil {
			e.name("transferOptions")
			e.object(func() { e.transfer(t) })
		}
		if v := o.VerifyWallet; v != nil {
			e.name("verifyWalletOptions")
			e.object(func() {
				e.optStr("message", v.Message)
				e.name("verificationMethods") // always: an empty list is not an absent one here
				e.strs(v.VerificationMethods)
				if len(v.Addresses) > 0 {
					e.name("addresses")
					e.strs(v.Addresses)
				}
				e.optStr("networkId", v.NetworkID)
				e.optStr("networkType", v.NetworkType)
			})
		}
	})
	return e.b, e.err
}

func (e *jsonAppender) transfer(t *Transfer) {
	e.objects("toAddresses", len(t.ToAddresses), func(i int) {
		d := &t.ToAddresses[i]
		e.optStr("networkId", d.NetworkID)
		e.optStr("symbol", d.Symbol)
		e.optStr("address", d.Address)
		e.optStr("addressTag", d.AddressTag)
		e.optFloat("amount", d.Amount)
		e.optFloat("displayAmountInFiat", d.DisplayAmountInFiat)
	})
	e.optFloat("amountInFiat", t.AmountInFiat)
	e.optStr("transactionId", t.TransactionID)
	if t.ClientFee != nil { // 0 is a fee the client chose
		e.name("clientFee")
		e.float(*t.ClientFee)
	}
	e.optStr("transferType", t.TransferType)
	e.optBool("fundingEnabled", t.FundingEnabled)
	e.optBool("isInclusiveFeeEnabled", t.IsInclusiveFeeEnabled)
	e.optStr("description", t.Description)
	e.objects("goodsDetails", len(t.GoodsDetails), func(i int) {
		g := &t.GoodsDetails[i]
		e.strPtr("goodsType", g.GoodsType)
		e.strPtr("goodsCategory", g.GoodsCategory)
		e.strPtr("referenceGoodsId", g.ReferenceGoodsID)
		e.strPtr("goodsName", g.GoodsName)
		e.strPtr("goodsDetail", g.GoodsDetail)
	})
	e.optBool("generatePayLink", t.GeneratePayLink)
}

// decodeStored decodes options stored by appendJSON (or by json.Marshal, as the first
// versions stored them) and fills in each destination's network name and type from cat.
func decodeStored(b []byte, cat *catalog.Catalog) (Options, error) {
	var o Options
	if err := json.Unmarshal(b, &o); err != nil {
		return Options{}, fmt.Errorf("linktoken: stored options: %w", err)
	}
	if o.Transfer != nil {
		for i := range o.Transfer.ToAddresses {
			d := &o.Transfer.ToAddresses[i]
			if n, ok := cat.NetworkRef(d.NetworkID); ok && d.NetworkName == "" {
				d.NetworkName, d.NetworkType = n.DisplayName, n.NetworkType
			}
		}
	}
	return o, nil
}

// jsonAppender appends the members of JSON objects to b and keeps the first error.
type jsonAppender struct {
	b     []byte
	first bool // no member yet in the object being written
	err   error
}

// object appends an object whose members members appends.
func (e *jsonAppender) object(members func()) {
	e.b = append(e.b, '{')
	e.first = true
	members()
	e.b = append(e.b, '}')
	e.first = false
}

// objects appends member n, an array of count objects, unless count is 0; member(i)
// appends the members of the i-th.
func (e *jsonAppender) objects(n string, count int, members func(i int)) {
	if count == 0 {
		return
	}
	e.name(n)
	e.b = append(e.b, '[')
	for i := range count {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.object(func() { members(i) })
	}
	e.b = append(e.b, ']')
}

// name appends a member name (a Go identifier: nothing to escape), after a comma unless
// it is the object's first.
func (e *jsonAppender) name(n string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, n...)
	e.b = append(e.b, '"', ':')
}

func (e *jsonAppender) str(s string) {
	var err error
	if e.b, err = jsonappend.String(e.b, s); err != nil && e.err == nil {
		e.err = errors.Join(errors.New("linktoken: encode options"), err)
	}
}

// optStr appends member n unless s is empty; optBool unless v is false; optFloat unless
// f is 0; strPtr unless p is nil.
func (e *jsonAppender) optStr(n, s string) {
	if s != "" {
		e.name(n)
		e.str(s)
	}
}

func (e *jsonAppender) optBool(n string, v bool) {
	if v {
		e.name(n)
		e.b = append(e.b, "true"...)
	}
}

func (e *jsonAppender) optFloat(n string, f float64) {
	if f != 0 {
		e.name(n)
		e.float(f)
	}
}

func (e *jsonAppender) strPtr(n string, p *string) {
	if p != nil {
		e.name(n)
		e.str(*p)
	}
}

// strs appends a string array; nil is [].
func (e *jsonAppender) strs(ss []string) {
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(s)
	}
	e.b = append(e.b, ']')
}

func (e *jsonAppender) float(f float64) { e.b = jsonappend.Float(e.b, f) }
