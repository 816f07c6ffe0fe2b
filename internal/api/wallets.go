package api

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/walletsig"
)

// DeFiWalletVerification is node-api's DeFiWalletVerification, plus what linkd adds:
// networkId, the wallet's name and isSandbox (a verification by the sandbox wallet, whose
// keys are public: it proves nothing about a user).
type DeFiWalletVerification struct {
	UserID             string  `json:"userId"`
	Address            string  `json:"address"`
	XPubKey            *string `json:"xPubKey"`
	NetworkType        string  `json:"networkType"`
	NetworkID          string  `json:"networkId"`
	VerificationMethod string  `json:"verificationMethod"`
	Message            string  `json:"message"`
	SignedMessageHash  string  `json:"signedMessageHash"`
	Timestamp          int64   `json:"timestamp"`
	WalletName         string  `json:"walletName"`
	IsSandbox          bool    `json:"isSandbox"`
}

// maxVerifications bounds one answer of GET /api/v1/wallets/verify (newest first).
const maxVerifications = 1000

// WalletVerifications serves GET /api/v1/wallets/verify (node-api's v1WalletsVerifyList):
// the calling client's wallet verifications, the ones linkd checked, newest first,
// filtered by the UserId and Address query parameters (names match case-insensitively;
// an EVM address matches in any case). The answer is DeFiWalletVerificationResponse.
func (h *Handler) WalletVerifications(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	f := store.WalletVerificationFilter{ClientID: c.ID, Limit: maxVerifications}
	seen := map[string]bool{}
	for name, values := range r.URL.Query() {
		key := strings.ToLower(name)
		if key != "userid" && key != "address" {
			continue // unknown parameters are ignored, as unknown JSON members are
		}
		if seen[key] || len(values) > 1 {
			return problem.DuplicateField.New("%s: given more than once", name)
		}
		seen[key] = true
		v := values[0]
		limit := 50
		if key == "address" {
			limit = 128
		}
		switch {
		case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
			return problem.InvalidCharacters.New("%s: control characters or invalid UTF-8", name)
		case utf8.RuneCountInString(v) > limit:
			return problem.FieldTooLong.New("%s: at most %d characters", name, limit)
		case key == "userid":
			f.UserID = v
		default:
			f.AddressKey = walletsig.AddressKey(strings.TrimSpace(v))
		}
	}
	rows, err := h.Store.WalletVerifications(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]DeFiWalletVerification, 0, len(rows))
	for _, v := range rows {
		out = append(out, DeFiWalletVerification{UserID: v.UserID, Address: v.Address, NetworkType: v.NetworkType,
			NetworkID: v.NetworkID, VerificationMethod: v.Method, Message: v.Message, SignedMessageHash: v.Signature,
			Timestamp: v.CreatedAt.UnixMilli(), WalletName: v.WalletName, IsSandbox: v.Sandbox})
	}
	OK(w, map[string]any{"verifications": out})
	return nil
}
