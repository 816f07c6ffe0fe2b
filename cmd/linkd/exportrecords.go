package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// The records of a client that an export carries besides its configuration: its
// transfers and wallet verifications (kept for good, listed by the API), and the access
// and refresh tokens of its connected accounts that are still usable (as SHA-256 hashes,
// like client secrets), so that the accounts stay connected after a move. Link tokens,
// Link sessions and the webhook outbox are not carried.

type exportedFee struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
	InFiat   float64 `json:"inFiat"`
}

type exportedFunding struct {
	Type         string  `json:"type"`
	Amount       float64 `json:"amount"`
	AmountInFiat float64 `json:"amountInFiat"`
	ToSymbol     string  `json:"toSymbol"`
	FromAmount   float64 `json:"fromAmount"`
	FromSymbol   string  `json:"fromSymbol"`
}

// exportedTransfer is a store.Transfer (of the client it is listed under).
type exportedTransfer struct {
	ID                       string            `json:"id"`
	SubClientID              string            `json:"subClientId,omitzero"`
	UserID                   string            `json:"userId"`
	ClientTransactionID      string            `json:"clientTransactionId,omitzero"`
	InstitutionTransactionID string            `json:"institutionTransactionId,omitzero"`
	Status                   string            `json:"status"`
	Amount                   float64           `json:"amount"`
	AmountToReceive          float64           `json:"amountToReceive"`
	SourceAmount             float64           `json:"sourceAmount"`
	AmountInFiat             float64           `json:"amountInFiat"`
	AmountToReceiveInFiat    float64           `json:"amountToReceiveInFiat"`
	TotalAmountInFiat        float64           `json:"totalAmountInFiat"`
	FiatCurrency             string            `json:"fiatCurrency"`
	Symbol                   string            `json:"symbol"`
	TokenAddress             string            `json:"tokenAddress,omitzero"`
	NetworkID                string            `json:"networkId"`
	NetworkName              string            `json:"networkName"`
	Hash                     string            `json:"hash,omitzero"`
	FromAddress              string            `json:"fromAddress,omitzero"`
	DestinationAddress       string            `json:"destinationAddress"`
	AddressTag               string            `json:"addressTag,omitzero"`
	IntegrationID            string            `json:"integrationId"`
	IntegrationType          string            `json:"integrationType"`
	IntegrationName          string            `json:"integrationName"`
	GasFee                   exportedFee       `json:"gasFee"`
	WithdrawalFee            exportedFee       `json:"withdrawalFee"`
	ProcessingFee            exportedFee       `json:"processingFee"`
	Funding                  []exportedFunding `json:"funding,omitzero"`
	TransferType             string            `json:"transferType,omitzero"`
	IsFeeIncluded            bool              `json:"isFeeIncluded"`
	SessionHash              []byte            `json:"sessionHash,omitzero"`
	CreatedAt                time.Time         `json:"createdAt"`
	ExecutedAt               time.Time         `json:"executedAt,omitzero"`
	UpdatedAt                time.Time         `json:"updatedAt"`
	SettleAt                 time.Time         `json:"settleAt,omitzero"`
}

type exportedWalletVerification struct {
	ID            string    `json:"id"`
	SubClientID   string    `json:"subClientId,omitzero"`
	UserID        string    `json:"userId"`
	Address       string    `json:"address"`
	AddressKey    string    `json:"addressKey"`
	NetworkID     string    `json:"networkId"`
	NetworkType   string    `json:"networkType"`
	Method        string    `json:"method"`
	Message       string    `json:"message"`
	Signature     string    `json:"signature"`
	IntegrationID string    `json:"integrationId"`
	WalletName    string    `json:"walletName"`
	Sandbox       bool      `json:"sandbox"`
	CreatedAt     time.Time `json:"createdAt"`
}

