package e2e

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/linkd-dev/linkd/internal/walletsig"
)

// testWallets are the keys of the browser tests' scripted wallets (browser/host/
// test-wallets-entry.js): sha256 of a name each, so that the test knows the addresses the
// page will see.
var testWallets = walletKeys{
	metaMaskKey: sha256.Sum256([]byte("linkd e2e MetaMask")),
	rabbyKey:    sha256.Sum256([]byte("linkd e2e Rabby")),
	phantomSeed: sha256.Sum256([]byte("linkd e2e Phantom")),
	phantomEVM:  sha256.Sum256([]byte("linkd e2e Phantom EVM")),
}

type walletKeys struct {
	metaMaskKey, rabbyKey, phantomSeed [32]byte
	// phantomEVM is the key of Phantom's EVM account, announced (EIP-6963, rdns
	// app.phantom) only in the wallet-chooser scenario: Phantom then has both kinds.
	phantomEVM [32]byte
}

// keys is what the page's wallets are given.
func (k walletKeys) keys() map[string]string {
	return map[string]string{"evmKey": hex.EncodeToString(k.metaMaskKey[:]), "rabbyKey": hex.EncodeToString(k.rabbyKey[:]),
		"solanaKey": hex.EncodeToString(k.phantomSeed[:]), "chainId": "0x1"}
}

// metaMask is the scripted MetaMask's address (EIP-55).
func (k walletKeys) metaMask() string {
	return walletsig.AddressEVM(secp256k1.PrivKeyFromBytes(k.metaMaskKey[:]))
}

// phantomEVMAddress is the address of the scripted Phantom's EVM account (EIP-55).
func (k walletKeys) phantomEVMAddress() string {
	return walletsig.AddressEVM(secp256k1.PrivKeyFromBytes(k.phantomEVM[:]))
}

// phantom is the scripted Phantom's Solana address.
func (k walletKeys) phantom() string {
	return walletsig.AddressSolana(ed25519.NewKeyFromSeed(k.phantomSeed[:]))
}
