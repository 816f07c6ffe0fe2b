package linktoken

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/problem"
)

// Limits of the request fields. userId's 50 comes from the seed document (the npm types
// say 300; the seed wins: docs/design.md §2).
const (
	MaxUserID          = 50
	MaxTransactionID   = 128
	MaxDescription     = 256
	MaxGoodsString     = 256
	MaxVerifyMessage   = 1024
	MaxToAddresses     = 50
	MaxVerifyAddresses = 50
	MaxGoodsDetails    = 20
)

// Enumerations of node-api that are checked here (BrokerType and NetworkType come from
// the catalog and the address package).
var (
	transferTypes       = []string{"deposit", "payment", "onramp", "fiatOnRamp", "fiatOffRamp"}
	verificationMethods = []string{"signedMessage"}
	goodsTypes          = []string{"01", "02"}
	// unsupportedBrokerTypes are refused by Mesh for brokerType (seed document).
	unsupportedBrokerTypes = []string{"deFiWallet", "cryptocurrencyAddress", "cryptocurrencyWallet"}
	// networkTypes is node-api's NetworkType union.
	networkTypes = []string{"unknown", "evm", "solana", "bitcoin", "cardano", "tron", "avalancheX", "tezos", "dogecoin",
		"ripple", "stellar", "litecoin", "sui", "aptos", "tvm", "injective"}
)

// Options is a validated request in canonical form: what a Link session follows. It is
// stored with the code (as JSON) and handed to the Link UI when the code is redeemed.
type Options struct {
	UserID                   string        `json:"userId"`
	IntegrationID            string        `json:"integrationId,omitempty"`
	BrokerType               string        `json:"brokerType,omitempty"`
	RestrictMultipleAccounts bool          `json:"restrictMultipleAccounts"`
	DisableAPIKeyGeneration  bool          `json:"disableApiKeyGeneration"`
	SubClientID              string        `json:"subClientId,omitempty"`
	Transfer                 *Transfer     `json:"transferOptions,omitempty"`
	VerifyWallet             *VerifyWallet `json:"verifyWalletOptions,omitempty"`
}

// Transfer is validated transferOptions. Symbols are the catalog's canonical spelling and
// network ids are lower case.
type Transfer struct {
	ToAddresses           []Destination  `json:"toAddresses"`
	AmountInFiat          float64        `json:"amountInFiat,omitempty"`
	TransactionID         string         `json:"transactionId,omitempty"`
	ClientFee             *float64       `json:"clientFee,omitempty"`
	TransferType          string         `json:"transferType,omitempty"`
	FundingEnabled        bool           `json:"fundingEnabled"`
	IsInclusiveFeeEnabled bool           `json:"isInclusiveFeeEnabled"`
	Description           string         `json:"description,omitempty"`
	GoodsDetails          []GoodsDetails `json:"goodsDetails,omitempty"`
	GeneratePayLink       bool           `json:"generatePayLink"`
}

// Destination is one validated toAddresses entry.
type Destination struct {
	NetworkID           string  `json:"networkId"`
	NetworkName         string  `json:"networkName"`
	NetworkType         string  `json:"networkType"`
	Symbol              string  `json:"symbol"`
	Address             string  `json:"address"`
	AddressTag          string  `json:"addressTag,omitempty"`
	Amount              float64 `json:"amount,omitempty"`
	DisplayAmountInFiat float64 `json:"displayAmountInFiat,omitempty"`
}

// VerifyWallet is validated verifyWalletOptions.
type VerifyWallet struct {
	Message             string   `json:"message,omitempty"`
	VerificationMethods []string `json:"verificationMethods"`
	Addresses           []string `json:"addresses,omitempty"`
	NetworkID           string   `json:"networkId,omitempty"`
	NetworkType         string   `json:"networkType,omitempty"`
}

// Policy is what validation needs to know about the calling client.
type Policy struct {
	// AllowPIIUserID turns off the e-mail / phone number check on userId.
	AllowPIIUserID bool
	// Jurisdiction, if set, refuses integrations not available there (451).
	Jurisdiction string
}

// validator accumulates field errors in request order.
type validator struct {
	cat   *catalog.Catalog
	errs  []problem.FieldError
	first *problem.Type // the type of errs[0]
}

