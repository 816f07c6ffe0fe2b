// Package connector is the seam between the Link UI and institutions. A Connector signs a
// user in to one integration, lists the accounts, quotes and sends transfers and, for
// wallets, signs messages. linkd ships the Sandbox connector; every real institution is
// unreachable from a self-hosted test bed, and the Link UI says so honestly. A real
// connector is added by registering it for its integration type: the UI does not change.
package connector

import (
	"context"
	"errors"

	"github.com/linkd-dev/linkd/internal/problem"
)

// Connector reaches the institution of one integration type. Implementations keep no
// per-session state in memory: what must survive between steps (a challenge) is returned
// to the caller, which stores it with the Link session, so any linkd instance can take
// the next step.
type Connector interface {
	// Connect signs in with what the user entered. It returns the accounts, or a Challenge
	// when the institution asks for a second factor.
	Connect(ctx context.Context, in Credentials) (Step, error)
	// Answer answers the challenge of a previous Step.
	Answer(ctx context.Context, ch Challenge, response string) (Step, error)
	// Account returns the current state of an account linked earlier.
	Account(ctx context.Context, accountID string) (Account, error)
	// Quote prices a transfer from one of the accounts a Step returned.
	Quote(ctx context.Context, q QuoteRequest) (Quote, error)
	// Transfer sends a quoted transfer. It is called at most once per quote (the caller
	// guarantees it with a compare-and-swap on the stored quote).
	Transfer(ctx context.Context, q Quote, to Destination) (Sent, error)
}

// Final statuses of a transfer, as Settle reports them (node-api's TransferStatus).
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Settler is implemented by connectors whose transfers reach their final status some
// time after Transfer returned (a chain confirms it, an exchange processes a withdrawal).
// linkd records such a transfer as pending, due to be settled a delay after its execution,
// and then asks Settle for the final status, which it stores and reports to the client's
// webhooks. A connector that learns final statuses by other means (an institution's own
// callback) reports them with store.SetTransferStatus instead, from pending to final,
// which writes the same event; a connector that is neither leaves its transfers pending.
type Settler interface {
	// Settle returns the final status of a transfer sent earlier, StatusSucceeded or
	// StatusFailed, and its hash if it changed ("" keeps the one Transfer returned).
	Settle(ctx context.Context, t Settlement) (status, hash string, err error)
}

// Settlement is what Settle is told about a transfer sent earlier.
type Settlement struct {
	TxID, TxHash string
	Symbol       string
	Amount       float64
	AmountInFiat float64
}

// Signer is implemented by connectors of self-custody wallets: they sign a message with
// the key of one of their addresses (wallet verification).
type Signer interface {
	// Addresses are the wallet's addresses on a network type (evm, solana, …).
	Addresses(networkType string) []string
	// SignMessage signs message with address's key.
	SignMessage(ctx context.Context, networkType, address, message string) (Signature, error)
}

// Credentials are what the user entered on the integration screen: a username and
// password, or an API key and secret.
type Credentials struct {
	Username, Password string
	APIKey, APISecret  string
}

// Step is where a sign-in stands: either Accounts or a Challenge is set.
type Step struct {
	Accounts  []Account
	Challenge *Challenge
}

// Challenge is a second factor the institution asks for.
type Challenge struct {
	// Kind tells the UI what to ask: "code" (a one-time code).
	Kind string `json:"kind"`
	// Prompt is shown to the user.
	Prompt string `json:"prompt"`
	// State is the connector's own, opaque to the caller; it comes back with Answer.
	State string `json:"state"`
}

// Account is an account at the institution.
type Account struct {
	ID   string  `json:"accountId"`
	Name string  `json:"accountName"`
	Fund float64 `json:"fund"` // total value in USD
	Cash float64 `json:"cash"` // cash in USD (buying power)
	// Holdings are its crypto balances.
	Holdings []Holding `json:"holdings"`
}

// Holding is a crypto balance.
type Holding struct {
	Symbol   string  `json:"symbol"`
	Amount   float64 `json:"amount"`
	PriceUSD float64 `json:"priceUsd"`
}

