package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Bounds of the transfer list's parameters (node-api's v1TransfersManagedMeshList).
const (
	defaultCount     = 10
	maxCount         = 100
	maxIntegrations  = 100
	maxStatuses      = 5
	maxTransactionID = 128
	maxUserID        = 50
	maxHash          = 256
)

// listParams are the query parameters of GET /api/v1/transfers/managed/mesh, by their
// lower-cased name; lists may repeat (Statuses=a&Statuses=b, and axios's Statuses[]=a or
// Statuses[0]=a), the others may not.
var listParams = map[string]bool{
	"count": false, "offset": false, "id": false, "clienttransactionid": false, "userid": false, "integrationids": true,
	"statuses": true, "fromtimestamp": false, "totimestamp": false, "minamountinfiat": false, "maxamountinfiat": false,
	"orderby": false, "descendingorder": false, "hash": false, "subclientid": false, "issandbox": false,
}

// listParamNames are the parameters' names as node-api spells them, for messages.
var listParamNames = map[string]string{
	"count": "Count", "offset": "Offset", "id": "Id", "clienttransactionid": "ClientTransactionId", "userid": "UserId",
	"integrationids": "IntegrationIds", "statuses": "Statuses", "fromtimestamp": "FromTimestamp", "totimestamp": "ToTimestamp",
	"minamountinfiat": "MinAmountInFiat", "maxamountinfiat": "MaxAmountInFiat", "orderby": "OrderBy",
	"descendingorder": "DescendingOrder", "hash": "Hash", "subclientid": "SubClientId", "issandbox": "IsSandBox",
}

// listIndex strips a list index from a parameter's name: "statuses[]" and "statuses[0]"
// are "statuses".
var listIndex = regexp.MustCompile(`\[\d*\]$`)

// queryErrors collects every problem of a query, as request validation does for bodies.
type queryErrors []problem.FieldError

func (q *queryErrors) add(field string, t *problem.Type, format string, args ...any) {
	*q = append(*q, problem.FieldError{Field: field, Type: t.Name, Message: field + ": " + fmt.Sprintf(format, args...)})
}

// err is the answer for the problems, or nil: errorData lists them all, the first sets
// errorType and message.
func (q queryErrors) err() error {
	if len(q) == 0 {
		return nil
	}
	return &problem.Error{Type: problem.ByName(q[0].Type), Message: q[0].Message, Fields: q}
}

