// The Link UI's catalog screen: the integrations a session may choose from.

package linkui

import (
	"net/http"
	"slices"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/linktoken"
)

// IntegrationView is an integration as the Link UI's catalog shows it.
type IntegrationView struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	Type                     string   `json:"type"`
	Categories               []string `json:"categories"`
	DeFiWalletProviderID     string   `json:"deFiWalletProviderId,omitempty"`
	LogoLightURL             string   `json:"logoLightUrl"`
	LogoDarkURL              string   `json:"logoDarkUrl"`
	Auth                     string   `json:"auth"`
	APIKey                   bool     `json:"apiKey"`
	CryptoTransfersSupported bool     `json:"cryptoTransfersSupported"`
	// Available is false for institutions linkd cannot reach.
	Available bool `json:"available"`
	// Signer: the integration can sign messages (wallet verification).
	Signer bool `json:"signer"`
	// WalletAddresses are a signer's own addresses by network type.
	WalletAddresses map[string]string `json:"walletAddresses,omitzero"`
	// WalletRDNS and WalletNames identify a catalog wallet among those the browser
	// announces (EIP-6963 rdns, Wallet Standard name: walletmatch.go).
	WalletRDNS  []string `json:"walletRdns,omitempty"`
	WalletNames []string `json:"walletNames,omitempty"`
}

func (f *Handler) view(in catalog.Integration, o linktoken.Options) IntegrationView {
	s, signer := f.Connectors.Signer(in.Type)
	var own map[string]string
	if signer {
		own = map[string]string{}
		for _, n := range f.Catalog.Networks() {
			if a := s.Addresses(n.NetworkType); len(a) > 0 {
				own[n.NetworkType] = a[0]
			}
		}
	}
	id := walletIdentities[in.DeFiWalletProviderID]
	return IntegrationView{WalletAddresses: own, WalletRDNS: id.RDNS, WalletNames: id.Names,
		ID: in.ID, Name: in.Name, Type: in.Type, Categories: in.Categories, DeFiWalletProviderID: in.DeFiWalletProviderID,
		LogoLightURL: catalog.LogoURL(f.PublicURL, in.Slug+".svg"), LogoDarkURL: catalog.LogoURL(f.PublicURL, in.Slug+"-dark.svg"),
		Auth: in.Auth, APIKey: in.APIKeySupported && !o.DisableAPIKeyGeneration, CryptoTransfersSupported: in.CryptoTransfersSupported,
		Available: f.Connectors.Available(in.Type), Signer: signer,
	}
}

// Integrations serves GET /link/api/integrations: the catalog screen's list, filtered by
// the client's jurisdiction, the reachable ones first.
func (f *Handler) Integrations(w http.ResponseWriter, r *http.Request) error {
	_, opts, c, err := f.sessionClient(r)
	if err != nil {
		return err
	}
	items := []IntegrationView{}
	for _, in := range f.Catalog.Integrations() {
		if in.Hidden || !in.AvailableIn(c.Jurisdiction) {
			continue
		}
		items = append(items, f.view(in, opts))
	}
	slices.SortStableFunc(items, func(a, b IntegrationView) int {
		switch {
		case a.Available == b.Available:
			return 0
		case a.Available:
			return -1
		}
		return 1
	})
	api.OK(w, map[string]any{"items": items})
	return nil
}
