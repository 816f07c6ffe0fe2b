// Self-custody wallets: connecting one (its address becomes the connected account) and
// wallet verification, where the wallet signs the link token's message and linkd checks
// the signature itself (docs/design.md §9, docs/threat-model.md W1).
//
// Browser wallets sign in the user's browser; the page sends linkd the address, network
// and signature. The sandbox wallet signs on the server with public test keys
// (internal/connector) and its signature then takes the same path. Only what linkd
// verified is stored.

package linkui

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/connector"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/walletsig"
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

// walletRequest is the body of the wallet calls: which wallet (a catalog integration, and
// the name the wallet announced), on which network, as which address; Signature for a
// verification.
type walletRequest struct {
	IntegrationID string `json:"integrationId"`
	NetworkID     string `json:"networkId"`
	Address       string `json:"address"`
	Signature     string `json:"signature"`
	WalletName    string `json:"walletName"`
}

// maxWalletName bounds the name a wallet announced (EIP-6963 info.name, a Wallet Standard
// wallet's name), which is stored and shown.
const maxWalletName = 64

// walletTarget checks the wallet, network and address of a wallet call: the integration
// is one of the session's wallets (a deFiWallet entry, or an integration that signs: the
// sandbox), the network is one whose signatures linkd verifies, and the address is valid
// there.
func (f *Handler) walletTarget(req walletRequest, opts linktoken.Options, c *store.Client) (catalog.Integration, catalog.Network, error) {
	var net catalog.Network
	in, err := f.integrationFor(strings.ToLower(req.IntegrationID), opts, c)
	if err != nil {
		return in, net, err
	}
	if _, signer := f.Connectors.Signer(in.Type); in.Type != "deFiWallet" && !signer {
		return in, net, problem.IntegrationUnavailable.New("integrationId: %s is not a wallet", in.Name)
	}
	net, ok := f.Catalog.NetworkByID(strings.ToLower(req.NetworkID))
	if !ok {
		return in, net, problem.NetworkNotFound.New("networkId: no such network")
	}
	if !walletsig.Supported(net.NetworkType) {
		return in, net, problem.WalletNetworkUnsupported.New("networkId: %s signatures are not verified by linkd (EVM and Solana are)", net.DisplayName)
	}
	if err := address.Validate(net.NetworkType, req.Address); err != nil {
		return in, net, problem.InvalidAddress.New("address: not a valid %s address", net.DisplayName)
	}
	if !utf8.ValidString(req.WalletName) || utf8.RuneCountInString(req.WalletName) > maxWalletName {
		return in, net, problem.FieldTooLong.New("walletName: at most %d characters", maxWalletName)
	}
	return in, net, nil
}

// walletCall is the start every wallet call shares: the session, the body, and the
// wallet, network and address it names (walletTarget).
type walletCall struct {
	sess store.Session
	opts linktoken.Options
	req  walletRequest
	in   catalog.Integration
	net  catalog.Network
}

func (f *Handler) walletCall(w http.ResponseWriter, r *http.Request) (*walletCall, error) {
	sess, opts, c, err := f.sessionClient(r)
	if err != nil {
		return nil, err
	}
	wc := &walletCall{sess: sess, opts: opts}
	if err := f.decodeBody(w, r, &wc.req); err != nil {
		return nil, err
	}
	if wc.in, wc.net, err = f.walletTarget(wc.req, opts, c); err != nil {
		return nil, err
	}
	return wc, nil
}

// walletName is the name stored and reported for a wallet: the catalog's, or for the
// generic wallet entry the name the wallet announced.
func walletName(in catalog.Integration, announced string) string {
	if in.DeFiWalletProviderID == "" && in.Type == "deFiWallet" {
		if n := strings.TrimSpace(announced); n != "" {
			return n
		}
	}
	return in.Name
}

// SignWallet serves POST /link/api/wallet/sign: a wallet that lives on the server (the
// sandbox's) signs the link token's message, and only that message, with the key of one
// of its own addresses. The page then sends the signature to VerifyWallet like a browser
// wallet's.
func (f *Handler) SignWallet(w http.ResponseWriter, r *http.Request) error {
	wc, err := f.walletCall(w, r)
	if err != nil {
		return err
	}
	vw := wc.opts.VerifyWallet
	if vw == nil {
		return problem.WrongStep.New("this session has no wallet verification")
	}
	signer, ok := f.Connectors.Signer(wc.in.Type)
	if !ok {
		return problem.IntegrationUnavailable.New("%s signs in your browser, not on linkd", wc.in.Name)
	}
	sig, err := signer.SignMessage(r.Context(), wc.net.NetworkType, wc.req.Address, vw.Message)
	if errors.Is(err, connector.ErrNotSupported) {
		return problem.InvalidAddress.New("address: not an address of the %s wallet", wc.in.Name)
	}
	if err != nil {
		return connector.Problem(err)
	}
	api.OK(w, map[string]string{"address": wc.req.Address, "networkId": wc.net.ID, "signature": sig.Signature})
	return nil
}

