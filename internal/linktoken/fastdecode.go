package linktoken

import (
	"bytes"
	"math"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// fastDecode decodes the usual shape of a request body without reflection: member names
// spelled exactly as node-api spells them, values of the expected JSON kinds (or null).
// Anything else (a name in another case or with an escape, an unknown member, a type
// mismatch, a syntax error, data after the object, a duplicate, a number out of range)
// makes it give up with ok false, and Decode then runs the general decoder, which also
// words the errors. So it never decides anything the general decoder would decide
// differently: when it succeeds, its Request is the one json.Unmarshal makes
// (TestFastDecodeMatchesUnmarshal, which also fuzzes it).
//
// Decoding was the largest part of the CPU a link-token request costs after the store;
// this path takes about half of the general decoder's time.
func fastDecode(body []byte) (*Request, bool) {
	f := fastDecoders.Get().(*fastDecoder)
	defer fastDecoders.Put(f)
	f.rd.Reset(body)
	// Duplicate names are caught by the member switches below (every name the fast path
	// accepts is a known field), which is cheaper than jsontext's own tracking.
	f.d.Reset(&f.rd, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false))
	f.a = new(valueArena)
	r := new(Request)
	ok := f.request(r)
	f.a = nil
	if !ok {
		return nil, false
	}
	// Only whitespace may follow the object.
	for _, c := range body[f.d.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, false
		}
	}
	return r, true
}

// once records member number i of an object in seen and reports whether it is its first
// occurrence.
func once(seen *uint32, i uint) bool {
	if *seen&(1<<i) != 0 {
		return false
	}
	*seen |= 1 << i
	return true
}

type fastDecoder struct {
	rd bytes.Reader
	d  jsontext.Decoder
	a  *valueArena
}

// valueArena holds the values a Request's pointer fields point to: one allocation per
// request instead of one per field. It is kept alive by those pointers, never reused.
type valueArena struct {
	strs       [16]string
	nums       [8]float64
	bools      [8]bool
	ns, nn, nb int
}

func (f *fastDecoder) newStr(s string) *string {
	if f.a.ns == len(f.a.strs) {
		f.a = new(valueArena) // full: a fresh one; the old one lives on through its pointers
	}
	a := f.a
	p := &a.strs[a.ns]
	a.ns++
	*p = s
	return p
}

func (f *fastDecoder) newNum(n float64) *float64 {
	if f.a.nn == len(f.a.nums) {
		f.a = new(valueArena) // full: a fresh one; the old one lives on through its pointers
	}
	a := f.a
	p := &a.nums[a.nn]
	a.nn++
	*p = n
	return p
}

func (f *fastDecoder) newBool(b bool) *bool {
	if f.a.nb == len(f.a.bools) {
		f.a = new(valueArena) // full: a fresh one; the old one lives on through its pointers
	}
	a := f.a
	p := &a.bools[a.nb]
	a.nb++
	*p = b
	return p
}

var fastDecoders = sync.Pool{New: func() any { return new(fastDecoder) }}

// open reads the start of an object or array (delim '{' or '['); ok false if the next
// value is something else.
func (f *fastDecoder) open(delim jsontext.Kind) bool {
	if f.d.PeekKind() != delim {
		return false
	}
	_, err := f.d.ReadToken()
	return err == nil
}

// more reports whether the object or array being read has another member or element,
// and consumes its end if not; ok is false on a syntax error.
func (f *fastDecoder) more() (more, ok bool) {
	switch f.d.PeekKind() {
	case '}', ']':
		_, err := f.d.ReadToken()
		return false, err == nil
	case 0:
		return false, false
	}
	return true, true
}

// name reads a member name as raw JSON text, quotes included: compared with
// switch string(name), it is never copied.
func (f *fastDecoder) name() ([]byte, bool) {
	v, err := f.d.ReadValue()
	return v, err == nil
}

