// Package walletsig verifies the signatures self-custody wallets make over a message, so
// that linkd learns from the signature itself, not from the page that carried it, that the
// user controls an address (wallet verification, docs/design.md §9; the page is not
// trusted: docs/threat-model.md W1).
//
//   - EVM: personal_sign (EIP-191 version 0x45): keccak256("\x19Ethereum Signed
//     Message:\n" + len(message) + message) signed with secp256k1; the signer's public key
//     is recovered from the 65-byte r‖s‖v signature and its address compared with the
//     claimed one. Only externally owned accounts sign this way: a contract wallet
//     (EIP-1271) is verified by calling the contract, which needs chain access that linkd
//     does not have, so its signatures are refused here.
//   - Solana: the wallet's signMessage: a plain ed25519 signature (RFC 8032) of the
//     message bytes by the key whose base58 encoding is the address.
//
// The curve math is a maintained library's (github.com/decred/dcrd/dcrec/secp256k1/v4,
// golang.org/x/crypto/sha3) or the standard library's (crypto/ed25519).
package walletsig

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/sha3"
)

// Errors of the verifiers. ErrMismatch means a well-formed signature by another key (or
// of another message): the address does not control it. The others mean the signature
// could not be read at all.
var (
	ErrMalformed = errors.New("malformed signature")
	ErrHighS     = errors.New("signature s value is in the upper half of the curve order (EIP-2)")
	ErrMismatch  = errors.New("the signature was not made by this address's key for this message")
	ErrAddress   = errors.New("malformed address")
)

// EIP191Hash is the hash personal_sign signs (EIP-191, version byte 0x45 "E"): keccak256
// of "\x19Ethereum Signed Message:\n", the decimal byte length of message, and message.
func EIP191Hash(message []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte("\x19Ethereum Signed Message:\n" + strconv.Itoa(len(message))))
	h.Write(message)
	return h.Sum(nil)
}

// RecoverEVM returns the address (lower-case 0x hex) whose key made sig, a 65-byte
// r‖s‖v signature of hash. v is 27 or 28 (as wallets return it) or 0 or 1 (as some
// libraries do); s must be in the lower half of the curve order (EIP-2: every signature
// has a twin with n−s, and accepting only one of them keeps a signature from being
// altered into another valid one).
func RecoverEVM(hash, sig []byte) (string, error) {
	if len(sig) != 65 {
		return "", fmt.Errorf("%w: %d bytes, want 65 (r, s, v)", ErrMalformed, len(sig))
	}
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return "", fmt.Errorf("%w: v is %d, want 27 or 28 (or 0 or 1)", ErrMalformed, sig[64])
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(sig[32:64]); overflow || s.IsZero() {
		return "", fmt.Errorf("%w: s is out of range", ErrMalformed)
	}
	if s.IsOverHalfOrder() {
		return "", ErrHighS
	}
	// decred's compact form is the recovery code first: 27 + recid, then r and s.
	compact := make([]byte, 65)
	compact[0] = 27 + v
	copy(compact[1:], sig[:64])
	pub, _, err := ecdsa.RecoverCompact(compact, hash)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return pubKeyAddress(pub), nil
}

// pubKeyAddress is the EVM address of a public key: the last 20 bytes of the keccak256
// of its uncompressed X‖Y coordinates.
func pubKeyAddress(pub *secp256k1.PublicKey) string {
	h := sha3.NewLegacyKeccak256()
	h.Write(pub.SerializeUncompressed()[1:])
	return "0x" + hex.EncodeToString(h.Sum(nil)[12:])
}

// VerifyEVM checks that sig is address's personal_sign signature of message (EIP-191).
// address is 0x and 40 hex digits in any case: EIP-55's checksum is checked where the
// address enters linkd (internal/address), and addresses compare case-insensitively.
func VerifyEVM(address, message string, sig []byte) error {
	if len(address) != 42 || !strings.HasPrefix(address, "0x") {
		return fmt.Errorf("%w: want 0x and 40 hex digits", ErrAddress)
	}
	if _, err := hex.DecodeString(address[2:]); err != nil {
		return fmt.Errorf("%w: want 0x and 40 hex digits", ErrAddress)
	}
	got, err := RecoverEVM(EIP191Hash([]byte(message)), sig)
	if err != nil {
		return err
	}
	if !strings.EqualFold(got, address) {
		return ErrMismatch
	}
	return nil
}

