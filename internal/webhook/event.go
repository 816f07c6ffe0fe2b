package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/store"
)

// SignatureHeader carries the signature of a delivery's body.
const SignatureHeader = "X-Mesh-Signature-256"

// Sign returns the value of SignatureHeader for body: base64 (standard, padded) of
// HMAC-SHA256 over the body's exact bytes, keyed with the secret's UTF-8 bytes (RFC 2104;
// the scheme of Mesh's transfer status webhooks).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is Sign(secret, body), in constant time (CWE-208).
func Verify(secret string, body []byte, signature string) bool {
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Event is the body of a delivery: Mesh's transfer status webhook model, members in
// camelCase, times in Unix milliseconds. The transfer's part describes the event (its
// status and time) and the transfer; EventID is the same on every attempt to deliver one
// event, ID new for each attempt, so that a receiver drops duplicates by EventID.
type Event struct {
	TransferID            string   `json:"transferId"`
	Timestamp             int64    `json:"timestamp"`
	TransferStatus        string   `json:"transferStatus"`
	TransactionID         *string  `json:"transactionId"`
	TxHash                *string  `json:"txHash"`
	UserID                string   `json:"userId"`
	Token                 string   `json:"token"`
	Chain                 string   `json:"chain"`
	SourceAmount          *float64 `json:"sourceAmount"`
	SourceAccountProvider string   `json:"sourceAccountProvider"`
	DestinationAmount     *float64 `json:"destinationAmount"`
	DestinationAddress    string   `json:"destinationAddress"`
	RefundAddress         *string  `json:"refundAddress"`
	EventID               string   `json:"eventId"`
	ID                    string   `json:"id"`
	SentTimestamp         int64    `json:"sentTimestamp"`
}

// NewEvent is the body of one attempt (id attemptID, sent at sent) to deliver event ev of
// transfer t.
func NewEvent(ev store.TransferEvent, t store.Transfer, attemptID string, sent time.Time) Event {
	return Event{
		TransferID: t.ID, Timestamp: ev.At.UnixMilli(), TransferStatus: ev.Status,
		TransactionID: nonEmpty(t.ClientTransactionID), TxHash: nonEmpty(t.Hash), UserID: t.UserID,
		Token: t.Symbol, Chain: t.NetworkName, SourceAmount: &t.SourceAmount, SourceAccountProvider: t.IntegrationName,
		DestinationAmount: &t.AmountToReceive, DestinationAddress: t.DestinationAddress,
		EventID: ev.ID, ID: attemptID, SentTimestamp: sent.UnixMilli(),
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Body encodes e as it is sent and signed: compact JSON, members in the order of Event.
func (e Event) Body() ([]byte, error) {
	return json.Marshal(e)
}
