package connector

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/linkd-dev/linkd/internal/walletsig"
)

// The sandbox wallet's keys. They are public test keys, written here and in the README:
// whoever reads them can sign as the sandbox wallet, so a verification by it proves
// nothing about a user and is stored marked as sandbox (docs/design.md §9). They sign
// for real, so the sandbox's signatures take the one verification path browser wallets'
// signatures take.
//
//   - EVM: secp256k1 private key sha256("linkd sandbox wallet: evm"), address
//     SandboxWalletEVM.
//   - Solana: ed25519 seed sha256("linkd sandbox wallet: solana"), address
//     SandboxWalletSolana.
const (
	SandboxWalletEVMKey    = "84bbd436d58de535752dd6e52b7f69609071592fd8a49e6be728f3c4cae71558"
	SandboxWalletSolanaKey = "90f3ceeff891d2a025ee17b4529c170db1e05ccf90a06ccd47e9020cf2b892ac"
	SandboxWalletEVM       = "0x6024f2FB01B6389f6C4853cF46AE6626Ac914b82"
	SandboxWalletSolana    = "4ih5JnxCU299KVHtsBzqokprzgrAwXKW6xoJnfKpASnj"
)

// sandboxWallet holds the sandbox wallet's keys.
type sandboxWallet struct {
	evm    *secp256k1.PrivateKey
	solana ed25519.PrivateKey
}

func newSandboxWallet() sandboxWallet {
	e, _ := hex.DecodeString(SandboxWalletEVMKey)
	sol, _ := hex.DecodeString(SandboxWalletSolanaKey)
	return sandboxWallet{evm: secp256k1.PrivKeyFromBytes(e), solana: ed25519.NewKeyFromSeed(sol)}
}

// IsSandboxWallet reports whether address is one of the sandbox wallet's (whose keys are
// public): a verification of it is marked as sandbox whichever integration sent it.
func IsSandboxWallet(networkType, address string) bool {
	switch networkType {
	case "evm":
		return strings.EqualFold(address, SandboxWalletEVM)
	case "solana":
		return address == SandboxWalletSolana
	}
	return false
}

// Addresses implements Signer: the sandbox wallet has one address on each network type
// whose signatures linkd verifies (evm, solana).
func (s *Sandbox) Addresses(networkType string) []string {
	switch networkType {
	case "evm":
		return []string{SandboxWalletEVM}
	case "solana":
		return []string{SandboxWalletSolana}
	}
	return nil
}

// SignMessage implements Signer: personal_sign (EIP-191) with the EVM key, or an ed25519
// signature (RFC 8032) with the Solana key, of the address's own key only.
func (s *Sandbox) SignMessage(ctx context.Context, networkType, address, message string) (Signature, error) {
	if !IsSandboxWallet(networkType, address) {
		return Signature{}, fmt.Errorf("sandbox wallet: %s is not its address on %s: %w", address, networkType, ErrNotSupported)
	}
	if networkType == "evm" {
		return Signature{Signature: walletsig.SignEVM(s.wallet.evm, message)}, nil
	}
	return Signature{Signature: walletsig.SignSolana(s.wallet.solana, message)}, nil
}