// ParseTransferQuery reads the query string of GET /api/v1/transfers/managed/mesh:
// node-api's parameters, names in any case (ASP.NET binds them so); unknown parameters are
// ignored, as Mesh ignores them. Without OrderBy the newest transfers come first; with it,
// the order is ascending unless DescendingOrder is true.
func ParseTransferQuery(values url.Values) (store.TransferQuery, error) {
	var errs queryErrors
	got := map[string][]string{}
	for name, vs := range values {
		key := strings.ToLower(name)
		if k := listIndex.ReplaceAllString(key, ""); k != key && listParams[k] {
			key = k
		}
		if _, known := listParams[key]; known {
			got[key] = append(got[key], vs...)
		}
	}
	one := func(key string) (string, bool) {
		vs := got[key]
		if len(vs) > 1 && !listParams[key] {
			errs.add(listParamNames[key], problem.DuplicateField, "given %d times; give it once", len(vs))
		}
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	q := store.TransferQuery{Count: defaultCount}
	intParam := func(key string, min, max int64) (int64, bool) {
		s, ok := one(key)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			errs.add(listParamNames[key], problem.InvalidType, "must be an integer, got %s", quoteParam(s))
		case n < min || n > max:
			errs.add(listParamNames[key], problem.OutOfRange, "must be %d–%d, got %d", min, max, n)
		default:
			return n, true
		}
		return 0, false
	}
	if n, ok := intParam("count", 1, maxCount); ok {
		q.Count = int(n)
	}
	if n, ok := intParam("offset", 0, math.MaxInt32); ok {
		q.Offset = int(n)
	}
	uuidParam := func(key string) string {
		s, ok := one(key)
		if ok && !linktoken.IsUUID(s) {
			errs.add(listParamNames[key], problem.InvalidUUID, "must be a uuid like 3fa85f64-5717-4562-b3fc-2c963f66afa6, got %s", quoteParam(s))
			return ""
		}
		return strings.ToLower(s)
	}
	q.ID = uuidParam("id")
	q.SubClientID = uuidParam("subclientid")
	textParam := func(key string, max int) string {
		s, _ := one(key)
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			errs.add(listParamNames[key], problem.InvalidCharacters, "control characters or invalid UTF-8")
			return ""
		}
		if n := utf8.RuneCountInString(s); n > max {
			errs.add(listParamNames[key], problem.FieldTooLong, "at most %d characters, got %d", max, n)
			return ""
		}
		return s
	}
	q.ClientTransactionID = textParam("clienttransactionid", maxTransactionID)
	q.UserID = textParam("userid", maxUserID)
	q.Hash = textParam("hash", maxHash)
	if ids := got["integrationids"]; len(ids) > maxIntegrations {
		errs.add("IntegrationIds", problem.TooManyItems, "at most %d, got %d", maxIntegrations, len(ids))
	} else {
		for i, id := range ids {
			if !linktoken.IsUUID(id) {
				errs.add(fmt.Sprintf("IntegrationIds[%d]", i), problem.InvalidUUID, "must be a uuid, got %s", quoteParam(id))
				continue
			}
			q.IntegrationIDs = append(q.IntegrationIDs, strings.ToLower(id))
		}
	}
	statuses := []string{store.TransferPending, store.TransferSucceeded, store.TransferFailed}
	if ss := got["statuses"]; len(ss) > maxStatuses {
		errs.add("Statuses", problem.TooManyItems, "at most %d, got %d", maxStatuses, len(ss))
	} else {
		for i, s := range ss {
			j := slices.IndexFunc(statuses, func(v string) bool { return strings.EqualFold(v, s) })
			if j < 0 {
				errs.add(fmt.Sprintf("Statuses[%d]", i), problem.InvalidEnumValue, "must be pending, succeeded or failed, got %s", quoteParam(s))
				continue
			}
			q.Statuses = append(q.Statuses, statuses[j])
		}
	}
	from, hasFrom := intParam("fromtimestamp", 0, math.MaxInt64/2)
	to, hasTo := intParam("totimestamp", 0, math.MaxInt64/2)
	if hasFrom {
		q.From = time.UnixMilli(from)
	}
	if hasTo {
		q.To = time.UnixMilli(to)
	}
	if hasFrom && hasTo && from > to {
		errs.add("FromTimestamp", problem.ConflictingFields, "%d is after ToTimestamp %d", from, to)
	}
	amountParam := func(key string) *float64 {
		s, ok := one(key)
		if !ok {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
			errs.add(listParamNames[key], problem.InvalidType, "must be a number, got %s", quoteParam(s))
		case v < 0:
			errs.add(listParamNames[key], problem.OutOfRange, "must not be negative, got %v", v)
		default:
			return &v
		}
		return nil
	}
	q.MinAmountInFiat, q.MaxAmountInFiat = amountParam("minamountinfiat"), amountParam("maxamountinfiat")
	if q.MinAmountInFiat != nil && q.MaxAmountInFiat != nil && *q.MinAmountInFiat > *q.MaxAmountInFiat {
		errs.add("MinAmountInFiat", problem.ConflictingFields, "%v is more than MaxAmountInFiat %v", *q.MinAmountInFiat, *q.MaxAmountInFiat)
	}
	boolParam := func(key string) (bool, bool) {
		s, ok := one(key)
		if !ok {
			return false, false
		}
		switch strings.ToLower(s) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
		errs.add(listParamNames[key], problem.InvalidType, "must be true or false, got %s", quoteParam(s))
		return false, false
	}
	desc, hasDesc := boolParam("descendingorder")
	boolParam("issandbox") // accepted and ignored: linkd has one environment
	if s, ok := one("orderby"); ok {
		i := slices.IndexFunc(store.TransferOrders, func(v string) bool { return strings.EqualFold(v, s) })
		if i < 0 {
			errs.add("OrderBy", problem.InvalidEnumValue, "must be one of %s, got %s", strings.Join(store.TransferOrders, ", "), quoteParam(s))
		} else {
			q.OrderBy = store.TransferOrders[i]
		}
		q.Descending = desc
	} else {
		q.Descending = desc || !hasDesc
	}
	return q, errs.err()
}