// exportedAccessToken is a usable access or refresh token: its SHA-256 hash (base64),
// never the token.
type exportedAccessToken struct {
	Hash          []byte    `json:"hash"`
	Kind          string    `json:"kind"`
	UserID        string    `json:"userId"`
	IntegrationID string    `json:"integrationId"`
	BrokerType    string    `json:"brokerType"`
	AccountID     string    `json:"accountId"`
	AccountName   string    `json:"accountName"`
	GrantID       string    `json:"grantId"`
	SessionHash   []byte    `json:"sessionHash,omitzero"`
	CreatedAt     time.Time `json:"createdAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
}

func fee(f store.TransferFee) exportedFee { return exportedFee{f.Amount, f.Currency, f.InFiat} }
func (f exportedFee) store() store.TransferFee {
	return store.TransferFee{Amount: f.Amount, Currency: f.Currency, InFiat: f.InFiat}
}

func exportTransfer(t store.Transfer) exportedTransfer {
	x := exportedTransfer{ID: t.ID, SubClientID: t.SubClientID, UserID: t.UserID, ClientTransactionID: t.ClientTransactionID,
		InstitutionTransactionID: t.InstitutionTransactionID, Status: t.Status, Amount: t.Amount, AmountToReceive: t.AmountToReceive,
		SourceAmount: t.SourceAmount, AmountInFiat: t.AmountInFiat, AmountToReceiveInFiat: t.AmountToReceiveInFiat,
		TotalAmountInFiat: t.TotalAmountInFiat, FiatCurrency: t.FiatCurrency, Symbol: t.Symbol, TokenAddress: t.TokenAddress,
		NetworkID: t.NetworkID, NetworkName: t.NetworkName, Hash: t.Hash, FromAddress: t.FromAddress, DestinationAddress: t.DestinationAddress,
		AddressTag: t.AddressTag, IntegrationID: t.IntegrationID, IntegrationType: t.IntegrationType, IntegrationName: t.IntegrationName,
		GasFee: fee(t.GasFee), WithdrawalFee: fee(t.WithdrawalFee), ProcessingFee: fee(t.ProcessingFee), TransferType: t.TransferType,
		IsFeeIncluded: t.IsFeeIncluded, SessionHash: t.SessionHash, CreatedAt: t.CreatedAt.UTC(), ExecutedAt: utcOrZero(t.ExecutedAt),
		UpdatedAt: t.UpdatedAt.UTC(), SettleAt: utcOrZero(t.SettleAt)}
	for _, f := range t.Funding {
		x.Funding = append(x.Funding, exportedFunding(f))
	}
	return x
}

func (x exportedTransfer) store(clientID string) store.Transfer {
	t := store.Transfer{ID: x.ID, ClientID: clientID, SubClientID: x.SubClientID, UserID: x.UserID, ClientTransactionID: x.ClientTransactionID,
		InstitutionTransactionID: x.InstitutionTransactionID, Status: x.Status, Amount: x.Amount, AmountToReceive: x.AmountToReceive,
		SourceAmount: x.SourceAmount, AmountInFiat: x.AmountInFiat, AmountToReceiveInFiat: x.AmountToReceiveInFiat,
		TotalAmountInFiat: x.TotalAmountInFiat, FiatCurrency: x.FiatCurrency, Symbol: x.Symbol, TokenAddress: x.TokenAddress,
		NetworkID: x.NetworkID, NetworkName: x.NetworkName, Hash: x.Hash, FromAddress: x.FromAddress, DestinationAddress: x.DestinationAddress,
		AddressTag: x.AddressTag, IntegrationID: x.IntegrationID, IntegrationType: x.IntegrationType, IntegrationName: x.IntegrationName,
		GasFee: x.GasFee.store(), WithdrawalFee: x.WithdrawalFee.store(), ProcessingFee: x.ProcessingFee.store(), TransferType: x.TransferType,
		IsFeeIncluded: x.IsFeeIncluded, SessionHash: x.SessionHash, CreatedAt: x.CreatedAt, ExecutedAt: x.ExecutedAt, UpdatedAt: x.UpdatedAt,
		SettleAt: x.SettleAt}
	for _, f := range x.Funding {
		t.Funding = append(t.Funding, store.TransferFunding(f))
	}
	return t
}

// exportRecords adds the client's records to x.
func exportRecords(ctx context.Context, st store.Store, x *exportedClient, now time.Time) error {
	x.Transfers, x.WalletVerifications, x.AccessTokens = []exportedTransfer{}, []exportedWalletVerification{}, []exportedAccessToken{}
	const page = 500
	for offset := 0; ; offset += page {
		ts, total, err := st.Transfers(ctx, x.ClientID, store.TransferQuery{Count: page, Offset: offset})
		if err != nil {
			return err
		}
		for _, t := range ts {
			x.Transfers = append(x.Transfers, exportTransfer(t))
		}
		if offset+page >= total {
			break
		}
	}
	ws, err := st.WalletVerifications(ctx, store.WalletVerificationFilter{ClientID: x.ClientID, Limit: math.MaxInt32})
	if err != nil {
		return err
	}
	for _, w := range slices.Backward(ws) { // oldest first, as they were made
		x.WalletVerifications = append(x.WalletVerifications, exportedWalletVerification{ID: w.ID, SubClientID: w.SubClientID,
			UserID: w.UserID, Address: w.Address, AddressKey: w.AddressKey, NetworkID: w.NetworkID, NetworkType: w.NetworkType,
			Method: w.Method, Message: w.Message, Signature: w.Signature, IntegrationID: w.IntegrationID, WalletName: w.WalletName,
			Sandbox: w.Sandbox, CreatedAt: w.CreatedAt.UTC()})
	}
	toks, err := st.ClientAccessTokens(ctx, x.ClientID, now)
	if err != nil {
		return err
	}
	for _, t := range toks {
		x.AccessTokens = append(x.AccessTokens, exportedAccessToken{Hash: t.Hash, Kind: t.Kind, UserID: t.UserID,
			IntegrationID: t.IntegrationID, BrokerType: t.BrokerType, AccountID: t.AccountID, AccountName: t.AccountName,
			GrantID: t.GrantID, SessionHash: t.SessionHash, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()})
	}
	return nil
}

// records are a client's records checked for the store.
type records struct {
	transfers []store.Transfer
	wallets   []store.WalletVerification
	tokens    []store.AccessToken
}

// checkRecords checks the records of exported client x (of id clientID); seen collects the
// ids met so far.
func checkRecords(x exportedClient, clientID string, seen map[string]bool) (records, error) {
	var r records
	for j, t := range x.Transfers {
		if err := checkID(t.ID, "a transfer id"); err != nil {
			return r, fmt.Errorf("transfers[%d]: %w", j, err)
		}
		if seen[t.ID] || t.CreatedAt.IsZero() || t.UpdatedAt.IsZero() ||
			!slices.Contains([]string{store.TransferPending, store.TransferSucceeded, store.TransferFailed}, t.Status) {
			return r, fmt.Errorf("transfers[%d]: id %s appears twice, a time is missing, or status %q is not a transfer status", j, t.ID, t.Status)
		}
		seen[t.ID] = true
		r.transfers = append(r.transfers, t.store(clientID))
	}
	for j, w := range x.WalletVerifications {
		if err := checkID(w.ID, "a wallet verification id"); err != nil {
			return r, fmt.Errorf("walletVerifications[%d]: %w", j, err)
		}
		if seen[w.ID] || w.CreatedAt.IsZero() || w.Address == "" || w.AddressKey == "" {
			return r, fmt.Errorf("walletVerifications[%d]: id %s appears twice, or createdAt or the address is missing", j, w.ID)
		}
		seen[w.ID] = true
		r.wallets = append(r.wallets, store.WalletVerification{ID: w.ID, ClientID: clientID, SubClientID: w.SubClientID, UserID: w.UserID,
			Address: w.Address, AddressKey: w.AddressKey, NetworkID: w.NetworkID, NetworkType: w.NetworkType, Method: w.Method,
			Message: w.Message, Signature: w.Signature, IntegrationID: w.IntegrationID, WalletName: w.WalletName, Sandbox: w.Sandbox,
			CreatedAt: w.CreatedAt})
	}
	for j, t := range x.AccessTokens {
		if len(t.Hash) != 32 || (t.Kind != store.TokenAccess && t.Kind != store.TokenRefresh) || t.GrantID == "" ||
			t.CreatedAt.IsZero() || t.ExpiresAt.IsZero() || seen[string(t.Hash)] {
			return r, fmt.Errorf("accessTokens[%d]: want a 32-byte SHA-256 hash (base64) seen once, kind access or refresh, grantId, createdAt and expiresAt", j)
		}
		seen[string(t.Hash)] = true
		r.tokens = append(r.tokens, store.AccessToken{Hash: t.Hash, Kind: t.Kind, ClientID: clientID, UserID: t.UserID,
			IntegrationID: t.IntegrationID, BrokerType: t.BrokerType, AccountID: t.AccountID, AccountName: t.AccountName,
			GrantID: t.GrantID, SessionHash: t.SessionHash, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
	}
	return r, nil
}

// recordsSummary counts what an import did with records.
type recordsSummary struct {
	Transfers           createdUnchanged `json:"transfers"`
	WalletVerifications createdUnchanged `json:"walletVerifications"`
	AccessTokens        createdUnchanged `json:"accessTokens"`
}

type createdUnchanged struct {
	Created   int `json:"created"`
	Unchanged int `json:"unchanged"`
}

func (c *createdUnchanged) add(created bool) { count(&c.Created, &c.Unchanged, created) }

// importRecords stores a client's records that the database lacks; those it has (the same
// id, or hash) are left as they are.
func importRecords(ctx context.Context, st store.Store, r records, sum *recordsSummary) error {
	for _, t := range r.transfers {
		created, err := st.ImportTransfer(ctx, t)
		if err != nil {
			return fmt.Errorf("transfer %s: %w", t.ID, err)
		}
		sum.Transfers.add(created)
	}
	for _, w := range r.wallets {
		created, err := createOrFind(st.CreateWalletVerification(ctx, w), "a wallet verification", func() (bool, error) {
			ws, err := st.WalletVerifications(ctx, store.WalletVerificationFilter{ClientID: w.ClientID, UserID: w.UserID,
				AddressKey: w.AddressKey, Limit: math.MaxInt32})
			return slices.ContainsFunc(ws, func(v store.WalletVerification) bool { return v.ID == w.ID }), err
		})
		if err != nil {
			return fmt.Errorf("wallet verification %s: %w", w.ID, err)
		}
		sum.WalletVerifications.add(created)
	}
	for _, t := range r.tokens {
		created, err := createOrFind(st.CreateAccessTokens(ctx, t), "an access token", func() (bool, error) {
			have, err := st.AccessToken(ctx, t.Hash, time.Now())
			if errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrRevoked) {
				err = nil // found, whatever its state: it stays as it is
			}
			return have.ClientID == t.ClientID, err
		})
		if err != nil {
			return fmt.Errorf("a token of grant %s: %w", t.GrantID, err)
		}
		sum.AccessTokens.add(created)
	}
	return nil
}
