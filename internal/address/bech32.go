package address

// Bech32 (BIP-173) and bech32m (BIP-350), decode side only. Written out here
// rather than imported: the whole codec is a few dozen lines, and the usual
// packages come with a Bitcoin node's worth of dependencies.

// bech32Charset maps 5-bit values to characters; it omits 1, b, i and o.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Rev maps a lower-case character to its 5-bit value, or -1.
var bech32Rev = func() (t [128]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		t[bech32Charset[i]] = int8(i)
	}
	return t
}()

// bech32Encoding says which checksum constant a string satisfied.
type bech32Encoding int

// The two checksum variants.
const (
	encBech32  bech32Encoding = 1
	encBech32m bech32Encoding = 2
)

// Checksum constants: a valid string's polymod equals one of them.
const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
)

// bech32PolymodStep feeds one 5-bit value into the BCH checksum (BIP-173).
func bech32PolymodStep(chk uint32, v byte) uint32 {
	b := chk >> 25
	chk = (chk&0x1ffffff)<<5 ^ uint32(v)
	if b&1 != 0 {
		chk ^= 0x3b6a57b2
	}
	if b&2 != 0 {
		chk ^= 0x26508e6d
	}
	if b&4 != 0 {
		chk ^= 0x1ea119fa
	}
	if b&8 != 0 {
		chk ^= 0x3d4233dd
	}
	if b&16 != 0 {
		chk ^= 0x2a1462b3
	}
	return chk
}

// bech32Polymod computes the checksum polynomial over the expanded HRP and the
// data values (checksum included) without building the expanded slice.
func bech32Polymod(hrp string, data []byte) uint32 {
	chk := uint32(1)
	for i := 0; i < len(hrp); i++ {
		chk = bech32PolymodStep(chk, hrp[i]>>5)
	}
	chk = bech32PolymodStep(chk, 0)
	for i := 0; i < len(hrp); i++ {
		chk = bech32PolymodStep(chk, hrp[i]&31)
	}
	for _, v := range data {
		chk = bech32PolymodStep(chk, v)
	}
	return chk
}

// bech32Decode splits a bech32 or bech32m string into its lower-case HRP and
// 5-bit data values (checksum removed), reporting which checksum matched. It
// rejects strings longer than maxLen: 90 per BIP-173, more for Cardano, which
// lifts that limit.
func bech32Decode(s string, maxLen int) (hrp string, data []byte, enc bech32Encoding, reason string) {
	if len(s) > maxLen {
		return "", nil, 0, "too long"
	}
	var lower, upper bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 33 || c > 126:
			return "", nil, 0, invalidChar(s, i)
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		}
	}
	if lower && upper {
		return "", nil, 0, "mixed case"
	}
	sep := -1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '1' {
			sep = i
			break
		}
	}
	switch {
	case sep < 0:
		return "", nil, 0, "missing separator '1'"
	case sep == 0:
		return "", nil, 0, "empty prefix"
	case len(s)-sep-1 < 6:
		return "", nil, 0, "too short"
	}
	hrpBytes := []byte(s[:sep])
	for i, c := range hrpBytes {
		if c >= 'A' && c <= 'Z' {
			hrpBytes[i] = c + 'a' - 'A'
		}
	}
	hrp = string(hrpBytes)
	values := make([]byte, len(s)-sep-1)
	for i := range values {
		c := s[sep+1+i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		v := bech32Rev[c]
		if v < 0 {
			return "", nil, 0, invalidChar(s, sep+1+i)
		}
		values[i] = byte(v)
	}
	switch bech32Polymod(hrp, values) {
	case bech32Const:
		enc = encBech32
	case bech32mConst:
		enc = encBech32m
	default:
		return "", nil, 0, "bad checksum"
	}
	return hrp, values[:len(values)-6], enc, ""
}

// convertBits5to8 regroups 5-bit values into bytes, refusing more than four
// bits of padding or non-zero padding as BIP-173 requires (otherwise two
// strings would decode to the same bytes).
func convertBits5to8(data []byte) ([]byte, bool) {
	out := make([]byte, 0, len(data)*5/8)
	var acc uint32
	var bits uint
	for _, v := range data {
		acc = acc<<5 | uint32(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}

// looksBech32 reports whether s is plausibly a bech32 string (letters before
// the last '1', bech32 characters after it), to route obviously non-base58
// input to the bech32 path for a better error message.
func looksBech32(s string) bool {
	sep := -1
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '1' {
			sep = i
			break
		}
	}
	if sep < 1 || len(s)-sep-1 < 6 {
		return false
	}
	for i := 0; i < sep; i++ {
		c := s[i] | 0x20
		if (c < 'a' || c > 'z') && s[i] != '_' {
			return false
		}
	}
	for i := sep + 1; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 128 || bech32Rev[c] < 0 {
			return false
		}
	}
	return true
}