// null consumes a null if that is what comes next.
func (f *fastDecoder) null() bool {
	if f.d.PeekKind() != 'n' {
		return false
	}
	_, err := f.d.ReadToken()
	return err == nil
}

func (f *fastDecoder) str(dst **string) bool {
	if f.null() {
		*dst = nil
		return true
	}
	s, ok := f.plainStr()
	if ok {
		*dst = f.newStr(s)
	}
	return ok
}

func (f *fastDecoder) plainStr() (string, bool) {
	if f.d.PeekKind() != '"' {
		return "", false
	}
	v, err := f.d.ReadValue()
	if err != nil {
		return "", false
	}
	if bytes.IndexByte(v, '\\') < 0 { // no escapes: the text between the quotes
		return string(v[1 : len(v)-1]), true
	}
	u, err := jsontext.AppendUnquote(nil, v)
	return string(u), err == nil
}

func (f *fastDecoder) bool(dst **bool) bool {
	if f.null() {
		*dst = nil
		return true
	}
	switch f.d.PeekKind() {
	case 't', 'f':
		tok, err := f.d.ReadToken()
		if err != nil {
			return false
		}
		*dst = f.newBool(tok.Bool())
		return true
	}
	return false
}

func (f *fastDecoder) num(dst **float64) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if f.d.PeekKind() != '0' {
		return false
	}
	v, err := f.d.ReadValue()
	if err != nil {
		return false
	}
	n, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(n, 0) {
		return false
	}
	*dst = f.newNum(n)
	return true
}

// strs reads an array of strings; null elements are "" (as json.Unmarshal makes them).
func (f *fastDecoder) strs(dst *[]string) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('[') {
		return false
	}
	out := []string{}
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = out
			return true
		}
		if f.null() {
			out = append(out, "")
			continue
		}
		s, ok := f.plainStr()
		if !ok {
			return false
		}
		out = append(out, s)
	}
}

func (f *fastDecoder) request(r *Request) bool {
	if !f.open('{') {
		return false
	}
	var seen uint32
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			return true
		}
		name, ok := f.name()
		if !ok {
			return false
		}
		switch string(name) {
		case `"userId"`:
			ok = once(&seen, 0) && f.str(&r.UserID)
		case `"brokerType"`:
			ok = once(&seen, 1) && f.str(&r.BrokerType)
		case `"restrictMultipleAccounts"`:
			ok = once(&seen, 2) && f.bool(&r.RestrictMultipleAccounts)
		case `"transferOptions"`:
			ok = once(&seen, 3) && f.transfer(&r.TransferOptions)
		case `"integrationId"`:
			ok = once(&seen, 4) && f.str(&r.IntegrationID)
		case `"disableApiKeyGeneration"`:
			ok = once(&seen, 5) && f.bool(&r.DisableAPIKeyGeneration)
		case `"verifyWalletOptions"`:
			ok = once(&seen, 6) && f.verifyWallet(&r.VerifyWalletOptions)
		case `"subClientId"`:
			ok = once(&seen, 7) && f.str(&r.SubClientID)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}

func (f *fastDecoder) transfer(dst **TransferOptions) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('{') {
		return false
	}
	t := new(TransferOptions)
	var seen uint32
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = t
			return true
		}
		name, ok := f.name()
		if !ok {
			return false
		}
		switch string(name) {
		case `"toAddresses"`:
			ok = once(&seen, 0) && f.toAddresses(&t.ToAddresses)
		case `"amountInFiat"`:
			ok = once(&seen, 1) && f.num(&t.AmountInFiat)
		case `"transactionId"`:
			ok = once(&seen, 2) && f.str(&t.TransactionID)
		case `"clientFee"`:
			ok = once(&seen, 3) && f.num(&t.ClientFee)
		case `"transferType"`:
			ok = once(&seen, 4) && f.str(&t.TransferType)
		case `"fundingOptions"`:
			ok = once(&seen, 5) && f.funding(&t.FundingOptions)
		case `"isInclusiveFeeEnabled"`:
			ok = once(&seen, 6) && f.bool(&t.IsInclusiveFeeEnabled)
		case `"description"`:
			ok = once(&seen, 7) && f.str(&t.Description)
		case `"goodsDetails"`:
			ok = once(&seen, 8) && f.goodsDetails(&t.GoodsDetails)
		case `"generatePayLink"`:
			ok = once(&seen, 9) && f.bool(&t.GeneratePayLink)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}