func (v *validator) add(field string, typ *problem.Type, format string, args ...any) {
	if v.first == nil {
		v.first = typ
	}
	v.errs = append(v.errs, problem.FieldError{Field: field, Type: typ.Name, Message: field + ": " + fmt.Sprintf(format, args...)})
}

// err is every problem found, as one error of the first one's type, or nil.
func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &problem.Error{Type: v.first, Message: v.errs[0].Message, Fields: v.errs}
}

// Validate checks a decoded request against docs/design.md §2 and returns its canonical Options,
// or a *problem.Error listing every problem (400), or the first problem that has its own
// status (451 for a jurisdiction). Sub-client ownership (404) needs the store and is checked by
// the Service.
func Validate(r *Request, cat *catalog.Catalog, p Policy) (Options, error) {
	v := &validator{cat: cat}
	var o Options
	o.UserID = v.userID(r.UserID, p)
	integ, haveInteg := v.integration(r.BrokerType, r.IntegrationID)
	if r.RestrictMultipleAccounts != nil {
		o.RestrictMultipleAccounts = *r.RestrictMultipleAccounts
	}
	if r.DisableAPIKeyGeneration != nil {
		o.DisableAPIKeyGeneration = *r.DisableAPIKeyGeneration
	}
	if r.SubClientID != nil {
		o.SubClientID = v.uuid("", "subClientId", *r.SubClientID)
	}
	if r.TransferOptions != nil {
		o.Transfer = v.transfer(r.TransferOptions)
	}
	if r.VerifyWalletOptions != nil {
		o.VerifyWallet = v.verifyWallet(r.VerifyWalletOptions)
	}
	if err := v.err(); err != nil {
		return Options{}, err
	}
	if haveInteg {
		o.IntegrationID, o.BrokerType = integ.ID, integ.Type
		if !integ.AvailableIn(p.Jurisdiction) {
			field := "integrationId"
			if r.IntegrationID == nil {
				field = "brokerType"
			}
			return Options{}, problem.IntegrationUnavailableInJurisdiction.Field(field,
				fmt.Sprintf("%s: %s is not available in the client's jurisdiction (%s)", field, integ.Name, p.Jurisdiction))
		}
	}
	return o, nil
}

