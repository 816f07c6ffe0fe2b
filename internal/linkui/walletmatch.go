// How the Link UI recognises the catalog's wallets among those a browser announces.

package linkui

// walletIdentity is how a catalog wallet (a deFiWallet entry, by its
// deFiWalletProviderId) announces itself in a browser: its EIP-6963 reverse-DNS id
// (info.rdns: stable across pages, unlike info.uuid) for EVM, and its Wallet Standard
// name for Solana. A wallet found in the browser that matches neither is shown under its
// announced name, as the generic wallet entry.
type walletIdentity struct {
	RDNS  []string
	Names []string
}

// walletIdentities are the catalog wallets' identities, by deFiWalletProviderId.
var walletIdentities = map[string]walletIdentity{
	"metaMask":       {RDNS: []string{"io.metamask", "io.metamask.flask"}, Names: []string{"MetaMask"}},
	"phantom":        {RDNS: []string{"app.phantom"}, Names: []string{"Phantom"}},
	"trustWallet":    {RDNS: []string{"com.trustwallet.app"}, Names: []string{"Trust", "Trust Wallet"}},
	"coinbaseWallet": {RDNS: []string{"com.coinbase.wallet"}, Names: []string{"Coinbase Wallet"}},
	"rainbow":        {RDNS: []string{"me.rainbow"}, Names: []string{"Rainbow"}},
	"exodus":         {RDNS: []string{"com.exodus.web3-wallet"}, Names: []string{"Exodus"}},
}