// VerifyWallet serves POST /link/api/wallet/verify: it checks that the address and
// network are ones the link token's verifyWalletOptions allow and that the signature is
// the address's signature of the token's message (internal/walletsig), stores the
// verification and answers the SDK's walletMessageSigned payload. Nothing that fails a
// check is stored.
func (f *Handler) VerifyWallet(w http.ResponseWriter, r *http.Request) error {
	wc, err := f.walletCall(w, r)
	if err != nil {
		return err
	}
	req, net, sess := wc.req, wc.net, wc.sess
	vw := wc.opts.VerifyWallet
	if vw == nil {
		return problem.WrongStep.New("this session has no wallet verification")
	}
	switch {
	case vw.NetworkID != "" && vw.NetworkID != net.ID:
		return problem.WalletVerificationRejected.New("networkId: %s is not the network this verification asks for", net.DisplayName)
	case vw.NetworkType != "" && vw.NetworkType != net.NetworkType:
		return problem.WalletVerificationRejected.New("networkId: %s is not a %s network", net.DisplayName, vw.NetworkType)
	case len(vw.Addresses) > 0 && !slices.ContainsFunc(vw.Addresses, func(a string) bool { return sameAddress(net.NetworkType, a, req.Address) }):
		return problem.WalletVerificationRejected.New("address: not one of the addresses this verification allows")
	}
	if req.Signature == "" {
		return problem.MissingField.New("signature: required")
	}
	if err := walletsig.Verify(net.NetworkType, req.Address, vw.Message, req.Signature); err != nil {
		return problem.WalletSignatureInvalid.New("signature: %v", err)
	}
	now := f.Now()
	v := store.WalletVerification{ID: uuid.NewString(), ClientID: sess.ClientID, SubClientID: sess.SubClientID, UserID: sess.UserID,
		Address: req.Address, AddressKey: walletsig.AddressKey(req.Address), NetworkID: net.ID, NetworkType: net.NetworkType,
		Method: "signedMessage", Message: vw.Message, Signature: req.Signature, IntegrationID: wc.in.ID,
		WalletName: walletName(wc.in, req.WalletName), CreatedAt: now,
		Sandbox: wc.in.Type == connector.SandboxType || connector.IsSandboxWallet(net.NetworkType, req.Address)}
	if err := f.Store.CreateWalletVerification(r.Context(), v); err != nil {
		return err
	}
	api.OK(w, WalletMessageSigned{SignedMessageHash: req.Signature, Message: vw.Message, Address: req.Address,
		TimeStamp: now.UnixMilli(), IsVerified: true, VerifiedAddresses: []string{req.Address}})
	return nil
}

// ConnectWallet serves POST /link/api/wallet/connect: a browser wallet the user connected
// (eth_requestAccounts, or a Solana wallet's connect) becomes a connected account, the
// address as its account id, with access and refresh tokens like any connection. The
// address is what the wallet told the page: only a verification proves control of it.
func (f *Handler) ConnectWallet(w http.ResponseWriter, r *http.Request) error {
	wc, err := f.walletCall(w, r)
	if err != nil {
		return err
	}
	req, in, net, sess, opts := wc.req, wc.in, wc.net, wc.sess, wc.opts
	switch {
	case req.Signature != "":
		return problem.InvalidType.New("signature: not taken here (POST /link/api/wallet/verify)")
	case in.Type != "deFiWallet":
		return problem.IntegrationUnavailable.New("integrationId: %s connects with credentials", in.Name)
	case opts.VerifyWallet != nil:
		return problem.WrongStep.New("this session verifies a wallet: POST /link/api/wallet/verify")
	case opts.Transfer != nil && len(opts.Transfer.ToAddresses) > 0:
		return problem.IntegrationUnavailable.New("%s cannot send transfers through this linkd", in.Name)
	}
	now := f.Now()
	name := walletName(in, req.WalletName)
	acct := AccountInfo{AccountID: req.Address, AccountName: name + " " + shortAddress(req.Address)}
	access, _ := linktoken.NewSecret()
	refresh, _ := linktoken.NewSecret()
	access, refresh = "lkat_"+access, "lkrt_"+refresh
	base := store.AccessToken{ClientID: sess.ClientID, UserID: sess.UserID, IntegrationID: in.ID, BrokerType: in.Type,
		AccountID: acct.AccountID, AccountName: acct.AccountName, CreatedAt: now}
	at, rt := base, base
	at.Hash, at.Kind, at.ExpiresAt = linktoken.Hash(access), store.TokenAccess, now.Add(f.AccessTTL)
	rt.Hash, rt.Kind, rt.ExpiresAt = linktoken.Hash(refresh), store.TokenRefresh, now.Add(f.RefreshTTL)
	if err := f.Store.CreateAccessTokens(r.Context(), at, rt); err != nil {
		return err
	}
	payload := AccessTokenPayload{BrokerType: in.Type, BrokerName: name,
		ExpiresInSeconds: int(f.AccessTTL.Seconds()), RefreshTokenExpiresInSeconds: int(f.RefreshTTL.Seconds()),
		BrokerBrandInfo: f.brand(in), AccountTokens: []AccountToken{{Account: acct, AccessToken: access, RefreshToken: refresh}}}
	api.OK(w, map[string]any{"accessToken": payload, "networkId": net.ID})
	return nil
}

// shortAddress is an address as account names show it: its first 6 and last 4 characters.
func shortAddress(a string) string {
	if len(a) <= 12 {
		return a
	}
	return a[:6] + "…" + a[len(a)-4:]
}

// sameAddress compares addresses the way their network does: EVM addresses are
// case-insensitive hex (the checksum is only a typo guard), others are case-sensitive.
func sameAddress(networkType, a, b string) bool {
	if networkType == "evm" {
		return strings.EqualFold(a, b)
	}
	return a == b
}
