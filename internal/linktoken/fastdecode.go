package linktoken

import (
	"bytes"
	"math"
	"slices"
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
// escape-free strings, numbers, true, false and null. It exists because decoding was a
// large part of a link-token request's CPU (figures in bench/README.md).
func fastDecode(body []byte) (*Request, bool) {
	// One copy of the body as a string: every string value is a substring of it, one
	// allocation instead of one per value. (It lives as long as the Request; requests are
	// short-lived.)
	f := fastDecoder{b: body, s: string(body)}
	r := new(Request)
	if !f.request(r) {
		return nil, false
	}
	// Only whitespace may follow the object.
	return r, f.peek() == 0 && f.i == len(body)
}

// fastDecoder is fastDecode's state: the body, the position in it, and the arenas of
// the values pointer fields point to.
type fastDecoder struct {
	b     []byte
	s     string // b as a string
	i     int    // next byte of b
	first bool   // just inside an object or array: no comma before the next member
	strs  arena[string]
	nums  arena[float64]
	bools arena[bool]
}

// arena hands out the values a Request's pointer fields point to from chunks: one
// allocation per chunk instead of one per field. A chunk lives as long as its pointers.
type arena[T any] struct{ free []T }

func (a *arena[T]) new(v T) *T {
	if len(a.free) == 0 {
		a.free = make([]T, 8)
	}
	p := &a.free[0]
	a.free = a.free[1:]
	*p = v
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

// name reads a member name and the colon after it. The name is a substring of the body
// string, so comparing it (switch name) and keeping it (object's seen list) copy nothing.
func (f *fastDecoder) name() (string, bool) {
	n, ok := f.plainStr()
	if !ok || f.peek() != ':' {
		return "", false
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
		*dst = f.strs.new(s)
	}
	return ok
}

func (f *fastDecoder) plainStr() (string, bool) {
	v, ok := f.rawString()
	if !ok {
		return "", false
	}
	end := f.i - 1 // the closing quote
	return f.s[end-len(v) : end], true
}

func (f *fastDecoder) bool(dst **bool) bool {
	switch {
	case f.null():
		*dst = nil
	case f.literal("true"):
		*dst = f.bools.new(true)
	case f.literal("false"):
		*dst = f.bools.new(false)
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
	*dst = f.nums.new(n)
	return true
}

// maxMembers is the most members an object of a request has (transferOptions: ten). An
// object with more repeats or misspells one, which makes the fast path give up anyway; a
// member added to TransferOptions must raise it (TestFastDecodeMembers sends them all).
const maxMembers = 10

// object reads an object, calling member(name) to read the value of each member.
// member returns false for a name it does not know (an unknown member, or a known one
// spelled otherwise than node-api spells it) or a value it cannot read, and the fast path
// gives up. So does a member given twice: a duplicate is the general decoder's business.
func (f *fastDecoder) object(member func(name string) bool) bool {
	if !f.open('{') {
		return false
	}
	// The names read so far: a short list (an object has a handful of members) beats a map.
	var seen [maxMembers]string
	n := 0
	for {
		more, ok := f.more('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
		name, ok := f.name()
		if !ok || n == len(seen) || slices.Contains(seen[:n], name) || !member(name) {
			return false
		}
		seen[n] = name
		n++
	}
}

// optObject reads null (dst = nil) or an object into a new T, as object does.
func optObject[T any](f *fastDecoder, dst **T, member func(t *T, name string) bool) bool {
	if f.null() {
		*dst = nil
		return true
	}
	t := new(T)
	if !f.object(func(name string) bool { return member(t, name) }) {
		return false
	}
	*dst = t
	return true
}

// array reads null (dst = nil) or an array whose elements elem reads; a null element is
// T's zero value, as json.Unmarshal makes it.
func array[T any](f *fastDecoder, dst *[]T, elem func(*T) bool) bool {
	if f.null() {
		*dst = nil
		return true
	}
	if !f.open('[') {
		return false
	}
	out := []T{}
	for {
		more, ok := f.more(']')
		if !ok {
			return false
		}
		if !more {
			*dst = out
			return true
		}
		var zero T
		out = append(out, zero)
		if !f.null() && !elem(&out[len(out)-1]) {
			return false
		}
	}
}

// The readers of each object of a request dispatch on the member name as node-api
// spells it; any other spelling falls back to the general decoder, which matches names
// case-insensitively.

func (f *fastDecoder) request(r *Request) bool {
	return f.object(func(name string) bool {
		switch name {
		case "userId":
			return f.str(&r.UserID)
		case "brokerType":
			return f.str(&r.BrokerType)
		case "restrictMultipleAccounts":
			return f.bool(&r.RestrictMultipleAccounts)
		case "transferOptions":
			return optObject(f, &r.TransferOptions, f.transferMember)
		case "integrationId":
			return f.str(&r.IntegrationID)
		case "disableApiKeyGeneration":
			return f.bool(&r.DisableAPIKeyGeneration)
		case "verifyWalletOptions":
			return optObject(f, &r.VerifyWalletOptions, f.verifyMember)
		case "subClientId":
			return f.str(&r.SubClientID)
		}
		return false
	})
}

func (f *fastDecoder) transferMember(t *TransferOptions, name string) bool {
	switch name {
	case "toAddresses":
		return array(f, &t.ToAddresses, func(a *ToAddress) bool {
			return f.object(func(name string) bool { return f.toAddressMember(a, name) })
		})
	case "amountInFiat":
		return f.num(&t.AmountInFiat)
	case "transactionId":
		return f.str(&t.TransactionID)
	case "clientFee":
		return f.num(&t.ClientFee)
	case "transferType":
		return f.str(&t.TransferType)
	case "fundingOptions":
		return optObject(f, &t.FundingOptions, func(o *FundingOptions, name string) bool {
			return name == "enabled" && f.bool(&o.Enabled)
		})
	case "isInclusiveFeeEnabled":
		return f.bool(&t.IsInclusiveFeeEnabled)
	case "description":
		return f.str(&t.Description)
	case "goodsDetails":
		return array(f, &t.GoodsDetails, func(g *GoodsDetails) bool {
			return f.object(func(name string) bool { return f.goodsMember(g, name) })
		})
	case "generatePayLink":
		return f.bool(&t.GeneratePayLink)
	}
	return false
}

func (f *fastDecoder) toAddressMember(a *ToAddress, name string) bool {
	switch name {
	case "networkId":
		return f.str(&a.NetworkID)
	case "symbol":
		return f.str(&a.Symbol)
	case "address":
		return f.str(&a.Address)
	case "addressTag":
		return f.str(&a.AddressTag)
	case "amount":
		return f.num(&a.Amount)
	case "displayAmountInFiat":
		return f.num(&a.DisplayAmountInFiat)
	}
	return false
}

func (f *fastDecoder) goodsMember(g *GoodsDetails, name string) bool {
	switch name {
	case "goodsType":
		return f.str(&g.GoodsType)
	case "goodsCategory":
		return f.str(&g.GoodsCategory)
	case "referenceGoodsId":
		return f.str(&g.ReferenceGoodsID)
	case "goodsName":
		return f.str(&g.GoodsName)
	case "goodsDetail":
		return f.str(&g.GoodsDetail)
	}
	return false
}

func (f *fastDecoder) verifyMember(w *VerifyWalletOptions, name string) bool {
	plain := func(s *string) bool {
		v, ok := f.plainStr()
		*s = v
		return ok
	}
	switch name {
	case "message":
		return f.str(&w.Message)
	case "verificationMethods":
		return array(f, &w.VerificationMethods, plain)
	case "addresses":
		return array(f, &w.Addresses, plain)
	case "networkId":
		return f.str(&w.NetworkID)
	case "networkType":
		return f.str(&w.NetworkType)
	}
	return false
}
