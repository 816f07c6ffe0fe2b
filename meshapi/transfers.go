package meshapi

import (
	"net/url"
	"strconv"
	"strings"
)

// TransferQuery filters and pages Transfers: the query parameters of node-api's
// v1TransfersManagedMeshList, under the same names. Zero values are not sent.
type TransferQuery struct {
	// Count is the page size (the server's default is 10, its maximum 100).
	Count int
	// Offset is how many matching transfers to skip.
	Offset int
	// ID is a Mesh transfer id.
	ID string
	// ClientTransactionID is the TransactionID the link token request gave.
	ClientTransactionID string
	// UserID is the UserID the link token request gave.
	UserID string
	// IntegrationIDs are the integrations transferred from.
	IntegrationIDs []string
	// Statuses: TransferStatus… constants.
	Statuses []string
	// FromTimestamp and ToTimestamp bound the creation time (Unix milliseconds, as
	// Transfer.CreatedTimestamp).
	FromTimestamp, ToTimestamp int64
	// MinAmountInFiat and MaxAmountInFiat bound the amount in fiat.
	MinAmountInFiat, MaxAmountInFiat float64
	// OrderBy is a TransferModel field: id, clientTransferId, userId, fromType,
	// amountInFiat, status, createdTimestamp, symbol, networkName.
	OrderBy string
	// DescendingOrder orders from the largest value down.
	DescendingOrder bool
	// Hash is a transaction hash.
	Hash string
	// SubClientID is a sub-client of the calling client.
	SubClientID string
}

// Transfer statuses (TransferQuery.Statuses, Transfer.Status): node-api's TransferStatus.
const (
	TransferStatusPending   = "pending"
	TransferStatusSucceeded = "succeeded"
	TransferStatusFailed    = "failed"
)

// Encode is the query string Transfers sends for q, its parameters under node-api's
// names and in its order. A list is sent as
// its parameter repeated (IntegrationIds=a&IntegrationIds=b), which ASP.NET's binding
// (Mesh) and Go's url.Values (linkd) both read.
func (q *TransferQuery) Encode() string {
	if q == nil {
		return ""
	}
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + url.QueryEscape(v))
	}
	str := func(k, s string) {
		if s != "" {
			add(k, s)
		}
	}
	num := func(k string, n int64) {
		if n != 0 {
			add(k, strconv.FormatInt(n, 10))
		}
	}
	float := func(k string, f float64) {
		if f != 0 {
			add(k, strconv.FormatFloat(f, 'f', -1, 64))
		}
	}
	num("Count", int64(q.Count))
	num("Offset", int64(q.Offset))
	str("Id", q.ID)
	str("ClientTransactionId", q.ClientTransactionID)
	str("UserId", q.UserID)
	for _, id := range q.IntegrationIDs {
		add("IntegrationIds", id)
	}
	for _, s := range q.Statuses {
		add("Statuses", s)
	}
	num("FromTimestamp", q.FromTimestamp)
	num("ToTimestamp", q.ToTimestamp)
	float("MinAmountInFiat", q.MinAmountInFiat)
	float("MaxAmountInFiat", q.MaxAmountInFiat)
	str("OrderBy", q.OrderBy)
	if q.DescendingOrder {
		add("DescendingOrder", "true")
	}
	str("Hash", q.Hash)
	str("SubClientId", q.SubClientID)
	return b.String()
}

// TransferPage is one page of Transfers: node-api's TransferModelPaginationResponse.
type TransferPage struct {
	Items []Transfer `json:"items"`
	// Total is the number of transfers that match the query, on all pages.
	Total int `json:"total"`
}

