package address

import (
	"encoding/hex"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
)

// Encoders used only by tests, to construct valid (and deliberately broken)
// addresses from known payloads. They are written independently of the
// decoders they exercise, and are themselves checked against published
// vectors in TestEncodersMatchPublishedVectors.

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// encodeBase58Check appends the double-SHA256 checksum to payload (version
// bytes included) and base58-encodes it with the given alphabet.
func encodeBase58Check(payload []byte, a *b58Alphabet) string {
	sum := checksum4(payload)
	return base58.EncodeAlphabet(cat(payload, sum[:]), a.codec)
}

// encodeBase58 base58-encodes raw bytes with the given alphabet.
func encodeBase58(b []byte, a *b58Alphabet) string {
	return base58.EncodeAlphabet(b, a.codec)
}

// encodeBase58CheckBadSum is encodeBase58Check with a corrupted checksum.
func encodeBase58CheckBadSum(payload []byte, a *b58Alphabet) string {
	sum := checksum4(payload)
	sum[3] ^= 1
	return base58.EncodeAlphabet(cat(payload, sum[:]), a.codec)
}

// convertBits8to5 regroups bytes into 5-bit values with zero padding.
func convertBits8to5(b []byte) []byte {
	var out []byte
	var acc uint32
	var bits uint
	for _, x := range b {
		acc = acc<<8 | uint32(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

// bech32Encode builds a bech32 (or bech32m) string from an HRP and 5-bit data.
func bech32Encode(hrp string, data []byte, enc bech32Encoding) string {
	c := uint32(bech32Const)
	if enc == encBech32m {
		c = bech32mConst
	}
	mod := bech32Polymod(hrp, append(append([]byte{}, data...), 0, 0, 0, 0, 0, 0)) ^ c
	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, v := range data {
		sb.WriteByte(bech32Charset[v])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(bech32Charset[(mod>>(5*(5-i)))&31])
	}
	return sb.String()
}

// segwitEncode builds a native segwit address.
func segwitEncode(hrp string, version byte, program []byte, enc bech32Encoding) string {
	return bech32Encode(hrp, append([]byte{version}, convertBits8to5(program)...), enc)
}

// strkeyEncode builds a Stellar StrKey from a version byte and payload.
func strkeyEncode(version byte, payload []byte) string {
	b := append([]byte{version}, payload...)
	crc := crc16XModem(b)
	b = append(b, byte(crc), byte(crc>>8))
	return strkeyEncoding.EncodeToString(b)
}

// cborHead encodes a CBOR item head with the shortest argument encoding.
func cborHead(major byte, arg uint64) []byte {
	m := major << 5
	switch {
	case arg < 24:
		return []byte{m | byte(arg)}
	case arg <= 0xff:
		return []byte{m | 24, byte(arg)}
	case arg <= 0xffff:
		return []byte{m | 25, byte(arg >> 8), byte(arg)}
	case arg <= 0xffffffff:
		return []byte{m | 26, byte(arg >> 24), byte(arg >> 16), byte(arg >> 8), byte(arg)}
	default:
		return []byte{m | 27, byte(arg >> 56), byte(arg >> 48), byte(arg >> 40), byte(arg >> 32),
			byte(arg >> 24), byte(arg >> 16), byte(arg >> 8), byte(arg)}
	}
}

func cborBytesItem(b []byte) []byte { return cat(cborHead(cborBytes, uint64(len(b))), b) }

// byronInner builds the CBOR payload [root, attributes, type] of a Byron
// address; attrs maps attribute keys to their (opaque) byte values.
func byronInner(root []byte, attrs map[uint64][]byte, typ uint64) []byte {
	out := cat(cborHead(cborArray, 3), cborBytesItem(root), cborHead(cborMap, uint64(len(attrs))))
	for k := uint64(0); k < 8; k++ {
		if v, ok := attrs[k]; ok {
			out = cat(out, cborHead(cborUint, k), cborBytesItem(v))
		}
	}
	return cat(out, cborHead(cborUint, typ))
}

// byronEncode wraps an inner payload as [tag24(bytes), crc32] and base58s it;
// crcDelta corrupts the checksum when non-zero.
func byronEncode(inner []byte, crcDelta uint32) string {
	crc := crc32.ChecksumIEEE(inner) + crcDelta
	b := cat(cborHead(cborArray, 2), cborHead(cborTag, 24), cborBytesItem(inner), cborHead(cborUint, uint64(crc)))
	return base58.Encode(b)
}

// shelleyEncode builds a bech32 Cardano address from a header byte and payload.
func shelleyEncode(hrp string, header byte, payload []byte, enc bech32Encoding) string {
	return bech32Encode(hrp, convertBits8to5(append([]byte{header}, payload...)), enc)
}

// xAddressEncode builds an X-address body (prefix, account id, flag, 8 tag
// bytes little-endian) and base58check-encodes it with the XRP alphabet.
func xAddressEncode(prefix []byte, account []byte, flag byte, tag uint64) string {
	body := cat(prefix, account, []byte{flag})
	for i := 0; i < 8; i++ {
		body = append(body, byte(tag>>(8*i)))
	}
	return encodeBase58Check(body, xrpAlphabet)
}

// flipLast replaces the last character of s with a different one from the same
// alphabet, the classic single-character typo.
func flipLast(s, alphabet string) string {
	last := s[len(s)-1]
	i := strings.IndexByte(alphabet, last)
	return s[:len(s)-1] + string(alphabet[(i+1)%len(alphabet)])
}
