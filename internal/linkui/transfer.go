package linkui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Transfer states of a transfer session object.
const (
	transferPreviewed = "previewed"
	transferExecuting = "executing"
	transferExecuted  = "executed"
	transferFailed    = "failed"
)

// PreviewTTL is how long a transfer preview can be executed: prices and fees move.
const PreviewTTL = 10 * time.Minute

// TransferOption is one destination of the link token as the transfer screen shows it,
// with what the connected account holds of its asset.
type TransferOption struct {
	Symbol      string  `json:"symbol"`
	NetworkID   string  `json:"networkId"`
	NetworkName string  `json:"networkName"`
	NetworkType string  `json:"networkType"`
	ToAddress   string  `json:"toAddress"`
	AddressTag  string  `json:"addressTag,omitempty"`
	Amount      float64 `json:"amount,omitempty"` // fixed by the link token
	Available   float64 `json:"available"`
	// MaxAmount is the most the account can send, fees included (what "Max" fills in):
	// its holding (plus what its cash buys when funding is enabled), less the institution
	// and client fees and the gas paid in the same asset, unless fees are inclusive.
	MaxAmount float64 `json:"maxAmount"`
	PriceUSD  float64 `json:"priceUsd"`
	Eligible  bool    `json:"eligible"`
	// Reason is why an option is not eligible: noHoldings, noPrice.
	Reason string `json:"reason,omitempty"`
}

// connected loads a connection that reached the connected state, its connector, and one
// of its chosen accounts.
func (f *Handler) connected(ctx context.Context, sess store.Session, connID, accountID string) (connection, connector.Connector, connector.Account, error) {
	var none connector.Account
	o, st, err := f.loadConnection(ctx, sess, connID)
	if err != nil {
		return st, nil, none, err
	}
	if o.State != connConnected {
		return st, nil, none, problem.WrongStep.New("connection: no account is connected yet")
	}
	if !slices.Contains(st.Selected, accountID) {
		return st, nil, none, problem.InvalidEnumValue.New("accountId: not a connected account of this connection")
	}
	conn, ok := f.Connectors.Lookup(st.Type)
	if !ok {
		return st, nil, none, problem.IntegrationUnavailable.New("%s cannot be reached", st.Name)
	}
	acct, err := conn.Account(ctx, accountID)
	if err != nil {
		return st, nil, none, connector.Problem(err)
	}
	return st, conn, acct, nil
}

// TransferOptions serves GET /link/api/transfers/options?connectionId=…&accountId=…: the
// link token's destinations with the account's balances.
func (f *Handler) TransferOptions(w http.ResponseWriter, r *http.Request) error {
	sess, opts, err := f.session(r)
	if err != nil {
		return err
	}
	if opts.Transfer == nil || len(opts.Transfer.ToAddresses) == 0 {
		return problem.TransferNotAllowed.New("this session has no transfer destinations")
	}
	_, conn, acct, err := f.connected(r.Context(), sess, r.URL.Query().Get("connectionId"), r.URL.Query().Get("accountId"))
	if err != nil {
		return err
	}
	out := []TransferOption{}
	for _, d := range opts.Transfer.ToAddresses {
		o := TransferOption{Symbol: d.Symbol, NetworkID: d.NetworkID, NetworkName: d.NetworkName, NetworkType: d.NetworkType,
			ToAddress: d.Address, AddressTag: d.AddressTag, Amount: d.Amount, Eligible: true}
		for _, h := range acct.Holdings {
			if h.Symbol == d.Symbol {
				o.Available, o.PriceUSD = h.Amount, h.PriceUSD
			}
		}
		switch {
		case o.Available <= 0 && !(opts.Transfer.FundingEnabled && acct.Cash > 0):
			o.Eligible, o.Reason = false, "noHoldings"
		default:
			o.MaxAmount = f.maxAmount(r.Context(), conn, acct, d, opts.Transfer)
		}
		out = append(out, o)
	}
	api.OK(w, map[string]any{"options": out, "amountInFiat": opts.Transfer.AmountInFiat, "fundingEnabled": opts.Transfer.FundingEnabled,
		"cash": acct.Cash})
	return nil
}

