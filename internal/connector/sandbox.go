package connector

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"math"
	"strings"

	"github.com/google/uuid"
	"github.com/mr-tron/base58"
)

// SandboxType is the integration type of the sandbox.
const SandboxType = "sandbox"

// Sandbox test credentials (documented in the README and shown on the sandbox screen).
const (
	SandboxUserGood  = "user_good"
	SandboxUserMFA   = "user_mfa"
	SandboxUserError = "user_error"
	SandboxPassword  = "pass_good"
	SandboxMFACode   = "123456"
	SandboxAPIKey    = "sandbox_api_key"
	SandboxAPISecret = "sandbox_api_secret"
)

// sandboxPricesUSD are the sandbox's fixed prices, like Mesh's sandbox ("hard-coded
// prices"): transfers are previewed and priced deterministically.
var sandboxPricesUSD = map[string]float64{
	"BTC": 60000, "WBTC": 60000, "cbBTC": 60000, "ETH": 3000, "WETH": 3000, "SOL": 150, "USDC": 1, "USDT": 1, "DAI": 1,
	"PYUSD": 1, "RLUSD": 1, "FDUSD": 1, "EURC": 1.08, "POL": 0.5, "MATIC": 0.5, "BNB": 600, "WBNB": 600, "AVAX": 35,
	"WAVAX": 35, "TRX": 0.12, "XRP": 0.6, "XLM": 0.12, "ADA": 0.45, "LTC": 80, "DOGE": 0.15, "LINK": 15, "UNI": 8,
	"AAVE": 100, "SHIB": 0.00002, "ARB": 0.8, "OP": 1.8,
}

// sandboxGas is the network fee of one transfer, in the network's native token.
var sandboxGas = map[string]float64{
	"ETH": 0.0004, "POL": 0.02, "BNB": 0.0002, "AVAX": 0.004, "SOL": 0.000005, "BTC": 0.00002, "LTC": 0.0001,
	"DOGE": 1, "TRX": 14, "XRP": 0.000012, "XLM": 0.00001, "ADA": 0.17,
}

// sandboxGasL2 are the cheaper fees of Ethereum layer-2 networks (their native token is ETH).
var sandboxGasL2 = map[string]float64{"Base": 0.00001, "Arbitrum": 0.00002, "Optimism": 0.00001}

// sandboxAddresses are the sandbox accounts' deposit addresses, one valid address per
// network type (tests check each against the address package).
var sandboxAddresses = map[string]string{
	"evm":      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"bitcoin":  "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
	"litecoin": "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm",
	"dogecoin": "DEa7damK8MsbdCJztidBasZKVsDLJifWfE",
	"solana":   "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
	"tron":     "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7",
	"ripple":   "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
	"stellar":  "GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN",
	"cardano":  "addr1qx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzer3n0d3vllmyqwsx5wktcd8cc3sq835lu7drv2xwl2wywfgse35a3x",
}

// Sandbox is the simulated institution of the sandbox integration: a brokerage with two
// accounts holding crypto, a second factor for one test user, an institution failure for
// another, fixed prices and fees, and a wallet that signs messages with public test keys
// (sandboxwallet.go).
type Sandbox struct {
	wallet sandboxWallet
}

// NewSandbox returns the sandbox connector.
func NewSandbox() *Sandbox { return &Sandbox{wallet: newSandboxWallet()} }

func sandboxAccounts() []Account {
	brokerage := Account{ID: "sandbox-brokerage-1234", Name: "Sandbox Brokerage ···1234", Cash: 2500, Holdings: []Holding{
		{Symbol: "ETH", Amount: 1.5}, {Symbol: "BTC", Amount: 0.05}, {Symbol: "USDC", Amount: 1200}, {Symbol: "SOL", Amount: 25},
		{Symbol: "USDT", Amount: 300}, {Symbol: "XRP", Amount: 800}, {Symbol: "XLM", Amount: 1500}, {Symbol: "TRX", Amount: 2000},
		{Symbol: "ADA", Amount: 900}, {Symbol: "LTC", Amount: 4}, {Symbol: "DOGE", Amount: 5000}, {Symbol: "POL", Amount: 600},
		{Symbol: "BNB", Amount: 1}, {Symbol: "AVAX", Amount: 12},
	}}
	savings := Account{ID: "sandbox-savings-5678", Name: "Sandbox Savings ···5678", Cash: 8000, Holdings: []Holding{
		{Symbol: "USDC", Amount: 8000}, {Symbol: "USDT", Amount: 500}, {Symbol: "PYUSD", Amount: 250},
	}}
	accounts := []Account{brokerage, savings}
	for i := range accounts {
		a := &accounts[i]
		a.Fund = a.Cash
		for j := range a.Holdings {
			h := &a.Holdings[j]
			h.PriceUSD = sandboxPricesUSD[h.Symbol]
			a.Fund += h.Amount * h.PriceUSD
		}
		a.Fund = round(a.Fund, 2)
	}
	return accounts
}

