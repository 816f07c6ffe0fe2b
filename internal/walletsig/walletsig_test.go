package walletsig

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/mr-tron/base58"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eip191Vectors are personal_sign signatures made by a reference implementation, not by
// this package:
//
//   - "published": the personal_sign vector of MetaMask's test suites (address
//     0x29c76e6a…341b signing "Hello, world!"), widely copied;
//   - the others were produced once with @noble/curves 1.9.7 (secp256k1.sign, RFC 6979)
//     and @noble/hashes 1.8.0 (keccak_256) from e2e/node_modules, with the private key
//     sha256("linkd walletsig test key 1") = 4644e232…dac0, whose address is
//     0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff, over the EIP-191 prefix and the
//     message's UTF-8 bytes.
var eip191Vectors = []struct {
	name, address, message, sig string
}{
	{"published", "0x29c76e6ad8f28bb1004902578fb108c507be341b", "Hello, world!",
		"0x90a938f7457df6e8f741264c32697fc52f9a8f867c52dd70713d9d2d472f2e415d9c94148991bbe1f4a1818d1dff09165782749c877f5cf1eff4ef126e55714d1c"},
	{"hello", "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff", "Hello, world!",
		"0x05c2ee7d0e55371aa5f5cdf4114455641627d494279022ca89dd726702fbe1fe5bbbce753acd456811faca5063152dbd9ac2e218ae5c7308087892de6e4532b51b"},
	{"empty", "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff", "",
		"0xd7a394bc8fb8667701d53b4c4408b336ca060a82ad5e992db3b66c49ea514d6a5d9883a8907bbb25f8312b35c658a17073219f2de8f2e7e3d5f68a530376de781c"},
	{"nonce", "0xde686f2905db8b2bd6eba5c7031de35f9d3e8eff", "Sign to prove you own this wallet: nonce 8f2c",
		"0x80d669749b750022e248af34361ca8500b708aa579bf13cf9b05a54aa9aedc72063474a52d45dbcadc0bc9fc2cb02364ed088c52874ae2c63c30da8d5d24d90a1b"},
	{"unicode (length in bytes)", "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff", "Ünïcödé ✓ 日本語",
		"0xdb6722e1db3cba589b55640ccd929c8f17b124db26bcf2e6ea9fd160037bb6c84fdd527ceba34659d29fd451a10d35e3fcb4ae12ddc1baa36bbb65c48f2627df1b"},
	{"1024 bytes", "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff", strings.Repeat("a", 1024),
		"0x4c9d60cba9bde96274c6697843bc3c9fc4cc110cd3758dfc19f1a6cf6ffdc7aa2a49d4b15053fb5b947769851bb3076e74a36fb50fc86de108ecb9ebc65355ab1b"},
}

