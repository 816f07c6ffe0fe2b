// Package address validates crypto destination addresses (and their secondary
// tags) per network format, so that linkd can refuse a transfer to a malformed
// address before anything is sent, the way Mesh Connect does.
//
// Only mainnet formats are accepted: linkd stands in for a production API, and a
// testnet address there is always a mistake. Every rejection is an *Error whose
// Reason is a short phrase a developer can act on.
package address

import (
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Network types, spelled like Mesh's NetworkType enum so that catalog entries and
// request bodies can be passed through unchanged.
const (
	EVM      = "evm"
	Solana   = "solana"
	Bitcoin  = "bitcoin"
	Cardano  = "cardano"
	Tron     = "tron"
	Dogecoin = "dogecoin"
	Ripple   = "ripple"
	Stellar  = "stellar"
	Litecoin = "litecoin"
)

// MaxLen is the longest input any validator will look at. It is generous
// (Cardano addresses may legitimately exceed bech32's usual 90 characters) but
// bounds the work done on hostile input.
const MaxLen = 1000

// network bundles what this package knows about one network type.
type network struct {
	name     string // human name used in error messages
	validate func(s string) string
	pattern  string
}

// networks is keyed by Mesh network type. It is never written after package
// initialization, so concurrent reads need no lock.
var networks = map[string]network{
	EVM:      {"EVM", validateEVM, `^0x[0-9a-fA-F]{40}$`},
	Solana:   {"Solana", validateSolana, `^[1-9A-HJ-NP-Za-km-z]{32,44}$`},
	Bitcoin:  {"Bitcoin", bitcoinParams.validate, `^([13][1-9A-HJ-NP-Za-km-z]{25,34}|(bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87})$`},
	Litecoin: {"Litecoin", litecoinParams.validate, `^([LM3][1-9A-HJ-NP-Za-km-z]{25,34}|(ltc1|LTC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,86})$`},
	Dogecoin: {"Dogecoin", dogecoinParams.validate, `^[DA9][1-9A-HJ-NP-Za-km-z]{25,34}$`},
	Tron:     {"Tron", validateTron, `^T[1-9A-HJ-NP-Za-km-z]{33}$`},
	Ripple:   {"XRP", validateRipple, `^(r[1-9A-HJ-NP-Za-km-z]{24,34}|X[1-9A-HJ-NP-Za-km-z]{46})$`},
	Stellar:  {"Stellar", validateStellar, `^(G[A-Z2-7]{55}|M[A-Z2-7]{68})$`},
	Cardano:  {"Cardano", validateCardano, `^(addr1[02-9ac-hj-np-z]{53,}|ADDR1[02-9AC-HJ-NP-Z]{53,}|[1-9A-HJ-NP-Za-km-z]{50,})$`},
}

// Error explains why an address (or tag) is invalid in words a developer can act
// on. It never carries the full input: addresses end up in logs and API
// responses, and echoing arbitrary user input there is a liability.
type Error struct {
	// NetworkType is the Mesh network type the input was checked against.
	NetworkType string
	// Reason is a short lower-case phrase such as "bad checksum" or
	// "invalid character 'O'".
	Reason string

	tag bool // the secondary identifier (addressTag) was rejected, not the address
}

// Error renders "not a valid <Network> address: <reason>", or the tag variant,
// so the message reads well on its own in an API error body.
func (e *Error) Error() string {
	n, ok := networks[e.NetworkType]
	if !ok {
		return e.Reason + ": " + quoteShort(e.NetworkType)
	}
	if !e.tag {
		return "not a valid " + n.name + " address: " + e.Reason
	}
	switch e.NetworkType {
	case Ripple:
		return "not a valid XRP destination tag: " + e.Reason
	case Stellar:
		return "not a valid Stellar memo: " + e.Reason
	default:
		return "invalid address tag: " + e.Reason
	}
}

// reasonUnsupported is the Reason for a network type this package does not know.
const reasonUnsupported = "unsupported network type"

// Validate reports whether addr is a well-formed mainnet address for the
// network type. It returns nil or an *Error; unknown network types get an *Error
// with Reason "unsupported network type". Validate is authoritative, Pattern is
// only informative.
func Validate(networkType, addr string) error {
	n, ok := networks[networkType]
	if !ok {
		return &Error{NetworkType: networkType, Reason: reasonUnsupported}
	}
	if r := precheck(addr); r != "" {
		return &Error{NetworkType: networkType, Reason: r}
	}
	if r := n.validate(addr); r != "" {
		return &Error{NetworkType: networkType, Reason: r}
	}
	return nil
}

// precheck rejects, before any decoding, the inputs that no format accepts: a
// copy-paste with surrounding whitespace is the most common of them, and absurd
// lengths would only waste decoding work.
func precheck(s string) string {
	if s == "" {
		return "empty address"
	}
	if len(s) > MaxLen {
		return "too long"
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "leading or trailing whitespace"
	}
	return ""
}

// SupportsTag tells whether the network type uses a secondary identifier
// (Mesh's addressTag): a destination tag on XRP, a memo on Stellar. Exchanges
// on those networks credit deposits by tag, so callers should ask for one.
func SupportsTag(networkType string) bool {
	return networkType == Ripple || networkType == Stellar
}

// stellarMemoMax is the size limit of a Stellar MEMO_TEXT, in bytes.
const stellarMemoMax = 28

// ValidateTag checks the secondary address identifier (Mesh's addressTag): a
// destination tag (decimal uint32, no sign, no leading zeros except "0") for
// ripple, a text memo (at most 28 bytes of valid UTF-8 without control
// characters) for stellar. Other network types take no tag, and a non-empty one
// is rejected rather than silently dropped, since the sender evidently expects
// it to reach the recipient. An empty tag is always fine.
func ValidateTag(networkType, tag string) error {
	if tag == "" {
		return nil
	}
	n, ok := networks[networkType]
	if !ok {
		return &Error{NetworkType: networkType, Reason: reasonUnsupported}
	}
	var r string
	switch networkType {
	case Ripple:
		r = destinationTagReason(tag)
	case Stellar:
		r = memoReason(tag)
	default:
		r = n.name + " addresses take no tag"
	}
	if r != "" {
		return &Error{NetworkType: networkType, Reason: r, tag: true}
	}
	return nil
}

// destinationTagReason validates an XRP destination tag in its canonical
// decimal form; non-canonical spellings ("01", "+1") are refused because the
// ledger field is a number and a second spelling invites mismatches.
func destinationTagReason(tag string) string {
	if tag[0] == '-' || tag[0] == '+' {
		return "sign not allowed"
	}
	for i := 0; i < len(tag); i++ {
		if tag[i] < '0' || tag[i] > '9' {
			return "not a decimal number"
		}
	}
	if len(tag) > 1 && tag[0] == '0' {
		return "leading zero"
	}
	if len(tag) > 10 {
		return "out of range (max 4294967295)"
	}
	if _, err := strconv.ParseUint(tag, 10, 32); err != nil {
		return "out of range (max 4294967295)"
	}
	return ""
}

// memoReason validates a Stellar MEMO_TEXT.
func memoReason(tag string) string {
	if !utf8.ValidString(tag) {
		return "invalid UTF-8"
	}
	if len(tag) > stellarMemoMax {
		return "longer than 28 bytes"
	}
	for _, r := range tag {
		if unicode.IsControl(r) {
			return "control character"
		}
	}
	return ""
}

// Supported returns the network types this package validates, sorted, for
// catalogs and error messages that list them.
func Supported() []string {
	out := make([]string, 0, len(networks))
	for k := range networks {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Pattern returns a loose regular expression for the network type's address
// format ("" for unknown types). The catalog publishes it as Mesh's
// addressPattern for client-side hints; it does not check checksums, so
// Validate stays authoritative.
func Pattern(networkType string) string {
	return networks[networkType].pattern
}

// invalidChar names the offending character at s[i] without echoing the rest
// of the input.
func invalidChar(s string, i int) string {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return "invalid byte 0x" + strconv.FormatUint(uint64(s[i]), 16)
	}
	return "invalid character " + strconv.QuoteRune(r)
}

// quoteShort quotes at most 16 bytes of s (cut on a rune boundary), for error
// messages that must not echo long input.
func quoteShort(s string) string {
	const limit = 16
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
