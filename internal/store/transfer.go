package store

import (
	"context"
	"time"
)

// Transfer statuses (node-api's TransferStatus). A transfer is created pending and moves
// once, to succeeded or failed.
const (
	TransferPending   = "pending"
	TransferSucceeded = "succeeded"
	TransferFailed    = "failed"
)

// Orders of Store.Transfers: node-api's TransferOrderByFields, each with the Transfer
// field it sorts by.
const (
	TransferOrderCreated         = "createdTimestamp" // CreatedAt (the default)
	TransferOrderID              = "id"               // ID
	TransferOrderClientTransfer  = "clientTransferId" // ClientTransactionID
	TransferOrderUserID          = "userId"           // UserID
	TransferOrderIntegrationType = "fromType"         // IntegrationType
	TransferOrderAmountInFiat    = "amountInFiat"     // AmountInFiat
	TransferOrderStatus          = "status"           // Status
	TransferOrderSymbol          = "symbol"           // Symbol
	TransferOrderNetworkName     = "networkName"      // NetworkName
)

// TransferOrders lists the orders Store.Transfers accepts, in node-api's order.
var TransferOrders = []string{
	TransferOrderID, TransferOrderClientTransfer, TransferOrderUserID, TransferOrderIntegrationType,
	TransferOrderAmountInFiat, TransferOrderStatus, TransferOrderCreated, TransferOrderSymbol, TransferOrderNetworkName,
}

// States of a webhook delivery.
const (
	// DeliveryPending: not delivered yet; due at NextAttemptAt.
	DeliveryPending = "pending"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered = "delivered"
	// DeliveryFailed: given up after the last attempt of the retry schedule.
	DeliveryFailed = "failed"
)

// TransferFee is one fee of a transfer (node-api's TransferFee).
type TransferFee struct {
	Amount   float64 // in Currency
	Currency string  // a symbol ("ETH", "USDC") or "USD"
	InFiat   float64 // the amount's value in the transfer's fiat currency
}

// TransferFunding is one way a transfer was funded besides the asset the account held
// (node-api's TransferFundingModel), e.g. USDC bought with the account's cash.
type TransferFunding struct {
	Type         string  // node-api's TransferFundingModel.type, e.g. "buyingPowerPurchase"
	Amount       float64 // of ToSymbol
	AmountInFiat float64
	ToSymbol     string
	FromAmount   float64 // of FromSymbol
	FromSymbol   string
}

// Transfer is a transfer executed in a Link session, as node-api's TransferModel describes
// it, plus what linkd needs to keep it: the client it belongs to, the session that made
// it, and when its status is due to be settled.
type Transfer struct {
	// ID is a uuid: the transferId of the Link UI's transferFinished message.
	ID       string
	ClientID string
	// SubClientID and UserID are the link token's ("" for no sub-client).
	SubClientID string
	UserID      string
	// ClientTransactionID is the link token's transferOptions.transactionId ("" if none).
	ClientTransactionID string
	// InstitutionTransactionID is the institution's id of the transfer (the txId of the
	// transferFinished message).
	InstitutionTransactionID string
	Status                   string // TransferPending, TransferSucceeded or TransferFailed
	// Amount is the amount asked for; AmountToReceive what the destination gets (less the
	// fees when they are included); SourceAmount what left the account, in Symbol.
	Amount, AmountToReceive, SourceAmount float64
	// AmountInFiat is Amount's value, AmountToReceiveInFiat AmountToReceive's, and
	// TotalAmountInFiat what the transfer cost the user, fees included, in FiatCurrency.
	AmountInFiat, AmountToReceiveInFiat, TotalAmountInFiat float64
	FiatCurrency                                           string
	Symbol                                                 string
	// TokenAddress is the token's contract (or mint, or issuer) on the network; "" for a
	// native token.
	TokenAddress string
	NetworkID    string
	NetworkName  string
	// Hash is the transaction's hash on the network ("" while unknown).
	Hash string
	// FromAddress is the account's address on the network; DestinationAddress and
	// AddressTag where the transfer went.
	FromAddress, DestinationAddress, AddressTag string
	// IntegrationID, IntegrationType and IntegrationName name the institution the
	// transfer came from.
	IntegrationID, IntegrationType, IntegrationName string
	// GasFee is the network's fee, WithdrawalFee the institution's, ProcessingFee the
	// client's (transferOptions.clientFee).
	GasFee, WithdrawalFee, ProcessingFee TransferFee
	// Funding lists the funding methods used besides the asset held (nil: none).
	Funding []TransferFunding
	// TransferType is transferOptions.transferType ("" if none).
	TransferType string
	// IsFeeIncluded reports that the fees came out of Amount.
	IsFeeIncluded bool
	// SessionHash is the Link session that executed the transfer.
	SessionHash []byte
	CreatedAt   time.Time
	ExecutedAt  time.Time // zero: not executed
	UpdatedAt   time.Time // the last status change
	// SettleAt is when a pending transfer is due to be settled (DueTransfers); zero for a
	// transfer whose final status will be reported otherwise, and once it is final.
	SettleAt time.Time
}