func TestVerifyEVMVectors(t *testing.T) {
	for _, v := range eip191Vectors {
		t.Run(v.name, func(t *testing.T) {
			if err := Verify("evm", v.address, v.message, v.sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			sig := unhex(t, v.sig)
			// v as 0/1 is the same signature.
			sig[64] -= 27
			if err := VerifyEVM(v.address, v.message, sig); err != nil {
				t.Errorf("with v = %d: %v", sig[64], err)
			}
		})
	}
}

// TestSignEVMMatchesReference: this package's signer gives the reference signatures
// (RFC 6979 makes ECDSA deterministic), so the sandbox wallet signs as a wallet does.
func TestSignEVMMatchesReference(t *testing.T) {
	key := secp256k1.PrivKeyFromBytes(unhex(t, "4644e23279fb8f86cd27bc9bd29c5f376c69346abf3de4027a6a6ced12a9dac0"))
	if got, want := AddressEVM(key), "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff"; got != want {
		t.Fatalf("AddressEVM = %s, want %s", got, want)
	}
	for _, v := range eip191Vectors[1:] {
		if got := SignEVM(key, v.message); got != v.sig {
			t.Errorf("%s: SignEVM = %s, want %s", v.name, got, v.sig)
		}
	}
}

func TestVerifyEVMRejects(t *testing.T) {
	good := eip191Vectors[1]
	flip := func(i int) string {
		b := unhex(t, good.sig)
		if i == 64 {
			b[i] = 55 - b[i] // 27 ↔ 28
		} else {
			b[i] ^= 0x01
		}
		return "0x" + hex.EncodeToString(b)
	}
	// highS is the twin of the good signature, (r, n−s, v flipped): valid ECDSA, refused by EIP-2.
	highS := func() string {
		b := unhex(t, good.sig)
		var s secp256k1.ModNScalar
		s.SetByteSlice(b[32:64])
		s.Negate()
		sb := s.Bytes()
		copy(b[32:64], sb[:])
		b[64] = 55 - b[64]
		return "0x" + hex.EncodeToString(b)
	}()
	tests := []struct {
		name, address, message, sig string
		want                        error
	}{
		{"other message", good.address, "Hello, world?", good.sig, ErrMismatch},
		{"other address", "0x29c76e6ad8f28bb1004902578fb108c507be341b", good.message, good.sig, ErrMismatch},
		{"tampered r", good.address, good.message, flip(5), nil},
		{"tampered s", good.address, good.message, flip(40), nil},
		{"other v", good.address, good.message, flip(64), ErrMismatch},
		{"v 29", good.address, good.message, good.sig[:130] + "1d", ErrMalformed},
		{"v 2", good.address, good.message, good.sig[:130] + "02", ErrMalformed},
		{"high s (EIP-2)", good.address, good.message, highS, ErrHighS},
		{"zero s", good.address, good.message, good.sig[:66] + strings.Repeat("0", 64) + "1b", ErrMalformed},
		{"s ≥ n", good.address, good.message, good.sig[:66] + strings.Repeat("f", 64) + "1b", ErrMalformed},
		{"64 bytes", good.address, good.message, good.sig[:130], ErrMalformed},
		{"66 bytes", good.address, good.message, good.sig + "00", ErrMalformed},
		{"no 0x", good.address, good.message, good.sig[2:], ErrMalformed},
		{"not hex", good.address, good.message, "0x" + strings.Repeat("zz", 65), ErrMalformed},
		{"empty", good.address, good.message, "", ErrMalformed},
		{"short address", "0xDe686F2905DB8B2BD6ebA5c7031de35f9D3E8E", good.message, good.sig, ErrAddress},
		{"address not hex", "0xZe686F2905DB8B2BD6ebA5c7031de35f9D3E8Eff", good.message, good.sig, ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify("evm", tc.address, tc.message, tc.sig)
			if err == nil {
				t.Fatal("Verify accepted it")
			}
			// A tampered r or s recovers another key, or none: either way it is refused.
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// rfc8032Vectors are RFC 8032 §7.1's Ed25519 test vectors TEST 1, 2 and 3 (secret key,
// public key, message, signature).
var rfc8032Vectors = []struct{ name, secret, public, message, sig string }{
	{"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		"fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
}

func TestVerifySolanaRFC8032(t *testing.T) {
	for _, v := range rfc8032Vectors {
		t.Run(v.name, func(t *testing.T) {
			address := base58.Encode(unhex(t, v.public))
			msg, sig := unhex(t, v.message), unhex(t, v.sig)
			if err := VerifySolana(address, msg, sig); err != nil {
				t.Fatalf("VerifySolana: %v", err)
			}
			key := ed25519.NewKeyFromSeed(unhex(t, v.secret))
			if got := AddressSolana(key); got != address {
				t.Errorf("AddressSolana = %s, want %s", got, address)
			}
			if got := SignSolana(key, string(msg)); got != base58.Encode(sig) {
				t.Errorf("SignSolana = %s, want the RFC's signature", got)
			}
			tampered := append([]byte(nil), sig...)
			tampered[10] ^= 0x80
			if err := VerifySolana(address, msg, tampered); !errors.Is(err, ErrMismatch) {
				t.Errorf("tampered signature: %v, want ErrMismatch", err)
			}
			if err := VerifySolana(address, append(msg, 'x'), sig); !errors.Is(err, ErrMismatch) {
				t.Errorf("other message: %v, want ErrMismatch", err)
			}
		})
	}
}

func TestVerifySolanaRejects(t *testing.T) {
	v := rfc8032Vectors[1]
	address := base58.Encode(unhex(t, v.public))
	sig := base58.Encode(unhex(t, v.sig))
	tests := []struct {
		name, address, sig string
		want               error
	}{
		{"other key", base58.Encode(unhex(t, rfc8032Vectors[0].public)), sig, ErrMismatch},
		{"short signature", address, base58.Encode(unhex(t, v.sig)[:63]), ErrMalformed},
		{"signature not base58", address, "0OIl" + sig[4:], ErrMalformed},
		{"hex signature", address, "0x" + v.sig, ErrMalformed},
		{"short address", base58.Encode(unhex(t, v.public)[:31]), sig, ErrAddress},
		{"address not base58", "0" + address[1:], sig, ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Verify("solana", tc.address, "\x72", tc.sig); !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyUnsupported(t *testing.T) {
	for _, nt := range []string{"bitcoin", "tron", ""} {
		if err := Verify(nt, "x", "m", "s"); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Verify(%q) = %v, want ErrUnsupported", nt, err)
		}
		if Supported(nt) {
			t.Errorf("Supported(%q)", nt)
		}
	}
}

func FuzzVerifyEVM(f *testing.F) {
	f.Add("Hello, world!", unhex(&testing.T{}, eip191Vectors[0].sig))
	f.Fuzz(func(t *testing.T, msg string, sig []byte) {
		// Never panics; accepts only what recovers to the address.
		if err := VerifyEVM(eip191Vectors[0].address, msg, sig); err == nil && msg != eip191Vectors[0].message {
			t.Fatalf("accepted %q", msg)
		}
	})
}