// quoteParam quotes a parameter's value for a message, shortened.
func quoteParam(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return strconv.Quote(s)
}

// Transfers serves GET /api/v1/transfers/managed/mesh (node-api's
// v1TransfersManagedMeshList): the calling client's transfers, one page, and how many
// match in all.
func (h *Handler) Transfers(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	q, err := ParseTransferQuery(r.URL.Query())
	if err != nil {
		return err
	}
	items, total, err := h.Store.Transfers(r.Context(), c.ID, q)
	if err != nil {
		return err
	}
	out := transferPage{Items: make([]transferModel, 0, len(items)), Total: total}
	for _, t := range items {
		out.Items = append(out.Items, h.transferModel(t))
	}
	OK(w, &out)
	return nil
}

// transferPage is node-api's TransferModelPaginationResponse.
type transferPage struct {
	Items []transferModel `json:"items"`
	Total int             `json:"total"`
}

// transferFee is node-api's TransferFee.
type transferFee struct {
	Fee         float64 `json:"fee"`
	FeeCurrency string  `json:"feeCurrency"`
	FeeInFiat   float64 `json:"feeInFiat"`
}

// transferFrom is node-api's TransferIntegrationWithLogoModel.
type transferFrom struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	LogoURL string `json:"logoUrl"`
}

// transferFunding is node-api's TransferFundingModel.
type transferFunding struct {
	Type              string       `json:"type"`
	Amount            float64      `json:"amount"`
	AmountInFiat      float64      `json:"amountInFiat"`
	ToSymbol          string       `json:"toSymbol"`
	FromAmount        float64      `json:"fromAmount"`
	FromSymbol        string       `json:"fromSymbol"`
	PaymentMethodType *string      `json:"paymentMethodType"`
	Fee               *transferFee `json:"fee"`
}

