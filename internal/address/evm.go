package address

import (
	"hash"
	"io"
	"sync"

	"golang.org/x/crypto/sha3"
)

// Reasons specific to EVM addresses, named because callers and tests match on
// them.
const (
	reasonEIP55       = "EIP-55 checksum mismatch (mixed-case address must match its checksum)"
	reasonZeroAddress = "zero address (funds sent there are burned)"
)

// validateEVM checks an EVM account address: "0x" plus 40 hex digits. All-lower
// and all-upper hex carry no checksum and are accepted as is; mixed case is an
// EIP-55 checksum and must match, since a mismatch means a typo.
func validateEVM(s string) string {
	if len(s) >= 2 && s[0] == '0' && s[1] == 'X' {
		return `prefix must be lower-case "0x"`
	}
	if len(s) < 2 || s[0] != '0' || s[1] != 'x' {
		return "missing 0x prefix"
	}
	hex := s[2:]
	var lower, upper bool
	zero := true
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		switch {
		case c >= '0' && c <= '9':
			if c != '0' {
				zero = false
			}
		case c >= 'a' && c <= 'f':
			lower, zero = true, false
		case c >= 'A' && c <= 'F':
			upper, zero = true, false
		default:
			return invalidChar(s, 2+i)
		}
	}
	if len(hex) != 40 {
		return "wrong length"
	}
	if zero {
		return reasonZeroAddress
	}
	if lower && upper && !eip55Matches(hex) {
		return reasonEIP55
	}
	return ""
}

// keccakScratch holds a Keccak-256 state and its buffers so that EIP-55 checks,
// which sit on a hot request path, do not allocate.
type keccakScratch struct {
	h   hash.Hash
	in  [40]byte
	out [32]byte
}

// keccakPool recycles keccakScratch values across requests.
var keccakPool = sync.Pool{New: func() any {
	return &keccakScratch{h: sha3.NewLegacyKeccak256()}
}}

// eip55Matches reports whether the 40 mixed-case hex digits follow EIP-55: a
// letter is upper case exactly when the matching nibble of Keccak-256(lower-case
// hex) is 8 or more.
func eip55Matches(hex string) bool {
	k := keccakPool.Get().(*keccakScratch)
	defer keccakPool.Put(k)
	for i := 0; i < 40; i++ {
		c := hex[i]
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		k.in[i] = c
	}
	k.h.Reset()
	k.h.Write(k.in[:])
	// Read squeezes the digest without the state copy that Sum makes; the
	// Reset above makes the state reusable afterwards.
	k.h.(io.Reader).Read(k.out[:])
	for i := 0; i < 40; i++ {
		c := hex[i]
		if c <= '9' {
			continue
		}
		nibble := k.out[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if (nibble&0x0f >= 8) != (c <= 'F') {
			return false
		}
	}
	return true
}
