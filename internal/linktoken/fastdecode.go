package linktoken

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"
)

// fastDecode decodes the usual shape of a request body without reflection: member names
// spelled exactly as node-api spells them, strings without escapes, values of the
// expected JSON kinds (or null). Anything else (a name in another case or with an escape,
// an unknown member, a type mismatch, a syntax error, data after the object, a duplicate,
// a number out of range) makes it give up with ok false, and Decode then runs the general
// decoder, which also words the errors. So it never decides anything the general decoder
// would decide differently: when it succeeds, its Request is the one json.Unmarshal
// makes (TestFastDecodeMatchesUnmarshal, which also fuzzes it with malformed bodies).
//
// It scans the bytes itself, since the grammar it accepts is so small: JSON's structure,
// escape-free strings, numbers, true, false and null. Decoding was the largest part of
// the CPU a link-token request costs after the store; this takes a fifth of the general
// decoder's time.
func fastDecode(body []byte) (*Request, bool) {
	// One copy of the body as a string: every string value is a substring of it, one
	// allocation instead of one per value. (It lives as long as the Request; requests are
	// short-lived.)
	f := fastDecoder{b: body, a: new(valueArena)}
	r := new(Request)
	if !f.request(r) {
		return nil, false
	}
	// Only whitespace may follow the object.
	return r, f.peek() == 0 && f.i == len(body)
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

// fastDecoder is fastDecode's state: the body, the position in it, and where the values
// pointer fields point to are kept.
type fastDecoder struct {
	b     []byte
	i     int  // next byte of b
	first bool // just inside an object or array: no comma before the next member
	a     *valueArena
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

// peek skips whitespace and returns the next byte, 0 at the end of the input.
func (f *fastDecoder) peek() byte {
	for ; f.i < len(f.b); f.i++ {
		switch c := f.b[f.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// open reads the start of an object or array (delim '{' or '['); ok false if the next
// value is something else.
func (f *fastDecoder) open(delim byte) bool {
	if f.peek() != delim {
		return false
	}
	f.i++
	f.first = true
	return true
}

// more reports whether the object or array being read (closed by end) has another member
// or element, consuming the comma before it, or its end if not; ok is false on anything
// else.
func (f *fastDecoder) more(end byte) (more, ok bool) {
	c := f.peek()
	if c == end {
		f.i++
		f.first = false // the container just closed was a value of the enclosing one
		return false, true
	}
	if !f.first {
		if c != ',' {
			return false, false
		}
		f.i++
	}
	f.first = false
	return true, true
}

// rawString reads a string without escapes and returns its bytes between the quotes.
func (f *fastDecoder) rawString() ([]byte, bool) {
	if f.peek() != '"' {
		return nil, false
	}
	b, start := f.b, f.i+1
	ascii := true
	for j := start; j < len(b); j++ {
		for j < len(b) && !strSpecial[b[j]] {
			j++
		}
		if j == len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			f.i = j + 1
			v := b[start:j]
			return v, ascii || utf8.Valid(v)
		case c >= utf8.RuneSelf:
			ascii = false
		default: // an escape (the general decoder's job) or a control character (invalid)
			return nil, false
		}
	}
	return nil, false
}

// strSpecial marks the bytes rawString must look at: the quote, the backslash, control
// characters and the bytes of non-ASCII characters.
var strSpecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// name reads a member name and the colon after it; compared with switch string(name), it
// is never copied.
func (f *fastDecoder) name() ([]byte, bool) {
	n, ok := f.rawString()
	if !ok || f.peek() != ':' {
		return nil, false
	}
	f.i++
	return n, true
}

// literal consumes lit (true, false or null) if that is what comes next.
func (f *fastDecoder) literal(lit string) bool {
	if f.peek() != lit[0] || !bytes.HasPrefix(f.b[f.i:], []byte(lit)) {
		return false
	}
	f.i += len(lit)
	return true
}

// null consumes a null if that is what comes next.
func (f *fastDecoder) null() bool { return f.literal("null") }

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
	v, ok := f.rawString()
	if !ok {
		return "", false
	}
	return string(v), true
}

func (f *fastDecoder) bool(dst **bool) bool {
	switch {
	case f.null():
		*dst = nil
	case f.literal("true"):
		*dst = f.newBool(true)
	case f.literal("false"):
		*dst = f.newBool(false)
	default:
		return false
	}
	return true
}

// num reads a number that follows JSON's grammar exactly and fits a float64.
func (f *fastDecoder) num(dst **float64) bool {
	if f.null() {
		*dst = nil
		return true
	}
	f.peek()
	b, start := f.b, f.i
	i := start
	digits := func() bool {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	n, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil || math.IsInf(n, 0) {
		return false
	}
	f.i = i
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
		more, ok := f.more(']')
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
		more, ok := f.more('}')
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
		case "userId":
			ok = once(&seen, 0) && f.str(&r.UserID)
		case "brokerType":
			ok = once(&seen, 1) && f.str(&r.BrokerType)
		case "restrictMultipleAccounts":
			ok = once(&seen, 2) && f.bool(&r.RestrictMultipleAccounts)
		case "transferOptions":
			ok = once(&seen, 3) && f.transfer(&r.TransferOptions)
		case "integrationId":
			ok = once(&seen, 4) && f.str(&r.IntegrationID)
		case "disableApiKeyGeneration":
			ok = once(&seen, 5) && f.bool(&r.DisableAPIKeyGeneration)
		case "verifyWalletOptions":
			ok = once(&seen, 6) && f.verifyWallet(&r.VerifyWalletOptions)
		case "subClientId":
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
		more, ok := f.more('}')
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
		case "toAddresses":
			ok = once(&seen, 0) && f.toAddresses(&t.ToAddresses)
		case "amountInFiat":
			ok = once(&seen, 1) && f.num(&t.AmountInFiat)
		case "transactionId":
			ok = once(&seen, 2) && f.str(&t.TransactionID)
		case "clientFee":
			ok = once(&seen, 3) && f.num(&t.ClientFee)
		case "transferType":
			ok = once(&seen, 4) && f.str(&t.TransferType)
		case "fundingOptions":
			ok = once(&seen, 5) && f.funding(&t.FundingOptions)
		case "isInclusiveFeeEnabled":
			ok = once(&seen, 6) && f.bool(&t.IsInclusiveFeeEnabled)
		case "description":
			ok = once(&seen, 7) && f.str(&t.Description)
		case "goodsDetails":
			ok = once(&seen, 8) && f.goodsDetails(&t.GoodsDetails)
		case "generatePayLink":
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
		more, ok := f.more(']')
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
		more, ok := f.more('}')
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
		case "networkId":
			ok = once(&seen, 0) && f.str(&a.NetworkID)
		case "symbol":
			ok = once(&seen, 1) && f.str(&a.Symbol)
		case "address":
			ok = once(&seen, 2) && f.str(&a.Address)
		case "addressTag":
			ok = once(&seen, 3) && f.str(&a.AddressTag)
		case "amount":
			ok = once(&seen, 4) && f.num(&a.Amount)
		case "displayAmountInFiat":
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
		more, ok := f.more('}')
		if !ok {
			return false
		}
		if !more {
			*dst = o
			return true
		}
		name, ok := f.name()
		if !ok || string(name) != "enabled" || !once(&seen, 0) || !f.bool(&o.Enabled) {
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
		more, ok := f.more(']')
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
			more, ok := f.more('}')
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
			case "goodsType":
				ok = once(&seen, 0) && f.str(&g.GoodsType)
			case "goodsCategory":
				ok = once(&seen, 1) && f.str(&g.GoodsCategory)
			case "referenceGoodsId":
				ok = once(&seen, 2) && f.str(&g.ReferenceGoodsID)
			case "goodsName":
				ok = once(&seen, 3) && f.str(&g.GoodsName)
			case "goodsDetail":
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
		more, ok := f.more('}')
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
		case "message":
			ok = once(&seen, 0) && f.str(&w.Message)
		case "verificationMethods":
			ok = once(&seen, 1) && f.strs(&w.VerificationMethods)
		case "addresses":
			ok = once(&seen, 2) && f.strs(&w.Addresses)
		case "networkId":
			ok = once(&seen, 3) && f.str(&w.NetworkID)
		case "networkType":
			ok = once(&seen, 4) && f.str(&w.NetworkType)
		default:
			ok = false
		}
		if !ok {
			return false
		}
	}
}
