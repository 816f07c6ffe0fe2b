package address

import (
	"strings"
	"testing"
)

// TestBech32Decode runs the generic (non-segwit) test vectors of BIP-173 and
// BIP-350 through the decoder with the BIP-173 length limit.
func TestBech32Decode(t *testing.T) {
	tests := []struct {
		name   string
		s      string
		enc    bech32Encoding // expected encoding when valid
		reason string
	}{
		// BIP-173 valid bech32.
		{"BIP-173 A12UEL5L", "A12UEL5L", encBech32, ""},
		{"BIP-173 a12uel5l", "a12uel5l", encBech32, ""},
		{"BIP-173 83-char HRP", "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs", encBech32, ""},
		{"BIP-173 abcdef", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", encBech32, ""},
		{"BIP-173 all q", "11" + strings.Repeat("q", 82) + "c8247j", encBech32, ""},
		{"BIP-173 split", "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", encBech32, ""},
		{"BIP-173 question mark HRP", "?1ezyfcl", encBech32, ""},
		// BIP-350 valid bech32m.
		{"BIP-350 A1LQFN3A", "A1LQFN3A", encBech32m, ""},
		{"BIP-350 a1lqfn3a", "a1lqfn3a", encBech32m, ""},
		{"BIP-350 83-char HRP", "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6", encBech32m, ""},
		{"BIP-350 abcdef", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", encBech32m, ""},
		{"BIP-350 all l", "11" + strings.Repeat("l", 82) + "ludsr8", encBech32m, ""},
		{"BIP-350 split", "split1checkupstagehandshakeupstreamerranterredcaperredlc445v", encBech32m, ""},
		{"BIP-350 question mark HRP", "?1v759aa", encBech32m, ""},
		// BIP-173 invalid.
		{"BIP-173 space in HRP", "\x201nwldj5", 0, "invalid character ' '"},
		{"BIP-173 DEL in HRP", "\x7f1axkwrx", 0, `invalid character '\x7f'`},
		{"BIP-173 0x80 in HRP", "\x801eym55h", 0, "invalid byte 0x80"},
		{"BIP-173 too long", "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx", 0, "too long"},
		{"BIP-173 no separator", "pzry9x0s0muk", 0, "missing separator '1'"},
		{"BIP-173 empty HRP", "1pzry9x0s0muk", 0, "empty prefix"},
		{"BIP-173 invalid data character", "x1b4n0q5v", 0, "invalid character 'b'"},
		{"BIP-173 short checksum", "li1dgmt3", 0, "too short"},
		{"BIP-173 0xff in checksum", "de1lg7wt\xff", 0, "invalid byte 0xff"},
		{"BIP-173 upper-case HRP checksum", "A1G7SGD8", 0, "bad checksum"},
		{"BIP-173 empty HRP 2", "10a06t8", 0, "empty prefix"},
		{"BIP-173 empty HRP 3", "1qzzfhee", 0, "empty prefix"},
		// BIP-350 invalid.
		{"BIP-350 space in HRP", "\x201xj0phk", 0, "invalid character ' '"},
		{"BIP-350 DEL in HRP", "\x7f1g6xzxy", 0, `invalid character '\x7f'`},
		{"BIP-350 0x80 in HRP", "\x801vctc34", 0, "invalid byte 0x80"},
		{"BIP-350 too long", "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4", 0, "too long"},
		{"BIP-350 no separator", "qyrz8wqd2c9m", 0, "missing separator '1'"},
		{"BIP-350 empty HRP", "1qyrz8wqd2c9m", 0, "empty prefix"},
		{"BIP-350 invalid data character b", "y1b0jsk6g", 0, "invalid character 'b'"},
		{"BIP-350 invalid data character i", "lt1igcx5c0", 0, "invalid character 'i'"},
		{"BIP-350 short checksum", "in1muywd", 0, "too short"},
		{"BIP-350 invalid checksum character i", "mm1crxm3i", 0, "invalid character 'i'"},
		{"BIP-350 invalid checksum character o", "au1s5cgom", 0, "invalid character 'o'"},
		{"BIP-350 upper-case HRP checksum", "M1VUXWEZ", 0, "bad checksum"},
		{"BIP-350 empty HRP 2", "16plkw9", 0, "empty prefix"},
		{"BIP-350 empty HRP 3", "1p2gdwpf", 0, "empty prefix"},
		// Beyond the vectors.
		{"mixed case", "A12uEL5L", 0, "mixed case"},
		{"single substitution", "a12uel5m", 0, "bad checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, enc, r := bech32Decode(tc.s, 90)
			if r != tc.reason {
				t.Fatalf("bech32Decode(%q) reason = %q, want %q", tc.s, r, tc.reason)
			}
			if tc.reason == "" && enc != tc.enc {
				t.Errorf("bech32Decode(%q) encoding = %d, want %d", tc.s, enc, tc.enc)
			}
		})
	}
}

// TestBech32LengthLimit checks that the limit is the caller's: Cardano lifts
// BIP-173's 90 characters.
func TestBech32LengthLimit(t *testing.T) {
	long := bech32Encode("addr", make([]byte, 120), encBech32)
	if len(long) <= 90 {
		t.Fatalf("test string only %d characters", len(long))
	}
	if _, _, _, r := bech32Decode(long, 90); r != "too long" {
		t.Errorf("with limit 90: reason %q, want too long", r)
	}
	if _, _, _, r := bech32Decode(long, MaxLen); r != "" {
		t.Errorf("with limit %d: reason %q, want valid", MaxLen, r)
	}
}

func TestConvertBits5to8(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string // hex; "" with ok false means rejected
		ok   bool
	}{
		{"empty", nil, "", true},
		{"one byte with 2 zero padding bits", []byte{31, 28}, "ff", true},
		{"non-zero padding", []byte{31, 29}, "", false},
		{"five bits of padding", []byte{31, 28, 0}, "", false},
		{"exact 40 bits", []byte{0, 0, 0, 0, 0, 0, 0, 1}, "0000000001", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := convertBits5to8(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && string(got) != string(mustHex(t, tc.want)) {
				t.Errorf("got %x, want %s", got, tc.want)
			}
		})
	}
}