// transferModel is node-api's TransferModel: every member present, null where linkd has
// nothing (infoUrl: no block explorer in a self-hosted build; bridgingDetails: no
// bridging; refundAddress: none).
type transferModel struct {
	ID                           string            `json:"id"`
	ClientTransactionID          *string           `json:"clientTransactionId"`
	InstitutionTransactionID     *string           `json:"institutionTransactionId"`
	UserID                       string            `json:"userId"`
	Status                       string            `json:"status"`
	AmountInFiat                 float64           `json:"amountInFiat"`
	AmountToReceiveInFiat        float64           `json:"amountToReceiveInFiat"`
	AmountInFiatCurrencyCode     string            `json:"amountInFiatCurrencyCode"`
	Amount                       float64           `json:"amount"`
	AmountToReceive              float64           `json:"amountToReceive"`
	Symbol                       string            `json:"symbol"`
	TokenAddress                 *string           `json:"tokenAddress"`
	NetworkName                  string            `json:"networkName"`
	NetworkID                    string            `json:"networkId"`
	NetworkLogoURL               *string           `json:"networkLogoUrl"`
	CreatedTimestamp             int64             `json:"createdTimestamp"`
	From                         *transferFrom     `json:"from"`
	Hash                         *string           `json:"hash"`
	SubClientID                  *string           `json:"subClientId"`
	InfoURL                      *string           `json:"infoUrl"`
	GasFee                       transferFee       `json:"gasFee"`
	WithdrawalFee                transferFee       `json:"withdrawalFee"`
	ProcessingFee                transferFee       `json:"processingFee"`
	ExecutedTimestamp            *int64            `json:"executedTimestamp"`
	TransferType                 *string           `json:"transferType"`
	IsFeeIncluded                bool              `json:"isFeeIncluded"`
	SourceAmount                 float64           `json:"sourceAmount"`
	DestinationAmount            float64           `json:"destinationAmount"`
	DestinationAmountInFiat      float64           `json:"destinationAmountInFiat"`
	TotalFeesAmountInFiat        float64           `json:"totalFeesAmountInFiat"`
	TotalTransactionAmountInFiat float64           `json:"totalTransactionAmountInFiat"`
	FundingMethods               []transferFunding `json:"fundingMethods"`
	DestinationAddress           string            `json:"destinationAddress"`
	RefundAddress                *string           `json:"refundAddress"`
	BridgingDetails              *struct{}         `json:"bridgingDetails"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func fee(f store.TransferFee) transferFee {
	return transferFee{Fee: f.Amount, FeeCurrency: f.Currency, FeeInFiat: f.InFiat}
}

// transferModel is the wire form of a stored transfer.
func (h *Handler) transferModel(t store.Transfer) transferModel {
	m := transferModel{
		ID: t.ID, ClientTransactionID: nullable(t.ClientTransactionID), InstitutionTransactionID: nullable(t.InstitutionTransactionID),
		UserID: t.UserID, Status: t.Status, AmountInFiat: t.AmountInFiat, AmountToReceiveInFiat: t.AmountToReceiveInFiat,
		AmountInFiatCurrencyCode: t.FiatCurrency, Amount: t.Amount, AmountToReceive: t.AmountToReceive, Symbol: t.Symbol,
		TokenAddress: nullable(t.TokenAddress), NetworkName: t.NetworkName, NetworkID: t.NetworkID,
		CreatedTimestamp: t.CreatedAt.UnixMilli(), Hash: nullable(t.Hash), SubClientID: nullable(t.SubClientID),
		GasFee: fee(t.GasFee), WithdrawalFee: fee(t.WithdrawalFee), ProcessingFee: fee(t.ProcessingFee),
		TransferType: nullable(t.TransferType), IsFeeIncluded: t.IsFeeIncluded, SourceAmount: t.SourceAmount,
		DestinationAmount: t.AmountToReceive, DestinationAmountInFiat: t.AmountToReceiveInFiat,
		TotalFeesAmountInFiat:        math.Round((t.GasFee.InFiat+t.WithdrawalFee.InFiat+t.ProcessingFee.InFiat)*100) / 100,
		TotalTransactionAmountInFiat: t.TotalAmountInFiat, FundingMethods: []transferFunding{}, DestinationAddress: t.DestinationAddress,
	}
	if !t.ExecutedAt.IsZero() {
		ms := t.ExecutedAt.UnixMilli()
		m.ExecutedTimestamp = &ms
	}
	if n, ok := h.catalog.NetworkRef(t.NetworkID); ok {
		logo := catalog.LogoURL(h.publicURL, "network-"+n.Slug+".svg")
		m.NetworkLogoURL = &logo
	}
	if t.IntegrationID != "" {
		m.From = &transferFrom{ID: t.IntegrationID, Type: t.IntegrationType, Name: t.IntegrationName}
		if in, ok := h.catalog.IntegrationByID(t.IntegrationID); ok {
			m.From.LogoURL = catalog.LogoURL(h.publicURL, in.Slug+".svg")
		}
	}
	for _, f := range t.Funding {
		m.FundingMethods = append(m.FundingMethods, transferFunding{Type: f.Type, Amount: f.Amount, AmountInFiat: f.AmountInFiat,
			ToSymbol: f.ToSymbol, FromAmount: f.FromAmount, FromSymbol: f.FromSymbol})
	}
	return m
}
