package address

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Where a test vector comes from, recorded in every case so that a reader can
// tell a published vector from one this package built for itself.
const (
	srcSpec        = "spec"        // published in a specification or its reference tests
	srcKnown       = "known"       // a real, widely published mainnet address
	srcConstructed = "constructed" // built here with the test encoders from a known payload
)

type addrCase struct {
	name   string
	src    string
	addr   string
	reason string // "" when the address is valid
}

// Payloads shared by constructed cases.
const (
	genesisHash160 = "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"                         // hash160 in 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
	g32            = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" // secp256k1 G.x, BIP-350's taproot program
	stellarKey     = "3f0c34bf93ad0d9971d04ccc90f705511c838aad9734a4a2fb0d7a03fc7fe89a" // SEP-23 test key
	cardanoHash28  = "9493315cd92eb5d8c4304e67b7e16ae36d61d34502694657811a2c8e"         // CIP-19 test payment key hash
)

const (
	b58Chars    = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	xrpChars    = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
	base32Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// addressCases returns, per network type, valid and invalid inputs with the
// Reason each invalid one must produce.
func addressCases(t testing.TB) map[string][]addrCase {
	h160 := mustHex(t, genesisHash160)
	p32 := mustHex(t, g32)
	skey := mustHex(t, stellarKey)
	kh := mustHex(t, cardanoHash28)
	zeros40 := strings.Repeat("0", 40)

	// XRP account id of r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59, for X-addresses.
	xrpAcct, r := decodeBase58("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", xrpAlphabet)
	if r != "" {
		t.Fatalf("decode XRP vector: %s", r)
	}
	xrpAcct = xrpAcct[1:21]

	muxedID := make([]byte, 8)
	binary.BigEndian.PutUint64(muxedID, 1234567)

	return map[string][]addrCase{
		EVM: {
			{"EIP-55 example 1", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ""},
			{"EIP-55 example 2", srcSpec, "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", ""},
			{"EIP-55 example 3", srcSpec, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", ""},
			{"EIP-55 example 4", srcSpec, "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", ""},
			{"EIP-55 all caps", srcSpec, "0x52908400098527886E0F7030069857D2E4169EE7", ""},
			{"EIP-55 all caps 2", srcSpec, "0x8617E340B3D01FA5F11F306F4090FD50E238070D", ""},
			{"EIP-55 all lower", srcSpec, "0xde709f2102306220921060314715629080e2fb77", ""},
			{"EIP-55 all lower 2", srcSpec, "0x27b1fdb04752bbc536007a920d24acb045561c26", ""},
			{"USDT contract", srcKnown, "0xdAC17F958D2ee523a2206206994597C13D831ec7", ""},
			{"USDC contract", srcKnown, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", ""},
			{"USDC contract lower-cased", srcKnown, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", ""},
			{"EIP-55 mismatch last letter", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", reasonEIP55},
			{"EIP-55 mismatch first letter", srcSpec, "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", reasonEIP55},
			{"zero address", srcConstructed, "0x" + zeros40, reasonZeroAddress},
			{"upper-case 0X prefix", srcSpec, "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", `prefix must be lower-case "0x"`},
			{"missing prefix", srcSpec, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "missing 0x prefix"},
			{"39 hex digits", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "wrong length"},
			{"41 hex digits", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0", "wrong length"},
			{"prefix only", srcConstructed, "0x", "wrong length"},
			{"letter O", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeO", "invalid character 'O'"},
			{"non-ASCII", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAé", "invalid character 'é'"},
			{"leading space", srcSpec, " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "leading or trailing whitespace"},
			{"trailing newline", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n", "leading or trailing whitespace"},
			{"empty", srcConstructed, "", "empty address"},
			{"absurd length", srcConstructed, "0x" + strings.Repeat("a", MaxLen), "too long"},
		},
		Bitcoin: {
			{"genesis P2PKH", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", ""},
			{"P2SH wiki example", srcKnown, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", ""},
			{"BIP-173 P2WPKH upper case", srcSpec, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", ""},
			{"BIP-173 P2WPKH lower case", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", ""},
			{"BIP-350 v1 40-byte program", srcSpec, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", ""},
			{"BIP-350 v16", srcSpec, "BC1SW50QGDZ25J", ""},
			{"BIP-350 v2", srcSpec, "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", ""},
			{"BIP-350 taproot", srcSpec, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", ""},
			{"P2WSH", srcConstructed, segwitEncode("bc", 0, cat(p32), encBech32), ""},
			{"flipped last character", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "bad checksum"},
			{"flipped checksum P2SH", srcConstructed, encodeBase58CheckBadSum(cat([]byte{0x05}, h160), btcAlphabet), "bad checksum"},
			{"two characters dropped", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf", "wrong length"},
			{"payload one byte short", srcConstructed, encodeBase58Check(cat([]byte{0x00}, h160[:19]), btcAlphabet), "wrong length"},
			{"zero digit", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", "invalid character '0'"},
			{"letter O", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNO", "invalid character 'O'"},
			{"litecoin version byte", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", "wrong version byte"},
			{"testnet P2PKH", srcConstructed, encodeBase58Check(cat([]byte{0x6f}, h160), btcAlphabet), "testnet address"},
			{"testnet P2SH", srcConstructed, encodeBase58Check(cat([]byte{0xc4}, h160), btcAlphabet), "testnet address"},
			{"BIP-173 testnet P2WSH", srcSpec, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "testnet address"},
			{"BIP-350 testnet taproot", srcSpec, "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "testnet address"},
			{"regtest", srcConstructed, segwitEncode("bcrt", 0, h160, encBech32), "testnet address"},
			{"BIP-350 invalid HRP", srcSpec, "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", `wrong prefix "tc", want "bc"`},
			{"BIP-173 invalid HRP", srcSpec, "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", `wrong prefix "tc", want "bc"`},
			{"litecoin segwit", srcKnown, "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz", `wrong prefix "ltc", want "bc"`},
			{"BIP-173 bad checksum", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bad checksum"},
			{"mixed case", srcConstructed, "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "mixed case"},
			{"BIP-350 mixed case", srcSpec, "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixed case"},
			{"BIP-350 v1 with bech32", srcSpec, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "witness v1+ must use bech32m, not bech32"},
			{"BIP-350 v16 with bech32", srcSpec, "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "witness v1+ must use bech32m, not bech32"},
			{"BIP-350 v0 with bech32m", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "witness v0 must use bech32, not bech32m"},
			{"BIP-350 testnet v0 with bech32m", srcSpec, "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "testnet address"},
			{"BIP-350 invalid character in checksum", srcSpec, "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "invalid character 'o'"},
			{"BIP-350 invalid witness version", srcSpec, "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "invalid witness version"},
			{"BIP-173 invalid witness version", srcSpec, "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "invalid witness version"},
			{"BIP-350 1-byte program", srcSpec, "bc1pw5dgrnzv", "invalid witness program length"},
			{"BIP-350 41-byte program", srcSpec, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", "invalid witness program length"},
			{"BIP-173 1-byte program", srcSpec, "bc1rw5uspcuh", "invalid witness program length"},
			{"BIP-173 41-byte program", srcSpec, "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", "invalid witness program length"},
			{"BIP-350 v0 16-byte program", srcSpec, "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "invalid witness v0 program length"},
			{"BIP-350 padding over 4 bits", srcSpec, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "invalid padding"},
			{"BIP-173 padding over 4 bits", srcSpec, "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "invalid padding"},
			{"BIP-350 empty data", srcSpec, "bc1gmk9yu", "empty data"},
			{"segwit over 90 characters", srcConstructed, "bc1q" + strings.Repeat("q", 87), "too long"},
			{"trailing space", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ", "leading or trailing whitespace"},
			{"leading tab", srcKnown, "\tbc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "leading or trailing whitespace"},
		},
		Litecoin: {
			{"P2PKH L 1", srcKnown, "Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW", ""},
			{"P2PKH L 2", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", ""},
			{"P2PKH L 3", srcKnown, "LgfapHEPhZbRF9pMd5WPT35hFXcZS1USrW", ""},
			{"P2SH M", srcKnown, "MGEW4aba3tnrVtVhGcmoqqHaLt5ymPSLPi", ""},
			{"P2WPKH ltc1", srcKnown, "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz", ""},
			{"legacy P2SH 3", srcKnown, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", ""},
			{"P2PKH constructed", srcConstructed, encodeBase58Check(cat([]byte{0x30}, h160), btcAlphabet), ""},
			{"P2SH M constructed", srcConstructed, encodeBase58Check(cat([]byte{0x32}, h160), btcAlphabet), ""},
			{"P2WSH", srcConstructed, segwitEncode("ltc", 0, p32, encBech32), ""},
			{"taproot", srcConstructed, segwitEncode("ltc", 1, p32, encBech32m), ""},
			{"flipped last character", srcKnown, flipLast("LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", b58Chars), "bad checksum"},
			{"bitcoin P2PKH", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wrong version byte"},
			{"bitcoin segwit", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", `wrong prefix "bc", want "ltc"`},
			{"testnet P2PKH", srcConstructed, encodeBase58Check(cat([]byte{0x6f}, h160), btcAlphabet), "testnet address"},
			{"testnet P2SH Q", srcConstructed, encodeBase58Check(cat([]byte{0x3a}, h160), btcAlphabet), "testnet address"},
			{"testnet segwit", srcConstructed, segwitEncode("tltc", 0, h160, encBech32), "testnet address"},
			{"v0 with bech32m", srcConstructed, segwitEncode("ltc", 0, h160, encBech32m), "witness v0 must use bech32, not bech32m"},
			{"taproot with bech32", srcConstructed, segwitEncode("ltc", 1, p32, encBech32), "witness v1+ must use bech32m, not bech32"},
			{"mixed case", srcKnown, "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dZ", "mixed case"},
			{"segwit bad checksum", srcKnown, flipLast("ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz", bech32Charset), "bad checksum"},
			{"truncated", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9of", "wrong length"},
			{"letter l", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofl", "invalid character 'l'"},
			{"trailing space", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm ", "leading or trailing whitespace"},
		},
		Dogecoin: {
			{"P2PKH 1", srcKnown, "DEa7damK8MsbdCJztidBasZKVsDLJifWfE", ""},
			{"P2PKH 2", srcKnown, "DNkkfdUvkCDiywYE98MTVp9nQJTgeZAiFr", ""},
			{"P2PKH 3", srcKnown, "DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxg", ""},
			{"P2SH A", srcKnown, "A6T5s5B1Saja9yAJWxQN8SNXvNzxaoFdcy", ""},
			{"P2SH 9", srcKnown, "9tp7THhBG3fNNFka1AJm95DU3E4x3pwQA3", ""},
			{"P2PKH constructed", srcConstructed, encodeBase58Check(cat([]byte{0x1e}, h160), btcAlphabet), ""},
			{"flipped last character", srcKnown, flipLast("DEa7damK8MsbdCJztidBasZKVsDLJifWfE", b58Chars), "bad checksum"},
			{"bitcoin P2PKH", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wrong version byte"},
			{"litecoin P2PKH", srcKnown, "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", "wrong version byte"},
			{"testnet P2PKH", srcConstructed, encodeBase58Check(cat([]byte{0x71}, h160), btcAlphabet), "testnet address"},
			{"segwit is not dogecoin", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "segwit addresses not supported"},
			{"extra character", srcKnown, "DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxgs", "wrong length"},
			{"hash sign", srcKnown, "DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxg#", "invalid character '#'"},
			{"leading space", srcKnown, " DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxg", "leading or trailing whitespace"},
		},
		Solana: {
			{"system program", srcKnown, "11111111111111111111111111111111", ""},
			{"token program", srcKnown, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", ""},
			{"associated token program", srcKnown, "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL", ""},
			{"wrapped SOL mint", srcKnown, "So11111111111111111111111111111111111111112", ""},
			{"USDC mint", srcKnown, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", ""},
			{"constructed key", srcConstructed, encodeSolana(p32), ""},
			{"31 bytes", srcConstructed, encodeSolana(p32[:31]), "wrong length"},
			{"33 bytes", srcConstructed, encodeSolana(cat(p32, []byte{1})), "wrong length"},
			{"45 characters", srcConstructed, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DAA1", "wrong length"},
			{"zero digit", srcKnown, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D0", "invalid character '0'"},
			{"letter I", srcKnown, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DI", "invalid character 'I'"},
			{"EVM address", srcSpec, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "invalid character '0'"},
			{"trailing newline", srcKnown, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA\n", "leading or trailing whitespace"},
		},
		Tron: {
			{"USDT-TRC20 contract", srcKnown, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", ""},
			{"zero account", srcKnown, "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", ""},
			{"JST token", srcKnown, "TCFLL5dx5ZJdKnWuesXxi1VPwjLVmWZZy9", ""},
			{"SUN token", srcKnown, "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", ""},
			{"constructed", srcConstructed, encodeBase58Check(cat([]byte{0x41}, h160), btcAlphabet), ""},
			{"flipped last character", srcKnown, flipLast("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", b58Chars), "bad checksum"},
			{"hex form", srcConstructed, "41" + genesisHash160, "hex address form not accepted, use the base58 T-address"},
			{"bitcoin P2PKH", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "wrong version byte"},
			{"two characters dropped", srcKnown, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj", "wrong length"},
			{"letter O", srcKnown, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6O", "invalid character 'O'"},
			{"trailing space", srcKnown, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t ", "leading or trailing whitespace"},
		},
		Ripple: {
			{"genesis account", srcKnown, "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", ""},
			{"xrpl.js classic", srcSpec, "r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", ""},
			{"xrpl.js classic 2", srcSpec, "rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf", ""},
			{"ACCOUNT_ONE", srcKnown, "rrrrrrrrrrrrrrrrrrrrBZbvji", ""},
			{"X-address without tag", srcSpec, "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ", ""},
			{"X-address tag 1", srcSpec, "X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu", ""},
			{"X-address max tag", srcSpec, "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi", ""},
			{"X-address tag 0", srcSpec, "XVLhHMPHU98es4dbozjVtdWzVrDjtV8AqEL4xcZj5whKbmc", ""},
			{"classic constructed", srcConstructed, encodeBase58Check(cat([]byte{0x00}, h160), xrpAlphabet), ""},
			{"flipped last character", srcKnown, flipLast("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", xrpChars), "bad checksum"},
			{"bitcoin alphabet", srcKnown, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bad checksum"},
			{"wrong version byte", srcConstructed, encodeBase58Check(cat([]byte{0x23}, h160), xrpAlphabet), "wrong version byte"},
			{"two characters dropped", srcKnown, "rHb9CJAWyB4rj91VRWn96DkukG4bwdty", "wrong length"},
			{"zero digit", srcKnown, "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyT0", "invalid character '0'"},
			{"X-address testnet", srcSpec, "T719a5UwUCnEs54UsxG9CJYYDhwmFCqkr7wxCcNcfZ6p5GZ", "testnet address"},
			{"X-address bad checksum", srcSpec, "XVLhHMPHU98es4dbozjVtdWzVrDjtV5fdx1mHp98tDMoQXa", "bad checksum"},
			{"X-address bad prefix", srcSpec, "dGzKGt8CVpWoa8aWL1k18tAdy9Won3PxynvbbpkAqp3V47g", "wrong version byte"},
			{"X-address 64-bit tag", srcSpec, "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8zeUygYrCgrPh", "X-address tag exceeds 32 bits"},
			{"X-address tag bytes without flag", srcConstructed, xAddressEncode([]byte{0x05, 0x44}, xrpAcct, 0, 7), "X-address has tag bytes but no tag flag"},
			{"X-address high tag bytes", srcConstructed, xAddressEncode([]byte{0x05, 0x44}, xrpAcct, 1, 1<<32), "X-address tag exceeds 32 bits"},
			{"leading space", srcKnown, " rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "leading or trailing whitespace"},
		},
		Stellar: {
			{"SEP-23 account", srcSpec, "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ", ""},
			{"SEP-23 muxed id 0", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", ""},
			{"SEP-23 muxed id 2^63", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK", ""},
			{"USDC issuer", srcKnown, "GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN", ""},
			{"all-zero key", srcKnown, "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF", ""},
			{"account constructed", srcConstructed, strkeyEncode(strkeyAccount, p32), ""},
			{"muxed constructed", srcConstructed, strkeyEncode(strkeyMuxed, cat(skey, muxedID)), ""},
			{"flipped last character", srcSpec, flipLast("GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ", base32Chars), "bad checksum"},
			{"SEP-23 invalid checksum", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO", "bad checksum"},
			{"SEP-23 5-byte key", srcSpec, "GAAAAAAAACGC6", "wrong length"},
			{"SEP-23 unused trailing bit", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR", "non-canonical encoding"},
			{"SEP-23 length 1 mod 8", srcSpec, "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", "wrong length"},
			{"SEP-23 36 bytes", srcSpec, "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI", "wrong length"},
			{"SEP-23 algorithm 7", srcSpec, "G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I", "wrong version byte"},
			{"SEP-23 muxed length 6 mod 8", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA", "wrong length"},
			{"SEP-23 muxed 44 bytes", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I", "wrong length"},
			{"SEP-23 muxed algorithm 7", srcSpec, "M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ", "bad checksum"},
			{"SEP-23 padding", srcSpec, "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===", "invalid character '='"},
			{"algorithm 7 valid checksum", srcConstructed, strkeyEncode(strkeyAccount|7, p32), "wrong version byte"},
			{"SEP-23 contract", srcSpec, "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA", "wrong version byte"},
			{"secret seed", srcConstructed, strkeyEncode(strkeySeed, p32), "secret seed, not an address (never share it)"},
			{"muxed version on account length", srcConstructed, strkeyEncode(strkeyMuxed, p32), "wrong version byte"},
			{"lower case", srcSpec, strings.ToLower("GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"), "invalid character 'g'"},
			{"digit 1", srcSpec, "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSG1", "invalid character '1'"},
			{"trailing space", srcSpec, "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ ", "leading or trailing whitespace"},
		},
		Cardano: {
			{"CIP-19 type 0", srcSpec, "addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgse35a3x", ""},
			{"CIP-19 type 1", srcSpec, "addr1z8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gten0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs9yc0hh", ""},
			{"CIP-19 type 2", srcSpec, "addr1yx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerkr0vd4msrxnuwnccdxlhdjar77j6lg0wypcc9uar5d2shs2z78ve", ""},
			{"CIP-19 type 3", srcSpec, "addr1x8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gt7r0vd4msrxnuwnccdxlhdjar77j6lg0wypcc9uar5d2shskhj42g", ""},
			{"CIP-19 type 4 pointer", srcSpec, "addr1gx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer5pnz75xxcrzqf96k", ""},
			{"CIP-19 type 5 pointer", srcSpec, "addr128phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtupnz75xxcrtw79hu", ""},
			{"CIP-19 type 6 enterprise", srcSpec, "addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8", ""},
			{"CIP-19 type 7 enterprise", srcSpec, "addr1w8phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtcyjy7wx", ""},
			{"CIP-19 type 6 upper case", srcSpec, strings.ToUpper("addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8"), ""},
			{"Byron Icarus", srcSpec, "Ae2tdPwUPEZLs4HtbuNey7tK4hTKrwNwYtGqp7bDfCy2WdR3P6735W5Yfpe", ""},
			{"Byron Daedalus", srcSpec, "DdzFFzCqrht7PQiAhzrn6rNNoADJieTWBt8KeK9BZdUsGyX9ooYD9NpMCTGjQoUKcHN47g8JMXhvKogsGpQHtiQ65fZwiypjrC6d3a4Q", ""},
			{"Byron Icarus 2", srcKnown, "Ae2tdPwUPEZFRbyhz3cpfC2CumGzNkFBN2L42rcUc2yjQpEkxDbkPodpMAi", ""},
			{"pointer with large slot", srcConstructed, shelleyEncode("addr", 0x41, cat(kh, []byte{0xff, 0xff, 0xff, 0x7f, 0x81, 0x00, 0x00}), encBech32), ""},
			{"Byron constructed", srcConstructed, byronEncode(byronInner(kh, nil, 0), 0), ""},
			{"Byron with derivation path", srcConstructed, byronEncode(byronInner(kh, map[uint64][]byte{1: []byte{0x58, 0x01, 0xaa}}, 0), 0), ""},
			{"flipped last character", srcSpec, flipLast("addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8", bech32Charset), "bad checksum"},
			{"Byron flipped last character", srcSpec, flipLast("Ae2tdPwUPEZLs4HtbuNey7tK4hTKrwNwYtGqp7bDfCy2WdR3P6735W5Yfpe", b58Chars), "bad checksum"},
			{"Byron bad crc", srcConstructed, byronEncode(byronInner(kh, nil, 0), 1), "bad checksum"},
			{"CIP-19 testnet type 0", srcSpec, "addr_test1qz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgs68faae", "testnet address"},
			{"CIP-19 testnet type 6", srcSpec, "addr_test1vz2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzerspjrlsz", "testnet address"},
			{"Byron testnet", srcSpec, "37btjrVyb4KDXBNC4haBVPCrro8AQPHwvCMp3RFhhSVWwfFmZ6wwzSK6JK1hY6wHNmtrpTf1kdbva8TCneM2YsiXT7mrzT21EacHnPpz5YyUdj64na", "testnet address"},
			{"Byron network magic constructed", srcConstructed, byronEncode(byronInner(kh, map[uint64][]byte{2: []byte{0x1a, 0x2d, 0x96, 0x4a, 0x09}}, 0), 0), "testnet address"},
			{"mainnet prefix testnet header", srcSpec, "addr1vpu5vlrf4xkxv2qpwngf6cjhtw542ayty80v8dyr49rf5eg0yu80w", "header network id is testnet"},
			{"CIP-19 stake key", srcSpec, "stake1uyehkck0lajq8gr28t9uxnuvgcqrc6070x3k9r8048z8y5gh6ffgw", "stake address, not a payment address"},
			{"CIP-19 stake script", srcSpec, "stake178phkx6acpnf78fuvxn0mkew3l0fd058hzquvz7w36x4gtcccycj5", "stake address, not a payment address"},
			{"stake header under addr", srcConstructed, shelleyEncode("addr", 0xe1, kh, encBech32), "stake address, not a payment address"},
			{"bitcoin segwit", srcSpec, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", `wrong prefix "bc", want "addr"`},
			{"mixed case", srcSpec, "addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrL8", "mixed case"},
			{"bech32m checksum", srcConstructed, shelleyEncode("addr", 0x61, kh, encBech32m), "bech32m checksum, Cardano uses bech32"},
			{"base address one byte short", srcConstructed, shelleyEncode("addr", 0x01, cat(kh, kh[:27]), encBech32), "wrong length"},
			{"enterprise one byte long", srcConstructed, shelleyEncode("addr", 0x61, cat(kh, []byte{0}), encBech32), "wrong length"},
			{"pointer truncated", srcConstructed, shelleyEncode("addr", 0x41, cat(kh, []byte{0x01, 0x02, 0x83}), encBech32), "invalid pointer"},
			{"pointer trailing byte", srcConstructed, shelleyEncode("addr", 0x41, cat(kh, []byte{0x01, 0x02, 0x03, 0x04}), encBech32), "wrong length"},
			{"Byron header in bech32", srcConstructed, shelleyEncode("addr", 0x82, kh, encBech32), "Byron address must be base58-encoded"},
			{"unknown type", srcConstructed, shelleyEncode("addr", 0x91, kh, encBech32), "unknown address type"},
			{"unknown network id", srcConstructed, shelleyEncode("addr", 0x62, kh, encBech32), "unknown network id"},
			{"Byron not CBOR", srcConstructed, encodeSolana(p32), "malformed Byron address"},
			{"Byron short root", srcConstructed, byronEncode(byronInner(kh[:27], nil, 0), 0), "malformed Byron address"},
			{"zero digit in Byron", srcSpec, "Ae2tdPwUPEZLs4HtbuNey7tK4hTKrwNwYtGqp7bDfCy2WdR3P6735W5Yfp0", "invalid character '0'"},
			{"leading space", srcSpec, " addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8", "leading or trailing whitespace"},
		},
	}
}

// encodeSolana base58-encodes raw bytes with the Bitcoin alphabet.
func encodeSolana(b []byte) string { return encodeBase58(b, btcAlphabet) }

func TestValidate(t *testing.T) {
	for nt, cases := range addressCases(t) {
		t.Run(nt, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.src+"/"+tc.name, func(t *testing.T) {
					err := Validate(nt, tc.addr)
					if tc.reason == "" {
						if err != nil {
							t.Fatalf("Validate(%q, %q) = %v, want nil", nt, tc.addr, err)
						}
						return
					}
					var ae *Error
					if !errors.As(err, &ae) {
						t.Fatalf("Validate(%q, %q) = %v, want *Error with reason %q", nt, tc.addr, err, tc.reason)
					}
					if ae.Reason != tc.reason {
						t.Errorf("Validate(%q, %q) reason = %q, want %q", nt, tc.addr, ae.Reason, tc.reason)
					}
					if ae.NetworkType != nt {
						t.Errorf("NetworkType = %q, want %q", ae.NetworkType, nt)
					}
				})
			}
		})
	}
}

// TestEveryNetworkCovered keeps the table honest: each supported network type
// has at least three valid real (non-constructed) addresses and a
// bad-checksum or equivalent rejection.
func TestEveryNetworkCovered(t *testing.T) {
	cases := addressCases(t)
	for _, nt := range Supported() {
		real, invalid := 0, 0
		for _, tc := range cases[nt] {
			if tc.reason == "" && tc.src != srcConstructed {
				real++
			}
			if tc.reason != "" {
				invalid++
			}
		}
		if real < 3 || invalid < 5 {
			t.Errorf("%s: %d real valid and %d invalid cases, want at least 3 and 5", nt, real, invalid)
		}
	}
}

// TestEncodersMatchPublishedVectors checks the test-only encoders against
// published addresses, so that constructed cases can be trusted.
func TestEncodersMatchPublishedVectors(t *testing.T) {
	h160 := mustHex(t, genesisHash160)
	skey := mustHex(t, stellarKey)
	xrpAcct := func(classic string) []byte {
		b, r := decodeBase58(classic, xrpAlphabet)
		if r != "" {
			t.Fatalf("decode %s: %s", classic, r)
		}
		return b[1:21]
	}
	id := func(n uint64) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, n)
		return b
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"bitcoin genesis", encodeBase58Check(cat([]byte{0x00}, h160), btcAlphabet), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
		{"tron USDT contract", encodeBase58Check(mustHex(t, "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"), btcAlphabet), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
		{"dogecoin P2SH", encodeBase58Check(cat([]byte{0x16}, mustHex(t, "1a11b73ad3dd99d77da9f858cf323205a84dd5da")), btcAlphabet), "9tp7THhBG3fNNFka1AJm95DU3E4x3pwQA3"},
		{"BIP-173 P2WPKH", segwitEncode("bc", 0, mustHex(t, "751e76e8199196d454941c45d1b3a323f1433bd6"), encBech32), "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
		{"BIP-350 taproot", segwitEncode("bc", 1, mustHex(t, g32), encBech32m), "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"},
		{"BIP-350 v16", segwitEncode("bc", 16, mustHex(t, "751e"), encBech32m), "bc1sw50qgdz25j"},
		{"SEP-23 account", strkeyEncode(strkeyAccount, skey), "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"},
		{"SEP-23 muxed id 0", strkeyEncode(strkeyMuxed, cat(skey, id(0))), "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ"},
		{"SEP-23 muxed id 2^63", strkeyEncode(strkeyMuxed, cat(skey, id(1<<63))), "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK"},
		{"X-address no tag", xAddressEncode([]byte{0x05, 0x44}, xrpAcct("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59"), 0, 0), "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ"},
		{"X-address tag 1", xAddressEncode([]byte{0x05, 0x44}, xrpAcct("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59"), 1, 1), "X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu"},
		{"X-address tag 11747", xAddressEncode([]byte{0x05, 0x44}, xrpAcct("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59"), 1, 11747), "X7AcgcsBL6XDcUb289X4mJ8djcdyKaLFuhLRuNXPrDeJd9A"},
		{"X-address max tag", xAddressEncode([]byte{0x05, 0x44}, xrpAcct("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf"), 1, 4294967295), "XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi"},
		{"X-address testnet", xAddressEncode([]byte{0x04, 0x93}, xrpAcct("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59"), 0, 0), "T719a5UwUCnEs54UsxG9CJYYDhwmFCqkr7wxCcNcfZ6p5GZ"},
		{"CIP-19 type 6", shelleyEncode("addr", 0x61, mustHex(t, cardanoHash28), encBech32), "addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8"},
		// CIP-19's pointer (2498243, 27, 3): 2498243 in 7-bit groups is 1, 24, 61, 67.
		{"CIP-19 type 4", shelleyEncode("addr", 0x41, cat(mustHex(t, cardanoHash28), []byte{0x81, 0x98, 0xbd, 0x43, 27, 3}), encBech32), "addr1gx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer5pnz75xxcrzqf96k"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("encoded %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// TestSegwitPrograms checks that decoding yields the scriptPubKey published
// next to each BIP-173/BIP-350 valid mainnet vector.
func TestSegwitPrograms(t *testing.T) {
	tests := []struct {
		addr, script string
	}{
		{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"BC1SW50QGDZ25J", "6002751e"},
		{"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ver, prog, r := bitcoinParams.decodeSegwit(tc.addr)
			if r != "" {
				t.Fatalf("decodeSegwit: %s", r)
			}
			op := byte(0)
			if ver > 0 {
				op = 0x50 + ver
			}
			got := cat([]byte{op, byte(len(prog))}, prog)
			if want := mustHex(t, tc.script); string(got) != string(want) {
				t.Errorf("scriptPubKey %x, want %s", got, tc.script)
			}
		})
	}
}

func TestValidateUnsupported(t *testing.T) {
	tests := []struct {
		name, networkType string
	}{
		{"unknown", "monero"},
		{"empty", ""},
		{"wrong case", "EVM"},
		{"display name", "Bitcoin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ae *Error
			if err := Validate(tc.networkType, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"); !errors.As(err, &ae) || ae.Reason != "unsupported network type" {
				t.Fatalf("Validate = %v, want unsupported network type", err)
			}
			if err := ValidateTag(tc.networkType, "1"); !errors.As(err, &ae) || ae.Reason != "unsupported network type" {
				t.Fatalf("ValidateTag = %v, want unsupported network type", err)
			}
		})
	}
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		name, networkType, tag, reason string
	}{
		{"ripple zero", Ripple, "0", ""},
		{"ripple max", Ripple, "4294967295", ""},
		{"ripple typical", Ripple, "12345", ""},
		{"ripple empty", Ripple, "", ""},
		{"ripple overflow", Ripple, "4294967296", "out of range (max 4294967295)"},
		{"ripple huge", Ripple, "99999999999999999999999", "out of range (max 4294967295)"},
		{"ripple negative", Ripple, "-1", "sign not allowed"},
		{"ripple plus", Ripple, "+1", "sign not allowed"},
		{"ripple leading zero", Ripple, "01", "leading zero"},
		{"ripple double zero", Ripple, "00", "leading zero"},
		{"ripple letters", Ripple, "abc", "not a decimal number"},
		{"ripple space", Ripple, " 1", "not a decimal number"},
		{"ripple hex", Ripple, "0x10", "not a decimal number"},
		{"stellar 28-byte memo", Stellar, strings.Repeat("m", 28), ""},
		{"stellar 28-byte UTF-8 memo", Stellar, strings.Repeat("é", 14), ""},
		{"stellar digits", Stellar, "1234567", ""},
		{"stellar empty", Stellar, "", ""},
		{"stellar 29-byte memo", Stellar, strings.Repeat("m", 29), "longer than 28 bytes"},
		{"stellar 29-byte UTF-8 memo", Stellar, strings.Repeat("é", 14) + "x", "longer than 28 bytes"},
		{"stellar invalid UTF-8", Stellar, "memo\xff", "invalid UTF-8"},
		{"stellar newline", Stellar, "line\nbreak", "control character"},
		{"stellar NUL", Stellar, "a\x00b", "control character"},
		{"evm tag", EVM, "123", "EVM addresses take no tag"},
		{"evm empty tag", EVM, "", ""},
		{"bitcoin tag", Bitcoin, "1", "Bitcoin addresses take no tag"},
		{"solana tag", Solana, "memo", "Solana addresses take no tag"},
		{"cardano tag", Cardano, "1", "Cardano addresses take no tag"},
		{"tron tag", Tron, "1", "Tron addresses take no tag"},
		{"dogecoin tag", Dogecoin, "1", "Dogecoin addresses take no tag"},
		{"litecoin tag", Litecoin, "1", "Litecoin addresses take no tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTag(tc.networkType, tc.tag)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("ValidateTag(%q, %q) = %v, want nil", tc.networkType, tc.tag, err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("ValidateTag(%q, %q) = %v, want *Error", tc.networkType, tc.tag, err)
			}
			if ae.Reason != tc.reason {
				t.Errorf("reason = %q, want %q", ae.Reason, tc.reason)
			}
		})
	}
}

func TestSupportsTag(t *testing.T) {
	for _, nt := range Supported() {
		t.Run(nt, func(t *testing.T) {
			want := nt == Ripple || nt == Stellar
			if got := SupportsTag(nt); got != want {
				t.Errorf("SupportsTag(%q) = %v, want %v", nt, got, want)
			}
		})
	}
	if SupportsTag("monero") {
		t.Error("SupportsTag(unknown) = true")
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"address", Validate(Bitcoin, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"), "not a valid Bitcoin address: bad checksum"},
		{"EIP-55", Validate(EVM, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), "not a valid EVM address: EIP-55 checksum mismatch (mixed-case address must match its checksum)"},
		{"XRP name", Validate(Ripple, "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyT0"), "not a valid XRP address: invalid character '0'"},
		{"destination tag", ValidateTag(Ripple, "01"), "not a valid XRP destination tag: leading zero"},
		{"memo", ValidateTag(Stellar, strings.Repeat("m", 29)), "not a valid Stellar memo: longer than 28 bytes"},
		{"no tag", ValidateTag(EVM, "123"), "invalid address tag: EVM addresses take no tag"},
		{"unsupported", Validate("monero", "x"), `unsupported network type: "monero"`},
		{"unsupported long name", Validate(strings.Repeat("n", 200), "x"), `unsupported network type: "nnnnnnnnnnnnnnnn"…`},
		{"wrong prefix echo is short", Validate(Bitcoin, bech32Encode(strings.Repeat("l", 60), []byte{0}, encBech32)), `not a valid Bitcoin address: wrong prefix "llllllllllllllll"…, want "bc"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("got nil error")
			}
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	want := []string{"bitcoin", "cardano", "dogecoin", "evm", "litecoin", "ripple", "solana", "stellar", "tron"}
	got := Supported()
	if !slices.Equal(got, want) {
		t.Fatalf("Supported() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if Supported()[0] != "bitcoin" {
		t.Error("Supported() returned shared storage")
	}
}

// TestPattern checks that each published pattern compiles and matches every
// valid address in the table (the pattern is loose, never stricter than
// Validate).
func TestPattern(t *testing.T) {
	cases := addressCases(t)
	for _, nt := range Supported() {
		t.Run(nt, func(t *testing.T) {
			p := Pattern(nt)
			if p == "" {
				t.Fatal("empty pattern")
			}
			re, err := regexp.Compile(p)
			if err != nil {
				t.Fatalf("pattern %q: %v", p, err)
			}
			for _, tc := range cases[nt] {
				if tc.reason == "" && !re.MatchString(tc.addr) {
					t.Errorf("pattern %q does not match valid %s %q", p, tc.name, tc.addr)
				}
			}
		})
	}
	if Pattern("monero") != "" {
		t.Error("Pattern(unknown) should be empty")
	}
}

func TestCRC16XModem(t *testing.T) {
	// The CRC catalogue's check value for CRC-16/XMODEM.
	if got := crc16XModem([]byte("123456789")); got != 0x31c3 {
		t.Errorf("crc16XModem(123456789) = %#04x, want 0x31c3", got)
	}
}

// TestEIP55AllSpecExamples recomputes the checksum casing of every spec example
// from its lower-case form, independently of eip55Matches.
func TestEIP55AllSpecExamples(t *testing.T) {
	for _, tc := range addressCases(t)[EVM] {
		if tc.src != srcSpec || tc.reason != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			lower := strings.ToLower(tc.addr[2:])
			k := keccak256([]byte(lower))
			var sb strings.Builder
			for i := 0; i < 40; i++ {
				c := lower[i]
				n := k[i/2] >> 4
				if i%2 == 1 {
					n = k[i/2] & 0x0f
				}
				if c >= 'a' && n >= 8 {
					c -= 'a' - 'A'
				}
				sb.WriteByte(c)
			}
			checksummed := "0x" + sb.String()
			if tc.addr != checksummed && tc.addr != "0x"+lower && tc.addr != "0x"+strings.ToUpper(lower) {
				t.Errorf("%s is neither %s nor single-case", tc.addr, checksummed)
			}
		})
	}
}

// keccak256 hashes with a fresh state, separate from the pooled one.
func keccak256(b []byte) []byte {
	k := keccakPool.New().(*keccakScratch)
	k.h.Write(b)
	return k.h.Sum(nil)
}

// TestValidateAllocs guards the hot path: a checksummed EVM address is
// validated without allocating.
func TestValidateAllocs(t *testing.T) {
	addr := "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	Validate(EVM, addr) // warm the pool
	if n := testing.AllocsPerRun(100, func() { _ = Validate(EVM, addr) }); n > 0 {
		t.Errorf("Validate(evm) allocates %v times per call, want 0", n)
	}
}

func BenchmarkValidateEVMChecksum(b *testing.B) {
	addr := "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(EVM, addr); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for nt, cases := range addressCases(f) {
		for _, tc := range cases {
			f.Add(nt, tc.addr)
		}
	}
	f.Add("unknown", "")
	f.Add(Cardano, byronEncode([]byte{0x83, 0x58, 0xff}, 0))
	f.Add(Ripple, string(sha256.New().Sum(nil)))
	patterns := map[string]*regexp.Regexp{}
	for _, nt := range Supported() {
		patterns[nt] = regexp.MustCompile(Pattern(nt))
	}
	f.Fuzz(func(t *testing.T, networkType, addr string) {
		types := append(Supported(), networkType)
		for _, nt := range types {
			err := Validate(nt, addr)
			if err == nil {
				if !patterns[nt].MatchString(addr) {
					t.Errorf("%s accepted %q but Pattern %q does not match", nt, addr, Pattern(nt))
				}
				continue
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Reason == "" {
				t.Fatalf("Validate(%q, %q) = %#v, want *Error with a reason", nt, addr, err)
			}
			if msg := err.Error(); len(msg) > 200 {
				t.Errorf("error message too long (%d bytes): %q", len(msg), msg)
			}
			_ = ValidateTag(nt, addr)
		}
	})
}
