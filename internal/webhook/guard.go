package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// refusedPrefixes are the address blocks a delivery never connects to (unless private
// addresses are allowed) besides what netip classifies (loopback, RFC 1918 and RFC 4193
// private, link-local, multicast, unspecified): the special-purpose blocks of RFC 6890
// that reach the host itself, its provider's network, or nothing routable.
var refusedPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address (RFC 1122)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address (RFC 6598)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address (RFC 6890)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address (RFC 2544)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved or broadcast address (RFC 1112)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address, which maps onto IPv4 (RFC 6052)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address (RFC 8215)"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address, which embeds an IPv4 address (RFC 3056)"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address (RFC 6666)"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address (RFC 3849)"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address (RFC 3879)"},
}

// RefusedReason returns why a delivery must not connect to ip ("" if it may): the
// address is loopback, private, link-local, unspecified, multicast, shared (CGNAT) or of
// another special-purpose block. A webhook URL is chosen by a client, and a delivery is a
// request that linkd makes from inside its own network: without this rule a client could
// make linkd call its database, its cloud's metadata service or an admin page (server-side
// request forgery, OWASP API7:2023; docs/threat-model.md H1).
func RefusedReason(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified():
		return "the unspecified address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range refusedPrefixes {
		if p.prefix.Contains(ip) {
			return p.reason
		}
	}
	return ""
}

// RefusedError is the error of a connection the guard refused: the delivery is recorded
// with outcome "refused" and the reason, never sent.
type RefusedError struct {
	Addr   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is %s; linkd serve delivers there only with --webhook-allow-private", e.Addr, e.Reason)
}

// control is a net.Dialer's Control function that refuses to connect to the addresses of
// RefusedReason. It runs at connect time, on the address actually dialled, after name
// resolution, so that a host name that resolves to a public address when the webhook is
// added and to a private one later (DNS rebinding) is still refused.
func control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address, Reason: "not an IP address and port"}
	}
	if reason := RefusedReason(ap.Addr()); reason != "" {
		return &RefusedError{Addr: ap.Addr().String(), Reason: reason}
	}
	return nil
}

// CheckURL checks a webhook URL as given to `linkd client webhook add`: absolute http or
// https, a host, no credentials, no fragment (at most 2048 bytes). It returns the URL as
// it will be stored.
func CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case len(raw) > 2048:
		return "", errors.New("longer than 2048 bytes")
	case err != nil:
		return "", fmt.Errorf("not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("must be an http or https URL")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("has no host")
	case u.User != nil:
		return "", errors.New("must not carry credentials (user:password@)")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", errors.New("must not have a fragment")
	}
	return u.String(), nil
}

// PrivateReason resolves the host of a checked webhook URL and returns why linkd serve
// would refuse to deliver there ("" if every address it resolves to is public, or if it
// does not resolve now). It is advice for `linkd client webhook add`; the rule itself is
// applied when a delivery connects.
func PrivateReason(ctx context.Context, resolver *net.Resolver, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if r := RefusedReason(ip); r != "" {
			return ip.String() + " is " + r
		}
		return ""
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return ""
	}
	for _, ip := range ips {
		if r := RefusedReason(ip); r != "" {
			return host + " resolves to " + ip.Unmap().String() + ", " + r
		}
	}
	return ""
}
