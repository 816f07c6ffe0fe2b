// Package clientip finds the address of the client behind a request: the TCP peer, or,
// when the peer is a reverse proxy the operator trusts (--trusted-proxies), the address
// that proxy reports in Forwarded (RFC 7239) or X-Forwarded-For.
//
// It exists because linkd usually sits behind a proxy, and every per-address decision
// (the limit on failed authentications, docs/threat-model.md A2, R1) and the access log
// would otherwise see one address, the proxy's, for every client: ten wrong secrets from
// anyone would lock everyone out. The forwarding headers are client-controlled text, so
// they are read only from a trusted peer, and only from the right: each proxy appends the
// address it received the request from, so the right-most address that is not one of the
// operator's proxies is the first one no trusted party could have been lied to about
// (trust boundary 5 in docs/threat-model.md).
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of reverse proxies whose forwarding headers are believed. The zero
// value (and nil) trusts nobody: the client is always the TCP peer.
type Trusted struct {
	prefixes []netip.Prefix
}

// Parse reads a list of trusted proxies: CIDR prefixes ("10.0.0.0/8", "fd00::/8") and
// bare addresses ("127.0.0.1", "::1"), separated by commas and/or spaces. An empty list
// trusts nobody. The error names the entry that is wrong.
func Parse(list string) (*Trusted, error) {
	t := &Trusted{}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix like 10.0.0.0/8 or fd00::/8", f)
			}
			if p.Addr().Is4In6() {
				// ::ffff:10.0.0.0/104 is 10.0.0.0/8: requests arrive unmapped.
				if p.Bits() < 96 {
					return nil, fmt.Errorf("%q: an IPv4-mapped prefix needs at least 96 bits", f)
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			t.prefixes = append(t.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix (like 127.0.0.1 or 10.0.0.0/8)", f)
		}
		a = a.Unmap().WithZone("")
		t.prefixes = append(t.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return t, nil
}

// Empty reports whether t trusts nobody.
func (t *Trusted) Empty() bool { return t == nil || len(t.prefixes) == 0 }

// String lists the trusted prefixes, as Parse accepts them.
func (t *Trusted) String() string {
	if t.Empty() {
		return ""
	}
	s := make([]string, len(t.prefixes))
	for i, p := range t.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Contains reports whether a is one of the trusted proxies.
func (t *Trusted) Contains(a netip.Addr) bool {
	if t.Empty() || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Peer is the address of r's TCP peer (RemoteAddr without its port), as text.
func Peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Result is where a request's client address came from.
type Result struct {
	// Client is the client's address (or, when a trusted proxy reports an obfuscated
	// identifier, RFC 7239 §6.3, that identifier): the key of per-address limits and the
	// address the access log shows.
	Client string
	// Header is the header it was read from ("Forwarded", "X-Forwarded-For"), or "" when
	// it is the peer itself.
	Header string
	// Ignored is the forwarding header a request carried that was not believed because
	// its peer is not trusted ("" if none): for the hint that --trusted-proxies is unset.
	Ignored string
}

// Client returns the address of the client behind r. When the peer is not trusted (or
// nobody is), it is the peer and the forwarding headers are ignored. When the peer is a
// trusted proxy, the hops of Forwarded (or, if there is none, of X-Forwarded-For) are
// walked from the right, skipping trusted proxies; the first hop that is not trusted is
// the client. If every hop is trusted, the left-most is. A hop that is "unknown" or not an
// address at all ends the walk at the proxy that reported it: nothing to the left of a
// hop that cannot be checked is believed. When both headers are present and name
// different clients, neither is believed and the peer is the client: a proxy writes one
// of them, and a client may have written the other.
func (t *Trusted) Client(r *http.Request) Result {
	peer := Peer(r)
	fwd, xff := r.Header.Values("Forwarded"), r.Header.Values("X-Forwarded-For")
	peerAddr, err := parseAddr(peer)
	if err != nil || !t.Contains(peerAddr) {
		res := Result{Client: peer}
		switch {
		case len(fwd) > 0:
			res.Ignored = "Forwarded"
		case len(xff) > 0:
			res.Ignored = "X-Forwarded-For"
		}
		return res
	}
	switch {
	case len(fwd) > 0 && len(xff) > 0:
		a, b := t.walk(peerAddr.String(), forwardedHops(fwd)), t.walk(peerAddr.String(), listHops(xff))
		if a != b {
			return Result{Client: peerAddr.String()}
		}
		return Result{Client: a, Header: "Forwarded"}
	case len(fwd) > 0:
		return t.result(t.walk(peerAddr.String(), forwardedHops(fwd)), peerAddr, "Forwarded")
	case len(xff) > 0:
		return t.result(t.walk(peerAddr.String(), listHops(xff)), peerAddr, "X-Forwarded-For")
	}
	return Result{Client: peerAddr.String()}
}

func (t *Trusted) result(client string, peer netip.Addr, header string) Result {
	if client == peer.String() {
		header = ""
	}
	return Result{Client: client, Header: header}
}

// walk returns the client among hops (left to right, as the headers list them) when the
// request reached linkd from the trusted proxy peer.
func (t *Trusted) walk(peer string, hops []string) string {
	reporter := peer // the trusted proxy that reported the hop being looked at
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		if name, ok := obfuscated(h); ok {
			// RFC 7239 §6.3: a proxy's stand-in for an address it keeps to itself; as
			// good as an address for telling clients apart (the port is not part of it).
			return name
		}
		a, err := parseAddr(h)
		if err != nil {
			return reporter // "unknown", an empty hop or garbage: stop at who said it
		}
		if !t.Contains(a) {
			return a.String()
		}
		reporter = a.String()
	}
	return reporter // every hop is a trusted proxy: the left-most one is the client
}

// parseAddr reads a hop's address: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
// "[2001:db8::1]", "[2001:db8::1]:4711". IPv4-mapped addresses are unmapped and zones
// dropped, so that one client has one key.
func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), nil
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a.Unmap().WithZone(""), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("not an address: %q", s)
}

// obfuscated returns the node name of a Forwarded node that is an obfuscated identifier
// (RFC 7239 §6.3: "_" followed by ALPHA, DIGIT, ".", "_" or "-"), with or without a port.
func obfuscated(node string) (string, bool) {
	name, _, _ := strings.Cut(node, ":")
	if len(name) < 2 || name[0] != '_' || len(name) > 64 {
		return "", false
	}
	for _, c := range []byte(name[1:]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", false
		}
	}
	return name, true
}

// listHops splits X-Forwarded-For values (one or several header lines, each a
// comma-separated list) into hops, left to right.
func listHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// forwardedHops returns the for= node of each element of Forwarded values (RFC 7239 §4:
// elements separated by commas, pairs by semicolons, values a token or a quoted string),
// left to right. An element without for= is a hop whose client is unknown ("").
func forwardedHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, el := range splitQuoted(v, ',') {
			node := ""
			for _, pair := range splitQuoted(el, ';') {
				name, value, ok := strings.Cut(pair, "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "for") {
					node = unquote(strings.TrimSpace(value))
				}
			}
			hops = append(hops, node)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside quoted strings and trims the parts.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++ // the escaped character, whatever it is
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// unquote returns a Forwarded value without its quotes and escapes (RFC 9110 §5.6.4).
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
