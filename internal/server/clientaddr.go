package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/linkd-dev/linkd/internal/clientip"
)

// proxyHintEvery is how often the log repeats, per proxy address, that a proxy's
// forwarding headers are being ignored.
const proxyHintEvery = time.Hour

// clientIP resolves the address of the client behind r once per request, for the limit
// on failed authentications and the access log (docs/threat-model.md A2, trust boundary
// 5): the TCP peer, or what a trusted proxy (Options.TrustedProxies) reports.
//
// A request that carries a forwarding header from a peer linkd does not trust is answered
// as usual (the header is ignored), and the log says once an hour per peer that a
// reverse proxy is probably in front of linkd without --trusted-proxies: the mistake that
// makes every client share one budget of failed authentications. Only loopback and
// private peers get the hint: anyone on the internet can send the header, and the hint
// must not invite an operator to trust an arbitrary address.
func (s *Server) clientIP(r *http.Request) string {
	if s.opts.TrustedProxies.Empty() && r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == "" {
		return clientip.Peer(r) // the usual case without a proxy: no parsing at all
	}
	res := s.opts.TrustedProxies.Client(r)
	if res.Ignored != "" {
		s.proxyHint(res)
	}
	return res.Client
}

// proxyHint logs, at most once per proxyHintEvery and peer, that a likely proxy's
// forwarding header was ignored, and the setting that makes linkd believe it.
func (s *Server) proxyHint(res clientip.Result) {
	peer, err := netip.ParseAddr(res.Client)
	if err != nil || !(peer.IsLoopback() || peer.IsPrivate()) {
		return
	}
	if ok, _ := s.hints.Allow("proxy:"+res.Client, 1/proxyHintEvery.Seconds(), 1, s.opts.Now()); !ok {
		return
	}
	trusted, list := "not set", res.Client
	if !s.opts.TrustedProxies.Empty() {
		trusted = s.opts.TrustedProxies.String()
		list = trusted + "," + res.Client
	}
	s.log.Warn("a request from "+res.Client+" carried "+res.Ignored+", which linkd ignores because "+res.Client+
		" is not a trusted proxy: every client behind that proxy shares its address for the limit on failed authentications and in the access log",
		slog.String("peer", res.Client), slog.String("header", res.Ignored), slog.String("trustedProxies", trusted),
		slog.String("fix", "if "+res.Client+" is your reverse proxy: linkd serve --trusted-proxies "+list+" (LINKD_TRUSTED_PROXIES)"))
}
