package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/linkui"
	"github.com/linkd-dev/linkd/internal/openapi"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/sdk"
	"github.com/linkd-dev/linkd/internal/store"
)

// route is one line of the route table.
type route struct {
	name    string // metrics label
	method  string
	pattern string
	handler http.Handler
}

// routes is linkd's one route table: every endpoint it serves is listed here.
func (s *Server) routes() []route {
	a, ui := s.api, s.linkUI
	table := []route{
		// Mesh-compatible API (server to server; X-Client-Id / X-Client-Secret).
		{"linktoken", "POST", "/api/v1/linktoken", api.HandlerFunc(a.CreateLinkToken)},
		{"integrations", "GET", "/api/v1/integrations", api.HandlerFunc(a.Integrations)},
		{"networks", "GET", "/api/v1/transfers/managed/networks", api.HandlerFunc(a.Networks)},
		{"balance", "POST", "/api/v1/balance/get", api.HandlerFunc(a.Balance)},
		{"holdings", "POST", "/api/v1/holdings/get", api.HandlerFunc(a.Holdings)},
		{"token_refresh", "POST", "/api/v1/token/refresh", api.HandlerFunc(a.RefreshToken)},
		{"account_delete", "DELETE", "/api/v1/account", api.HandlerFunc(a.Disconnect)},
		{"transfers", "GET", "/api/v1/transfers/managed/mesh", api.HandlerFunc(a.Transfers)},
		{"wallets_verify", "GET", "/api/v1/wallets/verify", api.HandlerFunc(a.WalletVerifications)},

		// Link UI pages (what a link token's URL opens) and their assets.
		{"link_page", "GET", "/link/{clientId}", ui.Page(store.KindLink)},
		{"pay_page", "GET", "/pay/{clientId}", ui.Page(store.KindPay)},
		{"link_asset", "GET", "/link/assets/{path...}", api.HandlerFunc(ui.Asset)},

		// Link UI API (called by the Link UI's own script; session bearer credential;
		// state-changing calls refuse other origins).
		{"link_redeem", "POST", "/link/api/sessions", api.SameOrigin(api.HandlerFunc(ui.Redeem))},
		{"link_session", "GET", "/link/api/session", api.HandlerFunc(ui.Session)},
		{"link_integrations", "GET", "/link/api/integrations", api.HandlerFunc(ui.Integrations)},
		{"link_connect", "POST", "/link/api/connections", api.SameOrigin(api.HandlerFunc(ui.Connect))},
		{"link_mfa", "POST", "/link/api/connections/{id}/mfa", api.SameOrigin(api.HandlerFunc(ui.MFA))},
		{"link_accounts", "POST", "/link/api/connections/{id}/accounts", api.SameOrigin(api.HandlerFunc(ui.SelectAccounts))},
		{"link_transfer_options", "GET", "/link/api/transfers/options", api.HandlerFunc(ui.TransferOptions)},
		{"link_transfer_preview", "POST", "/link/api/transfers", api.SameOrigin(api.HandlerFunc(ui.PreviewTransfer))},
		{"link_transfer_execute", "POST", "/link/api/transfers/{id}/execute", api.SameOrigin(api.HandlerFunc(ui.ExecuteTransfer))},
		{"link_wallet_verify", "POST", "/link/api/wallet/verify", api.SameOrigin(api.HandlerFunc(ui.VerifyWallet))},
		{"link_wallet_sign", "POST", "/link/api/wallet/sign", api.SameOrigin(api.HandlerFunc(ui.SignWallet))},
		{"link_wallet_connect", "POST", "/link/api/wallet/connect", api.SameOrigin(api.HandlerFunc(ui.ConnectWallet))},

		// Static assets.
		{"logo", "GET", "/static/logos/{name}", api.HandlerFunc(s.logo)},

		// Web SDK: the script host pages import (same API as @meshconnect/web-link-sdk).
		{"sdk_script", "GET", "/sdk/link.js", sdk.Handler("link.js")},
		{"sdk_types", "GET", "/sdk/link.d.ts", sdk.Handler("link.d.ts")},
		{"sdk_comlink", "GET", "/sdk/comlink.js", sdk.Module("comlink.js", linkui.Comlink())},

		// Operations.
		{"healthz", "GET", "/healthz", http.HandlerFunc(s.healthz)},
		{"readyz", "GET", "/readyz", http.HandlerFunc(s.readyz)},
		{"metrics", "GET", "/metrics", s.metricsHandler()},
		{"openapi", "GET", "/openapi.json", openapi.Handler()},
	}
	for _, e := range s.opts.Extra {
		table = append(table, route{e.Name, e.Method, e.Pattern, e.Handler})
	}
	return table
}

// mux builds the ServeMux of the route table. Every path also answers other methods with
// 405 and an Allow header, and unknown paths with 404, both in the envelope.
func (s *Server) mux() (*http.ServeMux, map[string]string) {
	m := http.NewServeMux()
	names := map[string]string{}
	methods := map[string][]string{}
	var order []string
	for _, rt := range s.routes() {
		if rt.handler == nil {
			continue
		}
		h := rt.handler
		if !exemptFromAdmission[rt.name] {
			h = s.admission.admit(h)
		}
		m.Handle(rt.method+" "+rt.pattern, h)
		names[rt.method+" "+rt.pattern] = rt.name
		if _, seen := methods[rt.pattern]; !seen {
			order = append(order, rt.pattern)
		}
		methods[rt.pattern] = append(methods[rt.pattern], rt.method)
		if rt.method == "GET" {
			methods[rt.pattern] = append(methods[rt.pattern], "HEAD")
		}
	}
	for _, p := range order {
		allowed := methods[p]
		slices.Sort(allowed)
		allow := strings.Join(allowed, ", ")
		m.Handle(p, api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return &problem.Error{Type: problem.MethodNotAllowed, Allow: allow,
				Message: r.Method + " " + r.URL.Path + ": method not allowed; allowed: " + allow}
		}))
	}
	m.Handle("/", api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return problem.RouteNotFound.New("%s: no such endpoint", r.URL.Path)
	}))
	return m, names
}
