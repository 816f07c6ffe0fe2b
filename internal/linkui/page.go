package linkui

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/internal/store"
)

// web holds the Link UI: plain HTML, CSS and JavaScript modules, no build step and no
// third-party host (linkd runs from `go run` on a machine with no network).
//
//go:embed web
var web embed.FS

var (
	serveAsset = api.Assets(web, "web")
	pageTmpl   = template.Must(template.ParseFS(web, "web/index.html"))
)

// pageConfig is handed to the page's script in a JSON block (not executable, so the CSP
// allows it): where the API and assets are, which kind of page this is, and the origins
// the page may talk to before it has redeemed its code (they are public: the CSP header
// names them too).
type pageConfig struct {
	Kind      string   `json:"kind"`
	ClientID  string   `json:"clientId"`
	Origins   []string `json:"origins"`
	APIBase   string   `json:"apiBase"`
	AssetBase string   `json:"assetBase"`
}

// basePath is the path prefix of the public URL ("" or "/linkd").
func (h *Handler) basePath() string { return config.BasePath(h.PublicURL) }

// Page serves GET /link/{clientId} and GET /pay/{clientId}: the Link UI shell. Loading it
// consumes nothing; its script redeems the code from the URL fragment.
//
// Headers (docs/threat-model.md U1, U4): frame-ancestors lists the client's registered origins (a
// payment page, opened as a full page, may not be framed at all), sent as a header and
// without X-Frame-Options; the page loads only its own scripts and styles; no referrer
// leaves it (the URL is a capability: W3C TAG, RFC 9700 §4.2); nothing is cached.
func (h *Handler) Page(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		clientID := strings.ToLower(r.PathValue("clientId"))
		var origins []string
		var client *store.Client
		if !linktoken.IsUUID(clientID) {
			clientID = "" // never reflect arbitrary path text into the page
		} else if c, err := h.Auth.Client(r.Context(), clientID); err == nil {
			client = c
			if c.Enabled {
				origins = c.Origins
			}
		}
		h.diagnoseFraming(r, kind, client)
		if origins == nil {
			origins = []string{}
		}
		ancestors := "'none'"
		if kind == store.KindLink && len(origins) > 0 {
			ancestors = strings.Join(origins, " ")
		}
		base := h.basePath()
		cfg := pageConfig{Kind: kind, ClientID: clientID, Origins: origins, APIBase: base + "/link/api/", AssetBase: base + "/link/assets/"}
		cfgJSON, _ := json.Marshal(cfg, jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true))
		var buf bytes.Buffer
		if err := pageTmpl.Execute(&buf, map[string]any{"Config": template.JS(cfgJSON), "AssetBase": cfg.AssetBase, "Kind": kind}); err != nil {
			api.WriteError(w, r, &api.Bug{Err: err})
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "+ancestors)
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin-allow-popups")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		w.Write(buf.Bytes())
	}
}

// Comlink is the vendored Comlink module (web/vendor/comlink.js), which linkd's web SDK
// imports too (/sdk/comlink.js): one copy for both sides of the wallet bridge.
func Comlink() []byte {
	b, err := web.ReadFile("web/vendor/comlink.js")
	if err != nil {
		panic(err)
	}
	return b
}

// Asset serves GET /link/assets/{path...}: the page's scripts, styles and images.
func (h *Handler) Asset(w http.ResponseWriter, r *http.Request) error { return serveAsset(w, r) }
