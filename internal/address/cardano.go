package address

import "hash/crc32"

// Cardano addresses come in two encodings (CIP-19): Shelley-era addresses are
// bech32 without the 90-character limit, Byron-era (bootstrap) addresses are
// base58 of a CBOR structure protected by a CRC32.

// cardanoHRPs route a string to the bech32 path.
var cardanoHRPs = []string{"addr", "addr_test", "stake", "stake_test"}

// validateCardano checks a mainnet Cardano payment address, Shelley or Byron.
func validateCardano(s string) string {
	if hasHRPPrefix(s, cardanoHRPs) {
		return validateShelley(s)
	}
	b, r := decodeBase58(s, btcAlphabet)
	if r != "" {
		if looksBech32(s) {
			return validateShelley(s)
		}
		return r
	}
	return byronReason(b)
}

// validateShelley checks a bech32 Shelley address: HRP "addr", a header byte
// whose low nibble is network id 1 (mainnet), and a payload whose length fits
// the header's address type.
func validateShelley(s string) string {
	hrp, data, enc, r := bech32Decode(s, MaxLen)
	if r != "" {
		return r
	}
	switch hrp {
	case "addr":
	case "addr_test":
		return "testnet address"
	case "stake", "stake_test":
		return "stake address, not a payment address"
	default:
		return "wrong prefix " + quoteShort(hrp) + `, want "addr"`
	}
	if enc != encBech32 {
		return "bech32m checksum, Cardano uses bech32"
	}
	b, ok := convertBits5to8(data)
	if !ok {
		return "invalid padding"
	}
	if len(b) == 0 {
		return "empty data"
	}
	typ, net := b[0]>>4, b[0]&0x0f
	switch typ {
	case 0, 1, 2, 3: // payment and delegation parts, key or script hashes
		if len(b) != 57 {
			return "wrong length"
		}
	case 4, 5: // payment part and a chain pointer to the delegation
		if len(b) < 29+3 {
			return "wrong length"
		}
		if r := pointerReason(b[29:]); r != "" {
			return r
		}
	case 6, 7: // enterprise: payment part only
		if len(b) != 29 {
			return "wrong length"
		}
	case 8:
		return "Byron address must be base58-encoded"
	case 14, 15:
		return "stake address, not a payment address"
	default:
		return "unknown address type"
	}
	switch net {
	case 1:
		return ""
	case 0:
		return "header network id is testnet"
	default:
		return "unknown network id"
	}
}

// pointerReason checks that p is exactly three variable-length unsigned
// integers (slot, transaction index, certificate index), seven bits per byte
// with the high bit marking continuation.
func pointerReason(p []byte) string {
	for range 3 {
		i := 0
		for i < len(p) && p[i]&0x80 != 0 {
			i++
		}
		if i == len(p) {
			return "invalid pointer"
		}
		p = p[i+1:]
	}
	if len(p) != 0 {
		return "wrong length"
	}
	return ""
}

// byronReason checks a decoded Byron address:
//
//	[ #6.24(bytes .cbor [root: bytes(28), attributes: {* uint => bytes}, type: uint]), crc32: uint ]
//
// The CRC32 (IEEE) covers the tagged bytes. A network-magic attribute (key 2)
// only appears on test networks.
func byronReason(b []byte) string {
	const malformed = "malformed Byron address"
	r := cborReader{b: b}
	if m, n, ok := r.head(); !ok || m != cborArray || n != 2 {
		return malformed
	}
	if m, n, ok := r.head(); !ok || m != cborTag || n != 24 {
		return malformed
	}
	inner, ok := r.bytes()
	if !ok {
		return malformed
	}
	m, crc, ok := r.head()
	if !ok || m != cborUint || crc > 0xffffffff || !r.done() {
		return malformed
	}
	if crc32.ChecksumIEEE(inner) != uint32(crc) {
		return "bad checksum"
	}

	r = cborReader{b: inner}
	if m, n, ok := r.head(); !ok || m != cborArray || n != 3 {
		return malformed
	}
	if root, ok := r.bytes(); !ok || len(root) != 28 {
		return malformed
	}
	m, attrs, ok := r.head()
	if !ok || m != cborMap || attrs > 16 {
		return malformed
	}
	testnet := false
	for range attrs {
		m, key, ok := r.head()
		if !ok || m != cborUint {
			return malformed
		}
		if _, ok := r.bytes(); !ok {
			return malformed
		}
		if key == 2 {
			testnet = true
		}
	}
	if m, typ, ok := r.head(); !ok || m != cborUint || typ > 2 || !r.done() {
		return malformed
	}
	if testnet {
		return "testnet address"
	}
	return ""
}

// CBOR major types used by Byron addresses.
const (
	cborUint  = 0
	cborBytes = 2
	cborArray = 4
	cborMap   = 5
	cborTag   = 6
)

// cborReader walks just enough definite-length CBOR for Byron addresses;
// anything else (indefinite lengths, floats) reads as malformed.
type cborReader struct {
	b []byte
	i int
}

// head reads an item head: major type and argument.
func (r *cborReader) head() (major byte, arg uint64, ok bool) {
	if r.i >= len(r.b) {
		return 0, 0, false
	}
	first := r.b[r.i]
	r.i++
	major, info := first>>5, first&0x1f
	var size int
	switch {
	case info < 24:
		return major, uint64(info), true
	case info == 24:
		size = 1
	case info == 25:
		size = 2
	case info == 26:
		size = 4
	case info == 27:
		size = 8
	default:
		return 0, 0, false
	}
	if len(r.b)-r.i < size {
		return 0, 0, false
	}
	for _, x := range r.b[r.i : r.i+size] {
		arg = arg<<8 | uint64(x)
	}
	r.i += size
	return major, arg, true
}

// bytes reads a definite-length byte string.
func (r *cborReader) bytes() ([]byte, bool) {
	m, n, ok := r.head()
	if !ok || m != cborBytes || n > uint64(len(r.b)-r.i) {
		return nil, false
	}
	out := r.b[r.i : r.i+int(n)]
	r.i += int(n)
	return out, true
}

// done reports whether every byte has been consumed; trailing bytes would make
// two encodings of one address.
func (r *cborReader) done() bool { return r.i == len(r.b) }