// TransferEvent is one status change of a transfer, the unit of the webhook outbox: every
// webhook of the client gets one delivery of it.
type TransferEvent struct {
	// ID is a uuid, the webhook's eventId: the same on every attempt to deliver it.
	ID         string
	TransferID string
	ClientID   string
	Status     string    // the status the transfer moved to
	At         time.Time // when it did (the webhook's timestamp)
}

// TransferUpdate asks Store.SetTransferStatus to move a transfer from one status to
// another.
type TransferUpdate struct {
	ID       string
	From, To string
	// Hash, if not "", replaces the transfer's hash (an institution may learn it late).
	Hash string
	// EventID is the id of the event the change writes to the outbox.
	EventID string
	At      time.Time
}

// TransferQuery selects and orders a client's transfers (node-api's
// v1TransfersManagedMeshList). Zero values select everything; string filters match
// exactly.
type TransferQuery struct {
	// Count is the page size (≥ 1); Offset how many matching transfers to skip first.
	Count, Offset       int
	ID                  string
	ClientTransactionID string
	UserID              string
	Hash                string
	SubClientID         string
	// IntegrationIDs and Statuses match any of their values (nil: no filter).
	IntegrationIDs []string
	Statuses       []string
	// From and To bound CreatedAt, both inclusive (zero: unbounded).
	From, To time.Time
	// MinAmountInFiat and MaxAmountInFiat bound AmountInFiat, both inclusive (nil:
	// unbounded).
	MinAmountInFiat, MaxAmountInFiat *float64
	// OrderBy is one of TransferOrders ("" is TransferOrderCreated). Transfers that tie are
	// ordered by CreatedAt, then ID, in the same direction, so that pages never overlap or
	// skip.
	OrderBy    string
	Descending bool
}

// Webhook is a URL a client registered for its transfer status events.
type Webhook struct {
	ID       string // uuid
	ClientID string
	URL      string // absolute http or https URL
	// SealedSecret is the signing secret, encrypted by the caller (AES-256-GCM, the id as
	// associated data: docs/threat-model.md H2); the store keeps it as opaque bytes.
	SealedSecret []byte
	CreatedAt    time.Time
}

// Delivery is the delivery of one TransferEvent to one Webhook.
type Delivery struct {
	ID        string // uuid, made by the store
	WebhookID string
	// URL is the webhook's URL.
	URL      string
	ClientID string
	// EventID, TransferID, EventStatus and EventAt describe the event delivered.
	EventID, TransferID, EventStatus string
	EventAt                          time.Time
	State                            string // DeliveryPending, DeliveryDelivered or DeliveryFailed
	// Attempts is the number of attempts recorded.
	Attempts int
	// NextAttemptAt is when a pending delivery is due (zero once it is not pending).
	NextAttemptAt time.Time
	// Claim counts the claims of the delivery; RecordAttempt must name the current one.
	Claim     int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// History is the delivery's attempts, oldest first (filled by Deliveries only).
	History []DeliveryAttempt
}

// DeliveryClaim is a delivery that ClaimDeliveries took for one attempt, with everything
// needed to make it.
type DeliveryClaim struct {
	Delivery Delivery
	Webhook  Webhook
	Event    TransferEvent
	// Transfer is the transfer as it is now (its status may be past the event's).
	Transfer Transfer
}

// DeliveryAttempt is the outcome of one attempt to deliver.
type DeliveryAttempt struct {
	DeliveryID string
	// Claim is the Delivery.Claim of the claim the attempt was made under.
	Claim int64
	// ID is the attempt's id (the webhook body's "id": new for every attempt).
	ID       string
	At       time.Time
	Duration time.Duration
	// StatusCode is the receiver's HTTP status (0: no answer).
	StatusCode int
	// Outcome classifies the attempt (the webhook package's outcomes: delivered, httpError,
	// timeout, network, refused, …); Error says more ("" if nothing).
	Outcome string
	Error   string
	// Delivered ends the delivery as DeliveryDelivered.
	Delivered bool
	// NextAttemptAt is when to try again; zero (and not Delivered) gives up: the delivery
	// ends as DeliveryFailed.
	NextAttemptAt time.Time
}