// QuoteRequest asks for the price of sending Amount of Symbol over a network from an
// account.
type QuoteRequest struct {
	Account     Account
	Symbol      string
	NetworkID   string
	NetworkName string // the catalog's wire name: "Ethereum", "Base", …
	NetworkType string
	// NativeSymbol is the symbol the network charges gas in.
	NativeSymbol string
	Amount       float64
}

// Quote is a connector's price for a transfer, before the client's fee.
type Quote struct {
	AccountID   string  `json:"accountId"`
	Symbol      string  `json:"symbol"`
	NetworkID   string  `json:"networkId"`
	NetworkType string  `json:"networkType"`
	Amount      float64 `json:"amount"`
	PriceUSD    float64 `json:"priceUsd"`
	// GasFee is paid in GasSymbol; InstitutionFee in Symbol.
	GasFee         float64 `json:"gasFee"`
	GasSymbol      string  `json:"gasSymbol"`
	GasPriceUSD    float64 `json:"gasPriceUsd"`
	InstitutionFee float64 `json:"institutionFee"`
	// Available is the account's balance of Symbol.
	Available float64 `json:"available"`
	// FromAddress is the account's address on the network.
	FromAddress string `json:"fromAddress"`
}

// Destination is where a transfer goes.
type Destination struct {
	Address, Tag string
}

// Sent is an executed transfer.
type Sent struct {
	TxID   string `json:"txId"`
	TxHash string `json:"txHash"`
}

// Signature is a signed message.
type Signature struct {
	Signature string `json:"signature"`
}

// Errors a connector returns; anything else is an institution fault.
var (
	ErrInvalidCredentials = errors.New("wrong username or password")
	ErrInvalidCode        = errors.New("wrong verification code")
	ErrInsufficientFunds  = errors.New("insufficient balance")
	ErrNotSupported       = errors.New("not supported by this institution")
	ErrAccountNotFound    = errors.New("no such account")
)

// InstitutionError is a failure on the institution's side, with a message for the user.
type InstitutionError struct{ Message string }

func (e *InstitutionError) Error() string { return "institution error: " + e.Message }

// Problem returns the answer to an error of a connector: the errors above as their
// errorTypes, an InstitutionError as institutionError with its message. Any other error
// is returned as it is (a fault).
func Problem(err error) error {
	var ie *InstitutionError
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return problem.InvalidIntegrationCredentials.New("credentials: the institution refused them")
	case errors.Is(err, ErrInvalidCode):
		return problem.InvalidMFACode.New("code: the institution refused it")
	case errors.Is(err, ErrInsufficientFunds):
		return problem.InsufficientFunds.New("amount: the account cannot cover it")
	case errors.Is(err, ErrNotSupported):
		return problem.TransferNotAllowed.New("the institution does not support this")
	case errors.As(err, &ie):
		return problem.InstitutionError.New("%s", ie.Message)
	}
	return err
}

// Registry maps integration types to connectors.
type Registry struct {
	byType map[string]Connector
}

// NewRegistry returns a registry with the given connectors.
func NewRegistry(connectors map[string]Connector) *Registry {
	r := &Registry{byType: map[string]Connector{}}
	for t, c := range connectors {
		r.byType[t] = c
	}
	return r
}

// Default is linkd's registry: the sandbox only.
func Default() *Registry {
	return NewRegistry(map[string]Connector{SandboxType: NewSandbox()})
}

// Lookup returns the connector of an integration type, if linkd can reach it.
func (r *Registry) Lookup(integrationType string) (Connector, bool) {
	c, ok := r.byType[integrationType]
	return c, ok
}

// Signer returns the wallet signer of an integration type, if any.
func (r *Registry) Signer(integrationType string) (Signer, bool) {
	c, ok := r.byType[integrationType]
	if !ok {
		return nil, false
	}
	s, ok := c.(Signer)
	return s, ok
}

// Available reports whether an integration type has a connector.
func (r *Registry) Available(integrationType string) bool {
	_, ok := r.byType[integrationType]
	return ok
}

func round(v float64, decimals int) float64 {
	p := 1.0
	for range decimals {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}