// VerifySolana checks that sig is the ed25519 signature (RFC 8032) of message by the key
// whose base58 encoding is address.
func VerifySolana(address string, message, sig []byte) error {
	pub, err := base58.Decode(address)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: want the base58 encoding of a 32-byte ed25519 public key", ErrAddress)
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %d bytes, want 64", ErrMalformed, len(sig))
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), message, sig) {
		return ErrMismatch
	}
	return nil
}

// DecodeEVM reads an EVM signature as wallets return it: 0x and 130 hex digits.
func DecodeEVM(s string) ([]byte, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		h, ok = strings.CutPrefix(s, "0X")
	}
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b) != 65 {
		return nil, fmt.Errorf("%w: want 0x and 130 hex digits", ErrMalformed)
	}
	return b, nil
}

// DecodeSolana reads a Solana signature in its usual text form, base58 of 64 bytes.
func DecodeSolana(s string) ([]byte, error) {
	b, err := base58.Decode(s)
	if err != nil || len(b) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: want the base58 encoding of 64 bytes", ErrMalformed)
	}
	return b, nil
}

// Verify checks a signature in its text form (EncodeEVM's or base58's) for a network type
// ("evm" or "solana"). Other network types are not supported (ErrUnsupported).
func Verify(networkType, address, message, signature string) error {
	switch networkType {
	case "evm":
		sig, err := DecodeEVM(signature)
		if err != nil {
			return err
		}
		return VerifyEVM(address, message, sig)
	case "solana":
		sig, err := DecodeSolana(signature)
		if err != nil {
			return err
		}
		return VerifySolana(address, []byte(message), sig)
	}
	return fmt.Errorf("%w: %s", ErrUnsupported, networkType)
}

// ErrUnsupported: linkd verifies no signatures of this network type.
var ErrUnsupported = errors.New("signatures of this network type are not verified by linkd")

// Supported reports whether Verify handles a network type.
func Supported(networkType string) bool { return networkType == "evm" || networkType == "solana" }

// SignEVM is personal_sign with key (EIP-191), as a wallet does it: r‖s‖v with v 27 or
// 28 and a low s, in the 0x hex text form wallets return. The sandbox wallet signs with it.
func SignEVM(key *secp256k1.PrivateKey, message string) string {
	compact := ecdsa.SignCompact(key, EIP191Hash([]byte(message)), false)
	sig := make([]byte, 65)
	copy(sig, compact[1:])
	sig[64] = compact[0] // 27 + recovery id: the uncompressed form has no +4
	return "0x" + hex.EncodeToString(sig)
}

// AddressEVM is the EVM address of a key, in EIP-55 mixed case.
func AddressEVM(key *secp256k1.PrivateKey) string {
	return checksum(pubKeyAddress(key.PubKey()))
}

// checksum writes a lower-case 0x address in EIP-55 mixed case: a letter is upper case
// where the keccak256 of the lower-case hex has a nibble of 8 or more.
func checksum(addr string) string {
	lower := strings.ToLower(addr[2:])
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := h.Sum(nil)
	out := []byte(lower)
	for i, c := range out {
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 0x0f
		}
		if c >= 'a' && nibble >= 8 {
			out[i] = c - 'a' + 'A'
		}
	}
	return "0x" + string(out)
}

// SignSolana is a Solana wallet's signMessage with key: the ed25519 signature of the
// message bytes, in base58. The sandbox wallet signs with it.
func SignSolana(key ed25519.PrivateKey, message string) string {
	return base58.Encode(ed25519.Sign(key, []byte(message)))
}

// AddressSolana is the Solana address of a key: its public key in base58.
func AddressSolana(key ed25519.PrivateKey) string {
	return base58.Encode(key.Public().(ed25519.PublicKey))
}

// AddressKey is the form of an address that lookups compare: lower case for an EVM
// address (0x and 40 hex digits, whose case only carries EIP-55's checksum), the address
// itself otherwise.
func AddressKey(a string) string {
	if len(a) == 42 && (a[:2] == "0x" || a[:2] == "0X") {
		if _, err := hex.DecodeString(a[2:]); err == nil {
			return "0x" + strings.ToLower(a[2:])
		}
	}
	return a
}