// maxAmount computes TransferOption.MaxAmount from the connector's quote, with the fees
// PreviewTransfer charges, so that a preview of that amount is accepted.
func (f *Handler) maxAmount(ctx context.Context, conn connector.Connector, acct connector.Account, d linktoken.Destination, t *linktoken.Transfer) float64 {
	net, ok := f.Catalog.NetworkRef(d.NetworkID)
	if !ok {
		return 0
	}
	q, err := conn.Quote(ctx, connector.QuoteRequest{Account: acct, Symbol: d.Symbol, NetworkID: net.ID, NetworkName: net.Name,
		NetworkType: net.NetworkType, NativeSymbol: net.NativeSymbol, Amount: 1})
	if err != nil || q.PriceUSD <= 0 {
		return 0
	}
	funds := q.Available
	if t.FundingEnabled {
		funds += acct.Cash / q.PriceUSD
	}
	if t.IsInclusiveFeeEnabled {
		return floor8(funds) // fees come out of the amount
	}
	rate := q.InstitutionFee // per 1 unit, from the quote of Amount 1
	if t.ClientFee != nil {
		rate += *t.ClientFee
	}
	gas := 0.0
	if q.GasSymbol == d.Symbol {
		gas = q.GasFee
	}
	// Less two units of the last decimal: the preview rounds each fee to 8 decimals.
	return max(0, floor8((funds-gas)/(1+rate)-2e-8))
}

func floor8(v float64) float64 { return math.Floor(v*1e8) / 1e8 }

type previewRequest struct {
	ConnectionID string  `json:"connectionId"`
	AccountID    string  `json:"accountId"`
	NetworkID    string  `json:"networkId"`
	Symbol       string  `json:"symbol"`
	Amount       float64 `json:"amount"`
	AmountInFiat float64 `json:"amountInFiat"`
}

// Fee is the SDK's TransferFee.
type Fee struct {
	Fee         float64 `json:"fee"`
	FeeCurrency string  `json:"feeCurrency"`
	FeeInFiat   float64 `json:"feeInFiat"`
}

// FundingOption is the SDK's CryptocurrencyFundingOption.
type FundingOption struct {
	Type                       string  `json:"cryptocurrencyFundingOptionType"`
	Name                       string  `json:"name"`
	PaymentMethodType          string  `json:"paymentMethodType"`
	UsedAmountInCryptocurrency float64 `json:"usedAmountInCryptocurrency"`
	UsedAmountInFiat           float64 `json:"usedAmountInFiat"`
	CryptocurrencySymbol       string  `json:"cryptocurrencySymbol"`
}

// Preview is a priced transfer: the transferPreviewed event's payload plus what the
// preview screen shows.
type Preview struct {
	PreviewID                    string          `json:"previewId"`
	Amount                       float64         `json:"amount"`
	Symbol                       string          `json:"symbol"`
	ToAddress                    string          `json:"toAddress"`
	AddressTag                   string          `json:"addressTag,omitempty"`
	NetworkID                    string          `json:"networkId"`
	NetworkName                  string          `json:"networkName"`
	AmountInFiat                 float64         `json:"amountInFiat"`
	FiatCurrency                 string          `json:"fiatCurrency"`
	IntegrationType              string          `json:"integrationType"`
	IntegrationName              string          `json:"integrationName"`
	EstimatedNetworkGasFee       Fee             `json:"estimatedNetworkGasFee"`
	InstitutionTransferFee       Fee             `json:"institutionTransferFee"`
	CustomClientFee              Fee             `json:"customClientFee"`
	CryptocurrencyFundingOptions []FundingOption `json:"cryptocurrencyFundingOptions"`
	UserID                       string          `json:"userId"`
	ClientTransactionID          string          `json:"clientTransactionId,omitempty"`
	// Not in the SDK's event: the totals the preview screen shows.
	IsInclusiveFee bool `json:"isInclusiveFee"`
	// AmountReceived is what the destination gets; TotalAmount what leaves the account
	// (in Symbol); TotalAmountInFiat the same in USD, fees included.
	AmountReceived    float64 `json:"amountReceived"`
	TotalAmount       float64 `json:"totalAmount"`
	TotalAmountInFiat float64 `json:"totalAmountInFiat"`
	FromAddress       string  `json:"fromAddress"`
	ExpiresAt         int64   `json:"expiresAt"`
}