var (
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$`)
	// phoneRE matches numbers written as phone numbers: "+" and 7–15 digits (E.164), or
	// 10–15 digits grouped with spaces, dots, dashes or parentheses. Plain digit strings
	// ("10482933") are common opaque user ids and are not flagged.
	phoneSepRE = regexp.MustCompile(`^\(?\d{2,4}\)?[\s.\-]\d{2,4}[\s.\-]\d{2,5}([\s.\-]\d{2,5})?$`)
)

func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		} else if !strings.ContainsRune("+ .-()", r) {
			return false
		}
	}
	if strings.HasPrefix(s, "+") {
		return digits >= 7 && digits <= 15 && strings.Count(s, "+") == 1
	}
	return digits >= 10 && digits <= 15 && phoneSepRE.MatchString(s)
}

func (v *validator) userID(p *string, pol Policy) string {
	const f = "userId"
	if p == nil || strings.TrimSpace(*p) == "" {
		v.add(f, problem.MissingField, "required: an opaque id of the end user, 1–%d characters", MaxUserID)
		return ""
	}
	s := *p
	if n := utf8.RuneCountInString(s); n > MaxUserID {
		v.add(f, problem.FieldTooLong, "must be at most %d characters, got %d", MaxUserID, n)
		return ""
	}
	if hasControl(s) {
		v.add(f, problem.InvalidCharacters, "must not contain control characters")
		return ""
	}
	if !pol.AllowPIIUserID {
		switch {
		case strings.IndexByte(s, '@') >= 0 && emailRE.MatchString(s):
			v.add(f, problem.UserIDLooksLikePII, "looks like an e-mail address; Mesh asks for an opaque user id, not personal data")
		case looksLikePhone(s):
			v.add(f, problem.UserIDLooksLikePII, "looks like a phone number; Mesh asks for an opaque user id, not personal data")
		}
	}
	return s
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// IsUUID reports whether s is a uuid in canonical 8-4-4-4-12 hex form (any case).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// uuid checks a uuid field; its name is prefix+name, joined only if there is an error to
// report (the same for positive): building every field's path up front was a measurable
// share of validating a valid request.
func (v *validator) uuid(prefix, name, s string) string {
	if !IsUUID(s) {
		v.add(prefix+name, problem.InvalidUUID, "must be a uuid like 3fa85f64-5717-4562-b3fc-2c963f66afa6, got %s", quote(s))
		return ""
	}
	return strings.ToLower(s)
}

// quote shows a caller's value in a message, shortened so that a huge value does not
// make a huge message.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func (v *validator) integration(brokerType, integrationID *string) (catalog.Integration, bool) {
	var byType, byID catalog.Integration
	var okType, okID bool
	if brokerType != nil {
		bt := *brokerType
		switch {
		case slices.Contains(unsupportedBrokerTypes, bt):
			v.add("brokerType", problem.UnsupportedBrokerType, "%s cannot be opened directly (not supported: deFiWallet, cryptocurrencyAddress, cryptocurrencyWallet); omit brokerType to show the catalog", bt)
		case !v.cat.IsBrokerType(bt):
			if canon, ok := v.brokerTypeFold(bt); ok {
				v.add("brokerType", problem.InvalidEnumValue, "unknown integration type %s; did you mean %q?", quote(bt), canon)
			} else {
				v.add("brokerType", problem.InvalidEnumValue, "unknown integration type %s (see the type field of GET /api/v1/integrations)", quote(bt))
			}
		default:
			byType, okType = v.cat.IntegrationByType(bt)
			if !okType {
				v.add("brokerType", problem.IntegrationNotFound, "no integration of type %s in the catalog", bt)
			}
		}
	}
	if integrationID != nil {
		if id := v.uuid("", "integrationId", *integrationID); id != "" {
			byID, okID = v.cat.IntegrationByID(id)
			if !okID {
				v.add("integrationId", problem.IntegrationNotFound, "no integration with id %s (see GET /api/v1/integrations)", id)
			}
		}
	}
	switch {
	case okType && okID && byType.Type != byID.Type:
		v.add("integrationId", problem.ConflictingFields, "names %s (%s) but brokerType is %s; send one of them", byID.Name, byID.Type, byType.Type)
		return catalog.Integration{}, false
	case okID:
		return byID, true
	case okType:
		return byType, true
	}
	return catalog.Integration{}, false
}

func (v *validator) brokerTypeFold(s string) (string, bool) {
	for _, in := range v.cat.Integrations() {
		if strings.EqualFold(in.Type, s) {
			return in.Type, true
		}
	}
	return "", false
}

func (v *validator) positive(prefix, name string, p *float64) float64 {
	if p == nil {
		return 0
	}
	if !(*p > 0) || math.IsInf(*p, 0) {
		v.add(prefix+name, problem.OutOfRange, "must be greater than 0, got %v", *p)
		return 0
	}
	return *p
}

func (v *validator) maxLen(field string, p *string, max int) string {
	if p == nil {
		return ""
	}
	if n := utf8.RuneCountInString(*p); n > max {
		v.add(field, problem.FieldTooLong, "must be at most %d characters, got %d", max, n)
		return ""
	}
	return *p
}

func (v *validator) enum(field, s string, values []string) bool {
	if slices.Contains(values, s) {
		return true
	}
	v.add(field, problem.InvalidEnumValue, "must be one of %s, got %s", strings.Join(values, ", "), quote(s))
	return false
}

func (v *validator) transfer(t *TransferOptions) *Transfer {
	const f = "transferOptions"
	out := &Transfer{}
	switch {
	case t.ToAddresses == nil:
	case len(t.ToAddresses) == 0:
		v.add(f+".toAddresses", problem.EmptyList, "must list at least one destination when present (omit it to let the user choose none)")
	case len(t.ToAddresses) > MaxToAddresses:
		v.add(f+".toAddresses", problem.TooManyItems, "must have at most %d entries, got %d", MaxToAddresses, len(t.ToAddresses))
	default:
		out.ToAddresses = make([]Destination, 0, len(t.ToAddresses))
		seen := make([]int, 0, len(t.ToAddresses)) // request index of each kept destination
		for i := range t.ToAddresses {
			p := f + ".toAddresses[" + strconv.Itoa(i) + "]"
			d, ok := v.destination(p, &t.ToAddresses[i])
			if !ok {
				continue
			}
			// A handful of entries at most: a linear scan beats a map.
			if k := slices.IndexFunc(out.ToAddresses, func(o Destination) bool { return o.NetworkID == d.NetworkID && o.Symbol == d.Symbol }); k >= 0 {
				v.add(p, problem.DuplicateEntry, "same networkId and symbol as toAddresses[%d] (%s on %s)", seen[k], d.Symbol, d.NetworkName)
				continue
			}
			seen = append(seen, i)
			out.ToAddresses = append(out.ToAddresses, d)
		}
	}
	out.AmountInFiat = v.positive(f, ".amountInFiat", t.AmountInFiat)
	if t.TransactionID != nil {
		out.TransactionID = v.maxLen(f+".transactionId", t.TransactionID, MaxTransactionID)
		if hasControl(out.TransactionID) {
			v.add(f+".transactionId", problem.InvalidCharacters, "must not contain control characters")
		}
	}
	if t.ClientFee != nil {
		if fee := *t.ClientFee; fee >= 0 && fee <= 1 {
			out.ClientFee = &fee
		} else {
			v.add(f+".clientFee", problem.OutOfRange, "must be a ratio between 0 and 1 (0.025 = 2.5%%), got %v", fee)
		}
	}
	if t.TransferType != nil && v.enum(f+".transferType", *t.TransferType, transferTypes) {
		out.TransferType = *t.TransferType
	}
	if t.FundingOptions != nil && t.FundingOptions.Enabled != nil {
		out.FundingEnabled = *t.FundingOptions.Enabled
	}
	if t.IsInclusiveFeeEnabled != nil {
		out.IsInclusiveFeeEnabled = *t.IsInclusiveFeeEnabled
	}
	out.Description = v.maxLen(f+".description", t.Description, MaxDescription)
	if len(t.GoodsDetails) > MaxGoodsDetails {
		v.add(f+".goodsDetails", problem.TooManyItems, "must have at most %d entries, got %d", MaxGoodsDetails, len(t.GoodsDetails))
	} else {
		for i, g := range t.GoodsDetails {
			p := fmt.Sprintf("%s.goodsDetails[%d]", f, i)
			if g.GoodsType != nil {
				v.enum(p+".goodsType", *g.GoodsType, goodsTypes)
			}
			v.maxLen(p+".goodsCategory", g.GoodsCategory, MaxGoodsString)
			v.maxLen(p+".referenceGoodsId", g.ReferenceGoodsID, MaxGoodsString)
			v.maxLen(p+".goodsName", g.GoodsName, MaxGoodsString)
			v.maxLen(p+".goodsDetail", g.GoodsDetail, MaxGoodsString)
			out.GoodsDetails = append(out.GoodsDetails, g)
		}
	}
	if t.GeneratePayLink != nil && *t.GeneratePayLink {
		out.GeneratePayLink = true
		if t.ToAddresses == nil {
			v.add(f+".toAddresses", problem.MissingField, "required when generatePayLink is true: a payment link needs a destination")
		}
	}
	return out
}

func (v *validator) destination(p string, a *ToAddress) (Destination, bool) {
	var d Destination
	n0 := len(v.errs)
	var net *catalog.Network
	var haveNet bool
	switch {
	case a.NetworkID == nil || *a.NetworkID == "":
		v.add(p+".networkId", problem.MissingField, "required: a network id from GET /api/v1/transfers/managed/networks")
	default:
		if id := v.uuid(p, ".networkId", *a.NetworkID); id != "" {
			if net, haveNet = v.cat.NetworkRef(id); !haveNet {
				v.add(p+".networkId", problem.NetworkNotFound, "no network with id %s (see GET /api/v1/transfers/managed/networks)", id)
			}
		}
	}
	if haveNet {
		d.NetworkID, d.NetworkName, d.NetworkType = net.ID, net.DisplayName, net.NetworkType
	}
	switch {
	case a.Symbol == nil || *a.Symbol == "":
		v.add(p+".symbol", problem.MissingField, "required: the symbol of the asset to receive, e.g. USDC")
	case haveNet:
		if canon, ok := net.CanonicalSymbol(*a.Symbol); ok {
			d.Symbol = canon
		} else {
			v.add(p+".symbol", problem.SymbolNotSupported, "%s is not supported on %s (supported: %s)", quote(*a.Symbol), net.DisplayName, symbols(net))
		}
	}
	switch {
	case a.Address == nil || *a.Address == "":
		v.add(p+".address", problem.MissingField, "required: the destination address")
	case haveNet:
		if err := address.Validate(net.NetworkType, *a.Address); err != nil {
			v.add(p+".address", problem.InvalidAddress, "not a valid %s address: %s", net.DisplayName, reason(err))
		} else {
			d.Address = *a.Address
		}
	}
	if a.AddressTag != nil && *a.AddressTag != "" && haveNet {
		if err := address.ValidateTag(net.NetworkType, *a.AddressTag); err != nil {
			v.add(p+".addressTag", problem.InvalidAddressTag, "%s", reason(err))
		} else {
			d.AddressTag = *a.AddressTag
		}
	}
	d.Amount = v.positive(p, ".amount", a.Amount)
	d.DisplayAmountInFiat = v.positive(p, ".displayAmountInFiat", a.DisplayAmountInFiat)
	return d, len(v.errs) == n0
}

// reason is the address package's explanation without its network prefix.
func reason(err error) string {
	if ae, ok := err.(*address.Error); ok {
		return ae.Reason
	}
	return err.Error()
}

func (v *validator) verifyWallet(w *VerifyWalletOptions) *VerifyWallet {
	const f = "verifyWalletOptions"
	out := &VerifyWallet{}
	methods := w.VerificationMethods
	if methods == nil {
		methods = []string{"signedMessage"} // node-api: "By default - sign message with wallet key."
	}
	for i, m := range methods {
		if v.enum(fmt.Sprintf("%s.verificationMethods[%d]", f, i), m, verificationMethods) && !slices.Contains(out.VerificationMethods, m) {
			out.VerificationMethods = append(out.VerificationMethods, m)
		}
	}
	if out.VerificationMethods == nil {
		out.VerificationMethods = []string{}
	}
	if slices.Contains(out.VerificationMethods, "signedMessage") {
		if w.Message == nil || strings.TrimSpace(*w.Message) == "" {
			v.add(f+".message", problem.MissingField, "required when verificationMethods includes signedMessage: the text the wallet signs")
		}
	}
	out.Message = v.maxLen(f+".message", w.Message, MaxVerifyMessage)

	var netType string
	if w.NetworkID != nil && *w.NetworkID != "" {
		if id := v.uuid(f, ".networkId", *w.NetworkID); id != "" {
			if net, ok := v.cat.NetworkByID(id); ok {
				out.NetworkID, netType = net.ID, net.NetworkType
			} else {
				v.add(f+".networkId", problem.NetworkNotFound, "no network with id %s (see GET /api/v1/transfers/managed/networks)", id)
			}
		}
	}
	if w.NetworkType != nil && *w.NetworkType != "" {
		nt := *w.NetworkType
		if v.enum(f+".networkType", nt, networkTypes) {
			out.NetworkType = nt
			switch {
			case netType != "" && netType != nt:
				v.add(f+".networkType", problem.ConflictingFields, "is %s but networkId names a %s network", nt, netType)
			case netType == "":
				netType = nt
			}
		}
	}
	if len(w.Addresses) > MaxVerifyAddresses {
		v.add(f+".addresses", problem.TooManyItems, "must have at most %d entries, got %d", MaxVerifyAddresses, len(w.Addresses))
		return out
	}
	if netType != "" && len(w.Addresses) > 0 && !slices.Contains(address.Supported(), netType) {
		v.add(f+".networkType", problem.UnsupportedNetworkType, "%s addresses cannot be checked: linkd's catalog has no %s network", netType, netType)
		return out
	}
	for i, a := range w.Addresses {
		p := fmt.Sprintf("%s.addresses[%d]", f, i)
		if a == "" {
			v.add(p, problem.MissingField, "must not be empty")
			continue
		}
		if netType != "" {
			if err := address.Validate(netType, a); err != nil {
				v.add(p, problem.InvalidAddress, "not a valid %s address: %s", netType, reason(err))
				continue
			}
		} else if !validOnSomeNetwork(a) {
			v.add(p, problem.InvalidAddress, "not a valid address on any supported network (set networkId or networkType for a precise reason)")
			continue
		}
		out.Addresses = append(out.Addresses, a)
	}
	return out
}

func symbols(n *catalog.Network) string {
	var b strings.Builder
	for i, t := range n.Tokens {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.Symbol)
	}
	return b.String()
}

func validOnSomeNetwork(a string) bool {
	for _, nt := range address.Supported() {
		if address.Validate(nt, a) == nil {
			return true
		}
	}
	return false
}