// Transfer is a transfer made through Link: node-api's TransferModel. Amounts are in the
// token's units unless named InFiat; timestamps are Unix milliseconds.
type Transfer struct {
	ID                           string            `json:"id"`
	ClientTransactionID          string            `json:"clientTransactionId"`
	InstitutionTransactionID     string            `json:"institutionTransactionId"`
	UserID                       string            `json:"userId"`
	Status                       string            `json:"status"`
	AmountInFiat                 float64           `json:"amountInFiat"`
	AmountToReceiveInFiat        float64           `json:"amountToReceiveInFiat"`
	AmountInFiatCurrencyCode     string            `json:"amountInFiatCurrencyCode"`
	Amount                       float64           `json:"amount"`
	AmountToReceive              float64           `json:"amountToReceive"`
	Symbol                       string            `json:"symbol"`
	TokenAddress                 string            `json:"tokenAddress"`
	NetworkName                  string            `json:"networkName"`
	NetworkID                    string            `json:"networkId"`
	NetworkLogoURL               string            `json:"networkLogoUrl"`
	CreatedTimestamp             int64             `json:"createdTimestamp"`
	From                         *TransferFrom     `json:"from"`
	Hash                         string            `json:"hash"`
	SubClientID                  string            `json:"subClientId"`
	InfoURL                      string            `json:"infoUrl"`
	GasFee                       *TransferFee      `json:"gasFee"`
	WithdrawalFee                *TransferFee      `json:"withdrawalFee"`
	ProcessingFee                *TransferFee      `json:"processingFee"`
	ExecutedTimestamp            *int64            `json:"executedTimestamp"`
	TransferType                 string            `json:"transferType"`
	IsFeeIncluded                bool              `json:"isFeeIncluded"`
	SourceAmount                 *float64          `json:"sourceAmount"`
	DestinationAmount            *float64          `json:"destinationAmount"`
	DestinationAmountInFiat      *float64          `json:"destinationAmountInFiat"`
	TotalFeesAmountInFiat        float64           `json:"totalFeesAmountInFiat"`
	TotalTransactionAmountInFiat float64           `json:"totalTransactionAmountInFiat"`
	FundingMethods               []TransferFunding `json:"fundingMethods"`
	DestinationAddress           string            `json:"destinationAddress"`
	RefundAddress                string            `json:"refundAddress"`
	BridgingDetails              *BridgingDetails  `json:"bridgingDetails"`
}

// TransferFrom is the integration a transfer came from: node-api's
// TransferIntegrationWithLogoModel.
type TransferFrom struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	LogoURL string `json:"logoUrl"`
}

// TransferFee is node-api's TransferFee.
type TransferFee struct {
	Fee         float64 `json:"fee"`
	FeeCurrency string  `json:"feeCurrency"`
	FeeInFiat   float64 `json:"feeInFiat"`
}

// TransferFunding is a funding method used by a transfer: node-api's
// TransferFundingModel.
type TransferFunding struct {
	Type              string       `json:"type"`
	Amount            float64      `json:"amount"`
	AmountInFiat      float64      `json:"amountInFiat"`
	ToSymbol          string       `json:"toSymbol"`
	FromAmount        float64      `json:"fromAmount"`
	FromSymbol        string       `json:"fromSymbol"`
	PaymentMethodType string       `json:"paymentMethodType"`
	Fee               *TransferFee `json:"fee"`
}

// BridgingDetails is node-api's BridgingTransferDetailsModel.
type BridgingDetails struct {
	Status            string          `json:"status"`
	StatusDescription string          `json:"statusDescription"`
	TargetSide        *BridgingSide   `json:"targetSide"`
	SourceSide        *BridgingSide   `json:"sourceSide"`
	Timeline          []BridgingEvent `json:"timeline"`
}

// BridgingSide is node-api's BridgingTransferSide.
type BridgingSide struct {
	NetworkName     string  `json:"networkName"`
	Symbol          string  `json:"symbol"`
	Amount          float64 `json:"amount"`
	TransactionHash string  `json:"transactionHash"`
	InfoURL         string  `json:"infoUrl"`
}

// BridgingEvent is node-api's BridgingTimelineEvent.
type BridgingEvent struct {
	EventType   string `json:"eventType"`
	Description string `json:"description"`
	Timestamp   int64  `json:"timestamp"`
}