// transferRecord is the stored transfer (a session object).
type transferRecord struct {
	ConnectionID  string            `json:"connectionId"`
	AccountID     string            `json:"accountId"`
	Type          string            `json:"type"`
	IntegrationID string            `json:"integrationId,omitempty"`
	Preview       Preview           `json:"preview"`
	Quote         connector.Quote   `json:"quote"`
	Finished      *TransferFinished `json:"finished,omitempty"`
}

func round8(v float64) float64 { return math.Round(v*1e8) / 1e8 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// PreviewTransfer serves POST /link/api/transfers: price a transfer to one of the link
// token's destinations, with the network, institution and client fees, fee inclusion and
// funding from the account's cash (transferOptions.fundingOptions).
func (f *Handler) PreviewTransfer(w http.ResponseWriter, r *http.Request) error {
	sess, opts, err := f.session(r)
	if err != nil {
		return err
	}
	var req previewRequest
	if err := f.decodeBody(w, r, &req); err != nil {
		return err
	}
	t := opts.Transfer
	if t == nil || len(t.ToAddresses) == 0 {
		return problem.TransferNotAllowed.New("this session has no transfer destinations")
	}
	st, conn, acct, err := f.connected(r.Context(), sess, req.ConnectionID, req.AccountID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(t.ToAddresses, func(d linktoken.Destination) bool {
		return d.NetworkID == strings.ToLower(req.NetworkID) && strings.EqualFold(d.Symbol, req.Symbol)
	})
	if i < 0 {
		return problem.TransferNotAllowed.New("networkId/symbol: not a destination of this link token")
	}
	dest := t.ToAddresses[i]
	net, _ := f.Catalog.NetworkByID(dest.NetworkID)
	q, err := conn.Quote(r.Context(), connector.QuoteRequest{Account: acct, Symbol: dest.Symbol, NetworkID: net.ID, NetworkName: net.Name,
		NetworkType: net.NetworkType, NativeSymbol: net.NativeSymbol})
	if err != nil {
		return connector.Problem(err)
	}
	// The amount: fixed by the destination, else by transferOptions.amountInFiat, else the
	// user's.
	var amount float64
	switch {
	case dest.Amount > 0:
		amount = dest.Amount
	case t.AmountInFiat > 0:
		amount = t.AmountInFiat / q.PriceUSD
	case req.Amount > 0 && req.AmountInFiat == 0:
		amount = req.Amount
	case req.AmountInFiat > 0 && req.Amount == 0:
		amount = req.AmountInFiat / q.PriceUSD
	default:
		return problem.OutOfRange.New("amount: enter an amount greater than 0 (amount or amountInFiat, not both)")
	}
	if math.IsNaN(amount) || math.IsInf(amount, 0) || amount <= 0 {
		return problem.OutOfRange.New("amount: must be greater than 0")
	}
	amount = round8(amount)
	q, err = conn.Quote(r.Context(), connector.QuoteRequest{Account: acct, Symbol: dest.Symbol, NetworkID: net.ID, NetworkName: net.Name,
		NetworkType: net.NetworkType, NativeSymbol: net.NativeSymbol, Amount: amount})
	if err != nil {
		return connector.Problem(err)
	}
	in, _ := f.Catalog.IntegrationByID(st.IntegrationID)
	p := Preview{PreviewID: uuid.NewString(), Symbol: dest.Symbol, ToAddress: dest.Address, AddressTag: dest.AddressTag,
		NetworkID: net.ID, NetworkName: net.DisplayName, FiatCurrency: "USD", IntegrationType: in.Type, IntegrationName: in.Name,
		UserID: sess.UserID, ClientTransactionID: t.TransactionID, IsInclusiveFee: t.IsInclusiveFeeEnabled,
		FromAddress: q.FromAddress, CryptocurrencyFundingOptions: []FundingOption{}}
	clientFee := 0.0
	if t.ClientFee != nil {
		clientFee = round8(amount * *t.ClientFee)
	}
	gasInSymbol := 0.0 // the part of the gas fee paid in the transferred asset
	if q.GasSymbol == dest.Symbol {
		gasInSymbol = q.GasFee
	}
	p.EstimatedNetworkGasFee = Fee{Fee: q.GasFee, FeeCurrency: q.GasSymbol, FeeInFiat: round2(q.GasFee * q.GasPriceUSD)}
	p.InstitutionTransferFee = Fee{Fee: q.InstitutionFee, FeeCurrency: dest.Symbol, FeeInFiat: round2(q.InstitutionFee * q.PriceUSD)}
	p.CustomClientFee = Fee{Fee: clientFee, FeeCurrency: dest.Symbol, FeeInFiat: round2(clientFee * q.PriceUSD)}
	fees := clientFee + q.InstitutionFee + gasInSymbol
	if t.IsInclusiveFeeEnabled {
		// Fees come out of the amount: the account sends exactly amount.
		p.Amount, p.TotalAmount, p.AmountReceived = amount, amount, round8(amount-fees)
		if p.AmountReceived <= 0 {
			return problem.InsufficientFunds.New("amount: smaller than the fees (%v %s)", round8(fees), dest.Symbol)
		}
	} else {
		p.Amount, p.TotalAmount, p.AmountReceived = amount, round8(amount+fees), amount
	}
	p.AmountInFiat = round2(p.Amount * q.PriceUSD)
	p.TotalAmountInFiat = round2(p.TotalAmount*q.PriceUSD + (q.GasFee-gasInSymbol)*q.GasPriceUSD)
	if short := round8(p.TotalAmount - q.Available); short > 0 {
		need := round2(short * q.PriceUSD)
		if !t.FundingEnabled || acct.Cash < need {
			return problem.InsufficientFunds.New("amount: the account holds %v %s; %v %s with fees", q.Available, dest.Symbol, p.TotalAmount, dest.Symbol)
		}
		p.CryptocurrencyFundingOptions = append(p.CryptocurrencyFundingOptions, FundingOption{
			Type: "buy", Name: "Buy with cash balance", PaymentMethodType: "cash",
			UsedAmountInCryptocurrency: short, UsedAmountInFiat: need, CryptocurrencySymbol: dest.Symbol})
	}
	now := f.Now()
	expires := now.Add(PreviewTTL)
	if sess.ExpiresAt.Before(expires) {
		expires = sess.ExpiresAt
	}
	p.ExpiresAt = expires.UnixMilli()
	rec := transferRecord{ConnectionID: req.ConnectionID, AccountID: acct.ID, Type: st.Type, IntegrationID: st.IntegrationID, Preview: p, Quote: q}
	data, _ := json.Marshal(rec)
	if err := f.Store.PutObject(r.Context(), store.SessionObject{SessionHash: sess.Hash, Kind: store.ObjectTransfer, ID: p.PreviewID,
		State: transferPreviewed, Data: data, CreatedAt: now, UpdatedAt: now, ExpiresAt: expires}); err != nil {
		return err
	}
	api.OK(w, p)
	return nil
}

// TransferFinished is the SDK's TransferFinishedPayload (also the transferExecuted
// event's payload, which is a subset).
type TransferFinished struct {
	Status              string  `json:"status"`
	TxID                string  `json:"txId"`
	FromAddress         string  `json:"fromAddress"`
	ToAddress           string  `json:"toAddress"`
	Symbol              string  `json:"symbol"`
	Amount              float64 `json:"amount"`
	NetworkID           string  `json:"networkId"`
	UserID              string  `json:"userId"`
	ClientTransactionID string  `json:"clientTransactionId,omitempty"`
	AmountInFiat        float64 `json:"amountInFiat"`
	TotalAmountInFiat   float64 `json:"totalAmountInFiat"`
	NetworkName         string  `json:"networkName"`
	TxHash              string  `json:"txHash"`
	TransferID          string  `json:"transferId"`
}

// ExecuteTransfer serves POST /link/api/transfers/{id}/execute. A preview executes once:
// the stored preview moves previewed → executing → executed with compare-and-swap, so a
// double click or a retry returns the first execution's result instead of sending twice.
// The executed transfer becomes a record (store.Transfer, pending, with its webhook
// event) before the page is told, under the id and hash of the transferFinished message.
func (f *Handler) ExecuteTransfer(w http.ResponseWriter, r *http.Request) error {
	sess, opts, err := f.session(r)
	if err != nil {
		return err
	}
	o, err := f.Store.Object(r.Context(), sess.Hash, store.ObjectTransfer, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return problem.TransferNotFound.New("previewId: no such transfer preview in this session")
	}
	if err != nil {
		return err
	}
	var rec transferRecord
	if err := json.Unmarshal(o.Data, &rec); err != nil {
		return &api.Bug{Err: fmt.Errorf("linkui: stored transfer: %w", err)}
	}
	switch o.State {
	case transferExecuted:
		api.OK(w, rec.Finished)
		return nil
	case transferPreviewed:
	default:
		return problem.WrongStep.New("this transfer is %s", o.State)
	}
	if !f.Now().Before(o.ExpiresAt) {
		return problem.TransferPreviewExpired.New("previewId: this preview has expired; preview the transfer again")
	}
	if err := f.swap(r.Context(), o, transferExecuting, rec); err != nil {
		if p, ok := err.(*problem.Error); ok && p.Type == problem.WrongStep {
			// Someone else is executing it; report the result if it is there by now.
			if cur, err2 := f.Store.Object(r.Context(), sess.Hash, store.ObjectTransfer, o.ID); err2 == nil && cur.State == transferExecuted {
				var done transferRecord
				if json.Unmarshal(cur.Data, &done) == nil && done.Finished != nil {
					api.OK(w, done.Finished)
					return nil
				}
			}
		}
		return err
	}
	o.State = transferExecuting
	conn, ok := f.Connectors.Lookup(rec.Type)
	if !ok {
		return problem.IntegrationUnavailable.New("the institution cannot be reached")
	}
	p := rec.Preview
	sent, terr := conn.Transfer(r.Context(), rec.Quote, connector.Destination{Address: p.ToAddress, Tag: p.AddressTag})
	if terr != nil {
		_ = f.swap(context.WithoutCancel(r.Context()), o, transferFailed, rec)
		return connector.Problem(terr)
	}
	rec.Finished = &TransferFinished{Status: "success", TxID: sent.TxID, FromAddress: p.FromAddress, ToAddress: p.ToAddress,
		Symbol: p.Symbol, Amount: p.Amount, NetworkID: p.NetworkID, UserID: p.UserID, ClientTransactionID: p.ClientTransactionID,
		AmountInFiat: p.AmountInFiat, TotalAmountInFiat: p.TotalAmountInFiat, NetworkName: p.NetworkName, TxHash: sent.TxHash,
		TransferID: p.PreviewID}
	// The record is written after the institution accepted the transfer and before the
	// page learns of it: a backend that confirms a transferFinished it was forwarded finds
	// the transfer. (Were linkd to stop between the two, the session object stays
	// executing and the transfer unrecorded; a real connector needs an idempotent
	// Transfer to close that gap.)
	_, settles := conn.(connector.Settler)
	t := f.transferOf(sess, opts, rec, sent, settles)
	if err := f.Store.CreateTransfer(context.WithoutCancel(r.Context()), t, uuid.NewString()); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	f.Metrics.Transfer(store.TransferPending)
	if f.Notify != nil {
		f.Notify()
	}
	o.ExpiresAt = sess.ExpiresAt
	if err := f.swap(context.WithoutCancel(r.Context()), o, transferExecuted, rec); err != nil {
		return err
	}
	api.OK(w, rec.Finished)
	return nil
}

// transferOf is the record of an executed transfer: node-api's TransferModel fields from
// its preview and the institution's answer. A transfer of a connector that settles later
// is due to be settled SettleDelay after now.
func (f *Handler) transferOf(sess store.Session, opts linktoken.Options, rec transferRecord, sent connector.Sent, settles bool) store.Transfer {
	p, q := rec.Preview, rec.Quote
	now := f.Now()
	t := store.Transfer{
		ID: p.PreviewID, ClientID: sess.ClientID, SubClientID: sess.SubClientID, UserID: p.UserID,
		ClientTransactionID: p.ClientTransactionID, InstitutionTransactionID: sent.TxID, Status: store.TransferPending,
		Amount: p.Amount, AmountToReceive: p.AmountReceived, SourceAmount: p.TotalAmount,
		AmountInFiat: p.AmountInFiat, AmountToReceiveInFiat: round2(p.AmountReceived * q.PriceUSD), TotalAmountInFiat: p.TotalAmountInFiat,
		FiatCurrency: p.FiatCurrency, Symbol: p.Symbol, NetworkID: p.NetworkID, NetworkName: p.NetworkName, Hash: sent.TxHash,
		FromAddress: p.FromAddress, DestinationAddress: p.ToAddress, AddressTag: p.AddressTag,
		IntegrationID: rec.IntegrationID, IntegrationType: p.IntegrationType, IntegrationName: p.IntegrationName,
		GasFee:        store.TransferFee{Amount: p.EstimatedNetworkGasFee.Fee, Currency: p.EstimatedNetworkGasFee.FeeCurrency, InFiat: p.EstimatedNetworkGasFee.FeeInFiat},
		WithdrawalFee: store.TransferFee{Amount: p.InstitutionTransferFee.Fee, Currency: p.InstitutionTransferFee.FeeCurrency, InFiat: p.InstitutionTransferFee.FeeInFiat},
		ProcessingFee: store.TransferFee{Amount: p.CustomClientFee.Fee, Currency: p.CustomClientFee.FeeCurrency, InFiat: p.CustomClientFee.FeeInFiat},
		IsFeeIncluded: p.IsInclusiveFee, SessionHash: sess.Hash, CreatedAt: now, ExecutedAt: now, UpdatedAt: now,
	}
	if t.IntegrationID == "" { // a preview stored before transfers were recorded
		in, _ := f.Catalog.IntegrationByType(rec.Type)
		t.IntegrationID = in.ID
	}
	if opts.Transfer != nil {
		t.TransferType = opts.Transfer.TransferType
	}
	if net, ok := f.Catalog.NetworkByID(p.NetworkID); ok {
		if tok, ok := net.TokenBySymbol(p.Symbol); ok {
			t.TokenAddress = tok.ContractAddress
		}
	}
	for _, fo := range p.CryptocurrencyFundingOptions {
		t.Funding = append(t.Funding, store.TransferFunding{Type: "buyingPowerPurchase", Amount: fo.UsedAmountInCryptocurrency,
			AmountInFiat: fo.UsedAmountInFiat, ToSymbol: fo.CryptocurrencySymbol, FromAmount: fo.UsedAmountInFiat, FromSymbol: p.FiatCurrency})
	}
	if settles {
		t.SettleAt = now.Add(f.SettleDelay)
	}
	return t
}