func (f *fastDecoder) toAddresses(dst *[]ToAddress) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('[') {
		return false
	}
	out := []ToAddress{}
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = out
			return true
		}
		out = append(out, ToAddress{})
		if f.null() {
			continue
		}
		if !f.toAddress(&out[len(out)-1]) {
			return false
		}
	}
}

func (f *fastDecoder) toAddress(a *ToAddress) bool {
	if !f.open('{') {
		return false
	}
	var seen uint32
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			return true
		}
		name, ok := f.name()
		if !ok {
			return false
		}
		switch string(name) {
		case `"networkId"`:
			ok = once(&seen, 0) && f.str(&a.NetworkID)
		case `"symbol"`:
			ok = once(&seen, 1) && f.str(&a.Symbol)
		case `"address"`:
			ok = once(&seen, 2) && f.str(&a.Address)
		case `"addressTag"`:
			ok = once(&seen, 3) && f.str(&a.AddressTag)
		case `"amount"`:
			ok = once(&seen, 4) && f.num(&a.Amount)
		case `"displayAmountInFiat"`:
			ok = once(&seen, 5) && f.num(&a.DisplayAmountInFiat)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}

func (f *fastDecoder) funding(dst **FundingOptions) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('{') {
		return false
	}
	o := new(FundingOptions)
	var seen uint32
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = o
			return true
		}
		name, ok := f.name()
		if !ok || string(name) != `"enabled"` || !once(&seen, 0) || !f.bool(&o.Enabled) {
			return false
		}
	}
}

func (f *fastDecoder) goodsDetails(dst *[]GoodsDetails) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('[') {
		return false
	}
	out := []GoodsDetails{}
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = out
			return true
		}
		out = append(out, GoodsDetails{})
		if f.null() {
			continue
		}
		g := &out[len(out)-1]
		if !f.open('{') {
			return false
		}
		var seen uint32
		for {
			more, ok := f.more()
			if !ok {
				return false
			}
			if !more {
				break
			}
			name, ok := f.name()
			if !ok {
				return false
			}
			switch string(name) {
			case `"goodsType"`:
				ok = once(&seen, 0) && f.str(&g.GoodsType)
			case `"goodsCategory"`:
				ok = once(&seen, 1) && f.str(&g.GoodsCategory)
			case `"referenceGoodsId"`:
				ok = once(&seen, 2) && f.str(&g.ReferenceGoodsID)
			case `"goodsName"`:
				ok = once(&seen, 3) && f.str(&g.GoodsName)
			case `"goodsDetail"`:
				ok = once(&seen, 4) && f.str(&g.GoodsDetail)
			default:
				ok = false
			}
			if !ok {
				return false
			}
		}
	}
}

func (f *fastDecoder) verifyWallet(dst **VerifyWalletOptions) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('{') {
		return false
	}
	w := new(VerifyWalletOptions)
	var seen uint32
	for {
		more, ok := f.more()
		if !ok {
			return false
		}
		if !more {
			*dst = w
			return true
		}
		name, ok := f.name()
		if !ok {
			return false
		}
		switch string(name) {
		case `"message"`:
			ok = once(&seen, 0) && f.str(&w.Message)
		case `"verificationMethods"`:
			ok = once(&seen, 1) && f.strs(&w.VerificationMethods)
		case `"addresses"`:
			ok = once(&seen, 2) && f.strs(&w.Addresses)
		case `"networkId"`:
			ok = once(&seen, 3) && f.str(&w.NetworkID)
		case `"networkType"`:
			ok = once(&seen, 4) && f.str(&w.NetworkType)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}
