// Wallet verification: a wallet signs the link token's message for an address the
// token's verifyWalletOptions allow.

package linkui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"
	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// WalletMessageSigned is the SDK's walletMessageSigned payload.
type WalletMessageSigned struct {
	SignedMessageHash string   `json:"signedMessageHash"`
	Message           string   `json:"message"`
	Address           string   `json:"address"`
	TimeStamp         int64    `json:"timeStamp"`
	IsVerified        bool     `json:"isVerified"`
	VerifiedAddresses []string `json:"verifiedAddresses"`
}

// VerifyWallet serves POST /link/api/wallet/verify: the wallet signs the link token's
// message with the chosen address, if that address and network are ones the client's
// verifyWalletOptions allow.
func (f *Handler) VerifyWallet(w http.ResponseWriter, r *http.Request) error {
	sess, opts, c, err := f.sessionClient(r)
	if err != nil {
		return err
	}
	var req verifyRequest
	if err := f.decodeBody(w, r, &req); err != nil {
		return err
	}
	vw := opts.VerifyWallet
	if vw == nil {
		return problem.WrongStep.New("this session has no wallet verification")
	}
	in, err := f.integrationFor(strings.ToLower(req.IntegrationID), opts, c)
	if err != nil {
		return err
	}
	signer, ok := f.Connectors.Signer(in.Type)
	if !ok {
		return problem.IntegrationUnavailable.New("%s cannot be reached from this linkd", in.Name)
	}
	net, ok := f.Catalog.NetworkByID(strings.ToLower(req.NetworkID))
	if !ok {
		return problem.NetworkNotFound.New("networkId: no such network")
	}
	if err := address.Validate(net.NetworkType, req.Address); err != nil {
		return problem.InvalidAddress.New("address: not a valid %s address", net.DisplayName)
	}
	switch {
	case vw.NetworkID != "" && vw.NetworkID != net.ID:
		return problem.WalletVerificationRejected.New("networkId: %s is not the network this verification asks for", net.DisplayName)
	case vw.NetworkType != "" && vw.NetworkType != net.NetworkType:
		return problem.WalletVerificationRejected.New("networkId: %s is not a %s network", net.DisplayName, vw.NetworkType)
	case len(vw.Addresses) > 0 && !slices.ContainsFunc(vw.Addresses, func(a string) bool { return sameAddress(net.NetworkType, a, req.Address) }):
		return problem.WalletVerificationRejected.New("address: not one of the addresses this verification allows")
	}
	sig, err := signer.SignMessage(r.Context(), net.NetworkType, req.Address, vw.Message)
	if err != nil {
		return connector.Problem(err)
	}
	now := f.Now()
	out := WalletMessageSigned{SignedMessageHash: sig.Signature, Message: vw.Message, Address: req.Address,
		TimeStamp: now.UnixMilli(), IsVerified: true, VerifiedAddresses: []string{req.Address}}
	data, _ := json.Marshal(out)
	if err := f.Store.PutObject(r.Context(), store.SessionObject{SessionHash: sess.Hash, Kind: store.ObjectVerification, ID: uuid.NewString(),
		State: "signed", Data: data, CreatedAt: now, UpdatedAt: now, ExpiresAt: sess.ExpiresAt}); err != nil {
		return err
	}
	api.OK(w, out)
	return nil
}

// sameAddress compares addresses the way their network does: EVM addresses are
// case-insensitive hex (the checksum is only a typo guard), others are case-sensitive.
func sameAddress(networkType, a, b string) bool {
	if networkType == "evm" {
		return strings.EqualFold(a, b)
	}
	return a == b
}