// Connect implements Connector.
func (s *Sandbox) Connect(ctx context.Context, in Credentials) (Step, error) {
	if in.APIKey != "" || in.APISecret != "" {
		// The sandbox's credentials are public test values; they are compared as a real
		// connector compares secrets (docs/threat-model.md T8), since connectors are
		// written after this one.
		if equalSecret(in.APIKey, SandboxAPIKey)&equalSecret(in.APISecret, SandboxAPISecret) == 1 {
			return Step{Accounts: sandboxAccounts()}, nil
		}
		return Step{}, ErrInvalidCredentials
	}
	user := strings.TrimSpace(in.Username)
	switch {
	case user == SandboxUserError:
		return Step{}, &InstitutionError{Message: "Sandbox Brokerage is not responding. Please try again later."}
	case equalSecret(in.Password, SandboxPassword) != 1:
		return Step{}, ErrInvalidCredentials
	case user == SandboxUserGood:
		return Step{Accounts: sandboxAccounts()}, nil
	case user == SandboxUserMFA:
		return Step{Challenge: &Challenge{Kind: "code", Prompt: "Enter the 6-digit code we sent to your phone ending in 0042.", State: user}}, nil
	}
	return Step{}, ErrInvalidCredentials
}

// Answer implements Connector.
func (s *Sandbox) Answer(ctx context.Context, ch Challenge, response string) (Step, error) {
	if ch.State != SandboxUserMFA {
		return Step{}, ErrInvalidCode
	}
	if strings.TrimSpace(response) != SandboxMFACode {
		return Step{}, ErrInvalidCode
	}
	return Step{Accounts: sandboxAccounts()}, nil
}

// Account implements Connector.
func (s *Sandbox) Account(ctx context.Context, accountID string) (Account, error) {
	for _, a := range sandboxAccounts() {
		if a.ID == accountID {
			return a, nil
		}
	}
	return Account{}, ErrAccountNotFound
}

// Quote implements Connector.
func (s *Sandbox) Quote(ctx context.Context, q QuoteRequest) (Quote, error) {
	price, ok := sandboxPricesUSD[q.Symbol]
	if !ok {
		return Quote{}, ErrNotSupported
	}
	from, ok := sandboxAddresses[q.NetworkType]
	if !ok {
		return Quote{}, ErrNotSupported
	}
	gas, ok := sandboxGas[q.NativeSymbol]
	if l2, isL2 := sandboxGasL2[q.NetworkName]; isL2 {
		gas = l2
	}
	if !ok {
		return Quote{}, ErrNotSupported
	}
	acct, err := s.Account(ctx, q.Account.ID)
	if err != nil {
		return Quote{}, err
	}
	var available float64
	for _, h := range acct.Holdings {
		if h.Symbol == q.Symbol {
			available = h.Amount
		}
	}
	return Quote{
		AccountID: q.Account.ID, Symbol: q.Symbol, NetworkID: q.NetworkID, NetworkType: q.NetworkType, Amount: q.Amount,
		PriceUSD: price, GasFee: gas, GasSymbol: q.NativeSymbol, GasPriceUSD: sandboxPricesUSD[q.NativeSymbol],
		InstitutionFee: round(q.Amount*0.001, 8), Available: available, FromAddress: from,
	}, nil
}

// Transfer implements Connector.
func (s *Sandbox) Transfer(ctx context.Context, q Quote, to Destination) (Sent, error) {
	id := uuid.NewString()
	sum := sha256.Sum256([]byte(id + q.NetworkID + to.Address))
	var hash string
	switch q.NetworkType {
	case "evm":
		hash = "0x" + hex.EncodeToString(sum[:])
	case "solana":
		sig := sha512.Sum512(sum[:])
		hash = base58.Encode(sig[:])
	case "ripple":
		hash = strings.ToUpper(hex.EncodeToString(sum[:]))
	default:
		hash = hex.EncodeToString(sum[:])
	}
	return Sent{TxID: id, TxHash: hash}, nil
}

// SandboxFailCents are the cents of an amount the sandbox fails: a transfer whose amount,
// or amount in fiat, rounded to cents, ends in .13 (25.13 USDC, $10.13) settles as
// failed, so that integrators can test their failure path; every other one succeeds.
const SandboxFailCents = 13

// Settle implements Settler: the sandbox's rule, SandboxFailCents.
func (s *Sandbox) Settle(ctx context.Context, t Settlement) (string, string, error) {
	cents := func(v float64) int64 { return int64(math.Round(math.Abs(v)*100)) % 100 }
	if cents(t.Amount) == SandboxFailCents || cents(t.AmountInFiat) == SandboxFailCents {
		return StatusFailed, "", nil
	}
	return StatusSucceeded, "", nil
}

// SandboxAddress is the sandbox accounts' address on a network type.
func SandboxAddress(networkType string) string { return sandboxAddresses[networkType] }

// equalSecret is subtle.ConstantTimeCompare for strings: 1 when a equals b, in a time
// that does not depend on where they differ (CWE-208).
func equalSecret(a, b string) int {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b))
}