// TransferStore is the part of the contract that keeps transfers and the outbox of their
// status webhooks. Every status change of a transfer and the webhook deliveries it causes
// are written in one transaction, so that a change that is stored is delivered, at least
// once, whatever happens to the process afterwards (docs/design.md §8).
type TransferStore interface {
	// ImportTransfer stores a transfer as an export carried it (`linkd import`): as it is,
	// status, hash and times included, with no event and no delivery (its webhooks were
	// told where it happened). It reports whether it stored it: false if a transfer with
	// its id exists, which is left as it is.
	ImportTransfer(ctx context.Context, t Transfer) (bool, error)
	// CreateTransfer stores a new transfer in status TransferPending and, in the same
	// transaction, its first event (eventID, status pending, at t.CreatedAt) with one
	// pending delivery, due at once, to every webhook the client has at that moment.
	// ErrConflict if the id exists (nothing is stored then).
	CreateTransfer(ctx context.Context, t Transfer, eventID string) error
	// SetTransferStatus moves a transfer from u.From to u.To (compare-and-swap on its status),
	// sets UpdatedAt to u.At, clears SettleAt, replaces the hash if u.Hash is set and, in
	// the same transaction, writes the event (u.EventID, u.To, u.At) with one pending
	// delivery, due at once, to every webhook the client has at that moment. It returns the
	// updated transfer, or ErrNotFound (no such transfer) or ErrConflict (its status is not
	// u.From: another caller moved it first; nothing changes). Exactly one of concurrent
	// calls from the same status succeeds.
	SetTransferStatus(ctx context.Context, u TransferUpdate) (Transfer, error)
	// Transfer returns transfer id of client clientID: ErrNotFound if there is none (or it
	// belongs to another client).
	Transfer(ctx context.Context, clientID, id string) (Transfer, error)
	// Transfers returns one page of the client's transfers that match q, in q's order, and
	// how many match in all (regardless of Count and Offset). Only the client's own
	// transfers are ever returned or counted.
	Transfers(ctx context.Context, clientID string, q TransferQuery) (items []Transfer, total int, err error)
	// DueTransfers returns at most limit pending transfers whose SettleAt is set and not
	// after now, earliest SettleAt first, of every client.
	DueTransfers(ctx context.Context, now time.Time, limit int) ([]Transfer, error)

	// CreateWebhook stores a webhook. ErrNotFound if the client does not exist; ErrConflict
	// if the id exists. Events written from then on are delivered to it.
	CreateWebhook(ctx context.Context, w Webhook) error
	// Webhooks returns the client's webhooks, oldest first.
	Webhooks(ctx context.Context, clientID string) ([]Webhook, error)
	// SetWebhookSecret replaces webhook id's sealed signing secret (a rotation: `linkd
	// client webhook rotate-secret`) and returns the webhook as it is now. Every attempt
	// claimed from then on, pending deliveries included, is signed with the new secret,
	// since ClaimDeliveries returns the webhook as stored. ErrNotFound if there is none.
	SetWebhookSecret(ctx context.Context, id string, sealed []byte) (Webhook, error)
	// DeleteWebhook deletes webhook id and every delivery to it (and their attempts), and
	// returns it as it was; it receives nothing from then on. ErrNotFound if there is none.
	DeleteWebhook(ctx context.Context, id string) (Webhook, error)

	// ClaimDeliveries takes at most limit pending deliveries that are due at now, earliest
	// NextAttemptAt first, for one attempt each: it sets their NextAttemptAt to now+lease
	// and increments their Claim, atomically, so that no other call (another goroutine,
	// process or instance sharing the store) takes the same delivery again before the lease
	// is over or its attempt is recorded. A delivery is skipped while an earlier event of
	// the same transfer has a pending delivery to the same webhook (a receiver sees a
	// transfer's statuses in order), and deliveries to the webhooks in skip are not taken.
	// Backends may take their rows with SELECT … FOR UPDATE SKIP LOCKED or inside one
	// serialized write transaction; either way the claims of concurrent calls are disjoint.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration, skip []string) ([]DeliveryClaim, error)
	// RecordAttempt records an attempt made under a claim and moves its delivery on: to
	// DeliveryDelivered if a.Delivered, else to pending again, due at a.NextAttemptAt, or to
	// DeliveryFailed if that is zero. ErrNotFound if the delivery is gone (its webhook was
	// deleted); ErrConflict if a.Claim is not the delivery's current claim (the lease ran
	// out and it was claimed again), if that claim's attempt was recorded already, or if the
	// delivery is not pending: nothing is recorded then.
	RecordAttempt(ctx context.Context, a DeliveryAttempt) error
	// Deliveries returns the client's most recent deliveries, newest event first (at most
	// limit), each with its History.
	Deliveries(ctx context.Context, clientID string, limit int) ([]Delivery, error)
}
