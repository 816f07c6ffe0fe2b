package address

import "encoding/base32"

// StrKey version bytes (SEP-23): the key type in the top five bits, the
// algorithm (0 = ed25519) in the low three.
const (
	strkeyAccount = 6 << 3  // "G…"
	strkeyMuxed   = 12 << 3 // "M…"
	strkeySeed    = 18 << 3 // "S…", a secret key
)

// strkeyEncoding is RFC 4648 base32 without padding, as SEP-23 specifies.
var strkeyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// validateStellar checks a Stellar StrKey account ("G…", 56 characters) or
// muxed account ("M…", 69 characters): RFC 4648 base32 without padding of
// version byte, payload and CRC16-XModem (little-endian). SEP-23 demands a
// canonical encoding, so the string must re-encode to itself.
func validateStellar(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return invalidChar(s, i)
		}
	}
	if len(s) != 56 && len(s) != 69 {
		return "wrong length"
	}
	b, err := strkeyEncoding.DecodeString(s)
	if err != nil || strkeyEncoding.EncodeToString(b) != s {
		return "non-canonical encoding"
	}
	n := len(b) - 2
	if crc16XModem(b[:n]) != uint16(b[n])|uint16(b[n+1])<<8 {
		return "bad checksum"
	}
	switch {
	case b[0] == strkeySeed:
		return "secret seed, not an address (never share it)"
	case len(s) == 56 && b[0] == strkeyAccount, len(s) == 69 && b[0] == strkeyMuxed:
		return ""
	default:
		return "wrong version byte"
	}
}

// crc16XModem is CRC-16/XMODEM (polynomial 0x1021, initial value 0, no
// reflection), the StrKey checksum.
func crc16XModem(b []byte) uint16 {
	var crc uint16
	for _, x := range b {
		crc ^= uint16(x) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
