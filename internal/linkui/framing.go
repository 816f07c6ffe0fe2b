package linkui

// Diagnosis of the most common integration mistake: a page that opens the Link UI from an
// origin its client did not register. The browser then refuses to show the frame
// (Content-Security-Policy frame-ancestors, docs/threat-model.md U1), the user sees a
// blank frame, no message reaches the page, and the only trace was a 200 in the access
// log. The page request itself says what happened: browsers mark a frame's navigation
// with Sec-Fetch-Dest: iframe and send the embedding page's origin in Referer (the
// default policy, strict-origin-when-cross-origin, keeps the origin of a cross-origin
// referrer; the page's own Referrer-Policy applies to what it sends, not to this request).

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/ratelimit"
	"github.com/linkd-dev/linkd/internal/store"
)

// Framing warnings are logged once per minute per client, origin and kind of mistake, and
// at most framingWarnBurst a minute in all: the Referer is the requester's to choose, and
// the log must not be flooded by someone who varies it.
const (
	framingWarnEvery = time.Minute
	framingWarnBurst = 30
)

// framingWarnings decides which framing warnings are logged (see framingWarnEvery).
type framingWarnings struct {
	once sync.Once
	lim  *ratelimit.Keyed
}

func (w *framingWarnings) allow(key string, now time.Time) bool {
	w.once.Do(func() { w.lim = ratelimit.New() })
	perSecond := 1 / framingWarnEvery.Seconds()
	if ok, _ := w.lim.Allow("one:"+key, perSecond, 1, now); !ok {
		return false
	}
	ok, _ := w.lim.Allow("all", framingWarnBurst*perSecond, framingWarnBurst, now)
	return ok
}

// embeddingOrigin returns the origin of the page that frames request r, if r is a frame's
// navigation (Sec-Fetch-Dest: iframe or frame) and the origin can be told: from Referer,
// or, for a same-origin frame without one, linkd's own origin (self). origin is "" when
// the frame's parent is unknown (a page that sends no referrer).
func embeddingOrigin(r *http.Request, self string) (origin string, framed bool) {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "iframe", "frame":
	default:
		return "", false
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		if u, err := url.Parse(ref); err == nil {
			if o, ok := config.OriginOf(u); ok {
				return o, true
			}
		}
	}
	if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return self, true
	}
	return "", true
}

// diagnoseFraming logs a warning when the Link page is requested as a frame that the
// browser is about to refuse: the embedding origin is not one of the client's origins,
// the client is disabled, or the page is a payment page (never framed). Each warning
// names the client, the origin seen, the allowed origins and the command that fixes it.
// c is nil for an unknown client (nothing to say: the path is the requester's text).
func (h *Handler) diagnoseFraming(r *http.Request, kind string, c *store.Client) {
	if c == nil {
		return
	}
	origin, framed := embeddingOrigin(r, h.selfOrigin())
	if !framed {
		return
	}
	allowed := c.Origins
	if allowed == nil {
		allowed = []string{}
	}
	var mistake, msg, fix string
	switch {
	case kind == store.KindPay:
		mistake = "pay"
		msg = "a payment page was requested inside a frame: payment links open as a full page and no origin may frame them, so the browser shows a blank frame"
		fix = "open paymentLink as a page (a link, window.location or window.open); to embed Link, pass linkToken to the SDK's openLink"
	case !c.Enabled:
		mistake = "disabled"
		msg = "the Link UI of a disabled client was requested inside a frame: no origin may frame it, so the browser shows a blank frame"
		fix = "linkd client enable " + c.ID
	case origin == "" || slices.Contains(c.Origins, origin):
		return // allowed, or the parent cannot be told (no referrer): nothing to say
	default:
		mistake = "origin"
		msg = "the Link UI was requested inside a frame on an origin its client did not register: the browser refuses to show it " +
			"(a blank frame, Content-Security-Policy frame-ancestors) and the page's SDK gets no callback"
		// update --origin replaces the list: name the origins kept as well as the new one.
		fix = "linkd client update " + c.ID + " --origin " + strings.Join(append(slices.Clone(c.Origins), origin), " --origin ")
	}
	if !h.framing.allow(c.ID+" "+mistake+" "+origin, h.now()) {
		return
	}
	h.logger().LogAttrs(r.Context(), slog.LevelWarn, msg,
		slog.String("clientId", c.ID), slog.String("origin", origin), slog.Any("allowedOrigins", allowed),
		slog.String("page", r.URL.Path), slog.String("fix", fix))
}

// selfOrigin is the origin of linkd's public URL (the origin of a same-origin frame).
func (h *Handler) selfOrigin() string {
	u, err := url.Parse(h.PublicURL)
	if err != nil {
		return ""
	}
	o, _ := config.OriginOf(u)
	return o
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
