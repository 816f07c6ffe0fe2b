package address

import (
	"crypto/sha256"
	"strings"

	"github.com/mr-tron/base58"
)

// b58Alphabet pairs a base58 alphabet for decoding with a lookup table of its
// characters, so that an invalid character is reported by name instead of as
// a generic decode failure.
type b58Alphabet struct {
	codec *base58.Alphabet
	valid [256]bool
}

// newB58Alphabet builds a b58Alphabet; it panics on a malformed alphabet, which
// can only happen at package initialization.
func newB58Alphabet(s string) *b58Alphabet {
	a := &b58Alphabet{codec: base58.NewAlphabet(s)}
	for i := 0; i < len(s); i++ {
		a.valid[s[i]] = true
	}
	return a
}

// Alphabets in use: Bitcoin's (also Litecoin, Dogecoin, Tron, Solana, Cardano
// Byron) and the XRP Ledger's reordering of the same characters.
var (
	btcAlphabet = newB58Alphabet("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
	xrpAlphabet = newB58Alphabet("rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz")
)

// decodeBase58 decodes s, naming the first character outside the alphabet.
func decodeBase58(s string, a *b58Alphabet) ([]byte, string) {
	for i := 0; i < len(s); i++ {
		if !a.valid[s[i]] {
			return nil, invalidChar(s, i)
		}
	}
	b, err := base58.DecodeAlphabet(s, a.codec)
	if err != nil {
		return nil, "invalid base58"
	}
	return b, ""
}

// checksum4 is the base58check checksum: the first four bytes of a double
// SHA-256.
func checksum4(payload []byte) [4]byte {
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return [4]byte{h2[0], h2[1], h2[2], h2[3]}
}

// checkBase58Check verifies the trailing four-byte checksum of a decoded
// base58check string.
func checkBase58Check(b []byte) string {
	if len(b) < 5 {
		return "wrong length"
	}
	n := len(b) - 4
	if checksum4(b[:n]) != [4]byte(b[n:]) {
		return "bad checksum"
	}
	return ""
}

// utxoParams describes a Bitcoin-family network: its base58check version bytes
// and, where it has one, its segwit human-readable part.
type utxoParams struct {
	versions     []byte   // mainnet base58check versions accepted
	testVersions []byte   // versions that mark a testnet/regtest address
	hrp          string   // mainnet segwit HRP, "" if the network has no segwit
	testHRPs     []string // HRPs that mark a testnet/regtest segwit address
}

// Network parameters for the Bitcoin family, from each network's chainparams.
var (
	bitcoinParams = utxoParams{
		versions:     []byte{0x00, 0x05},
		testVersions: []byte{0x6f, 0xc4},
		hrp:          "bc",
		testHRPs:     []string{"tb", "bcrt"},
	}
	litecoinParams = utxoParams{
		versions:     []byte{0x30, 0x32, 0x05},
		testVersions: []byte{0x6f, 0x3a, 0xc4},
		hrp:          "ltc",
		testHRPs:     []string{"tltc", "rltc"},
	}
	dogecoinParams = utxoParams{
		versions:     []byte{0x1e, 0x16},
		testVersions: []byte{0x71, 0xc4},
	}
)

// segwitHRPs are the prefixes routed to the bech32 decoder, including other
// networks' so that a Litecoin address pasted as Bitcoin reports a wrong prefix
// rather than a confusing base58 error.
var segwitHRPs = []string{"bc", "tb", "bcrt", "ltc", "tltc", "rltc"}

// hasHRPPrefix reports whether s starts, case-insensitively, with one of hrps
// followed by the bech32 separator.
func hasHRPPrefix(s string, hrps []string) bool {
	for _, h := range hrps {
		if len(s) > len(h) && s[len(h)] == '1' && strings.EqualFold(s[:len(h)], h) {
			return true
		}
	}
	return false
}

// validate checks a Bitcoin-family address: segwit bech32/bech32m when the
// string carries a segwit prefix, base58check P2PKH/P2SH otherwise.
func (p utxoParams) validate(s string) string {
	if hasHRPPrefix(s, segwitHRPs) {
		return p.validateSegwit(s)
	}
	b, r := decodeBase58(s, btcAlphabet)
	if r != "" {
		if looksBech32(s) {
			// Not base58 at all, but shaped like bech32: let the bech32
			// path explain which prefix was expected.
			return p.validateSegwit(s)
		}
		return r
	}
	if len(b) != 25 {
		return "wrong length"
	}
	if r := checkBase58Check(b); r != "" {
		return r
	}
	switch {
	case containsByte(p.versions, b[0]):
		return ""
	case containsByte(p.testVersions, b[0]):
		return "testnet address"
	default:
		return "wrong version byte"
	}
}

// validateSegwit checks a native segwit address against BIP-173 and BIP-350.
func (p utxoParams) validateSegwit(s string) string {
	_, _, r := p.decodeSegwit(s)
	return r
}

// decodeSegwit returns the witness version and program of a native segwit
// address, or the reason it is invalid for this network.
func (p utxoParams) decodeSegwit(s string) (version byte, program []byte, reason string) {
	hrp, data, enc, r := bech32Decode(s, 90)
	if r != "" {
		return 0, nil, r
	}
	if p.hrp == "" {
		return 0, nil, "segwit addresses not supported"
	}
	if hrp != p.hrp {
		for _, t := range p.testHRPs {
			if hrp == t {
				return 0, nil, "testnet address"
			}
		}
		return 0, nil, "wrong prefix " + quoteShort(hrp) + ", want " + quoteShort(p.hrp)
	}
	if len(data) == 0 {
		return 0, nil, "empty data"
	}
	version = data[0]
	if version > 16 {
		return 0, nil, "invalid witness version"
	}
	program, ok := convertBits5to8(data[1:])
	if !ok {
		return 0, nil, "invalid padding"
	}
	if len(program) < 2 || len(program) > 40 {
		return 0, nil, "invalid witness program length"
	}
	if version == 0 {
		if len(program) != 20 && len(program) != 32 {
			return 0, nil, "invalid witness v0 program length"
		}
		if enc != encBech32 {
			return 0, nil, "witness v0 must use bech32, not bech32m"
		}
	} else if enc != encBech32m {
		return 0, nil, "witness v1+ must use bech32m, not bech32"
	}
	return version, program, ""
}

// containsByte reports whether b is in set.
func containsByte(set []byte, b byte) bool {
	for _, x := range set {
		if x == b {
			return true
		}
	}
	return false
}

// validateSolana checks a Solana account address: the base58 encoding of a
// 32-byte public key (or program-derived address).
func validateSolana(s string) string {
	if len(s) > 44 {
		return "wrong length"
	}
	b, r := decodeBase58(s, btcAlphabet)
	if r != "" {
		return r
	}
	if len(b) != 32 {
		return "wrong length"
	}
	return ""
}

// validateTron checks a Tron account address: base58check of 0x41 plus a
// 20-byte account id, which always reads "T…". The hex "41…" form is refused:
// Mesh exchanges only the base58 form, and accepting both invites confusion.
func validateTron(s string) string {
	if len(s) == 42 && strings.HasPrefix(s, "41") && isHex(s) {
		return "hex address form not accepted, use the base58 T-address"
	}
	b, r := decodeBase58(s, btcAlphabet)
	if r != "" {
		return r
	}
	if len(b) != 25 {
		return "wrong length"
	}
	if r := checkBase58Check(b); r != "" {
		return r
	}
	if b[0] != 0x41 {
		return "wrong version byte"
	}
	return ""
}

// isHex reports whether s consists of hex digits only.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// validateRipple checks an XRP Ledger address: a classic "r…" address
// (base58check, XRP alphabet, version 0x00 plus a 20-byte account id) or a
// mainnet X-address (XLS-5d), which packs the account id and an optional 32-bit
// destination tag into one string.
func validateRipple(s string) string {
	b, r := decodeBase58(s, xrpAlphabet)
	if r != "" {
		return r
	}
	switch len(b) {
	case 25:
		if r := checkBase58Check(b); r != "" {
			return r
		}
		if b[0] != 0x00 {
			return "wrong version byte"
		}
		return ""
	case 35:
		if r := checkBase58Check(b); r != "" {
			return r
		}
		return xAddressReason(b[:31])
	default:
		return "wrong length"
	}
}

// xAddressReason checks the 31-byte body of an X-address: 2-byte network
// prefix, 20-byte account id, flag byte, 8-byte little-endian tag.
func xAddressReason(b []byte) string {
	switch {
	case b[0] == 0x05 && b[1] == 0x44:
	case b[0] == 0x04 && b[1] == 0x93:
		return "testnet address"
	default:
		return "wrong version byte"
	}
	flag, tag := b[22], b[23:31]
	switch flag {
	case 0:
		for _, x := range tag {
			if x != 0 {
				return "X-address has tag bytes but no tag flag"
			}
		}
	case 1:
		for _, x := range tag[4:] {
			if x != 0 {
				return "X-address tag exceeds 32 bits"
			}
		}
	default:
		return "X-address tag exceeds 32 bits"
	}
	return ""
}
