package clientip

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, list string
		want       string // String() of the result
		err        string // part of the error, "" for none
	}{
		{name: "empty", list: "", want: ""},
		{name: "blank", list: " , ", want: ""},
		{name: "bare IPv4", list: "127.0.0.1", want: "127.0.0.1/32"},
		{name: "bare IPv6", list: "::1", want: "::1/128"},
		{name: "IPv6 with a zone", list: "fe80::1%eth0", want: "fe80::1/128"},
		{name: "IPv4-mapped address", list: "::ffff:10.1.2.3", want: "10.1.2.3/32"},
		{name: "prefixes masked", list: "10.1.2.3/8, fd00::1/8", want: "10.0.0.0/8,fd00::/8"},
		{name: "IPv4-mapped prefix", list: "::ffff:10.0.0.0/104", want: "10.0.0.0/8"},
		{name: "spaces and commas", list: "10.0.0.0/8 192.168.0.0/16,,172.16.0.0/12", want: "10.0.0.0/8,192.168.0.0/16,172.16.0.0/12"},
		{name: "octet out of range", list: "10.0.0.300", err: `"10.0.0.300" is not an IP address or CIDR prefix`},
		{name: "host name", list: "proxy.internal", err: `"proxy.internal" is not an IP address`},
		{name: "bad prefix length", list: "10.0.0.0/33", err: `"10.0.0.0/33" is not a CIDR prefix`},
		{name: "second entry bad", list: "10.0.0.0/8,nope", err: `"nope"`},
		{name: "short IPv4-mapped prefix", list: "::ffff:0:0/64", err: "at least 96 bits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.list)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Parse(%q) error %v, want one containing %q", tc.list, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.list, err)
			}
			if got.String() != tc.want {
				t.Errorf("Parse(%q) = %q, want %q", tc.list, got.String(), tc.want)
			}
		})
	}
}

func TestContains(t *testing.T) {
	tr, err := Parse("10.0.0.0/8, 2001:db8::/32, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.9.8.7": true, "11.0.0.1": false, "127.0.0.1": true, "127.0.0.2": false,
		"::ffff:10.1.1.1": true, "2001:db8::5": true, "2001:db9::5": false, "fe80::1%eth0": false,
	} {
		if got := tr.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", addr, got, want)
		}
	}
	var none *Trusted
	if none.Contains(netip.MustParseAddr("127.0.0.1")) || !none.Empty() {
		t.Error("a nil Trusted trusts someone")
	}
}

// TestClient: who the client is, for requests from trusted and untrusted peers with every
// kind of forwarding header, including spoofing attempts and garbage.
func TestClient(t *testing.T) {
	trusted, err := Parse("127.0.0.1, 10.0.0.0/8, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		trusted *Trusted
		peer    string
		fwd     []string // Forwarded lines
		xff     []string // X-Forwarded-For lines
		want    string
		header  string
		ignored string
	}{
		// Nobody trusted: the peer, whatever the headers say.
		{name: "no proxies configured", trusted: &Trusted{}, peer: "127.0.0.1:5000", want: "127.0.0.1"},
		{name: "no proxies configured, XFF ignored", trusted: &Trusted{}, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7"},
			want: "127.0.0.1", ignored: "X-Forwarded-For"},
		{name: "no proxies configured, Forwarded ignored", trusted: nil, peer: "127.0.0.1:5000", fwd: []string{"for=198.51.100.7"},
			want: "127.0.0.1", ignored: "Forwarded"},

		// Spoofing: an untrusted peer's headers are never believed.
		{name: "spoof from untrusted peer (XFF)", trusted: trusted, peer: "203.0.113.9:4444", xff: []string{"198.51.100.7"},
			want: "203.0.113.9", ignored: "X-Forwarded-For"},
		{name: "spoof from untrusted peer (Forwarded)", trusted: trusted, peer: "203.0.113.9:4444", fwd: []string{"for=10.0.0.1"},
			want: "203.0.113.9", ignored: "Forwarded"},
		{name: "spoofed trusted address on the left", trusted: trusted, peer: "10.0.0.2:80", xff: []string{"10.0.0.99, 198.51.100.7"},
			want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "spoofed client address on the left", trusted: trusted, peer: "10.0.0.2:80", xff: []string{"192.0.2.1, 198.51.100.7"},
			want: "198.51.100.7", header: "X-Forwarded-For"},

		// Trusted peer, X-Forwarded-For.
		{name: "one proxy", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7"}, want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "two trusted proxies", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7, 10.1.1.1"},
			want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "several header lines", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"192.0.2.50", "198.51.100.7, 10.1.1.1"},
			want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "every hop trusted", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"10.3.3.3, 10.1.1.1"}, want: "10.3.3.3", header: "X-Forwarded-For"},
		{name: "XFF with a port", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7:61000"}, want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "XFF IPv6", trusted: trusted, peer: "[fd00::1]:5000", xff: []string{"2001:db8::7"}, want: "2001:db8::7", header: "X-Forwarded-For"},
		{name: "XFF bracketed IPv6 with port", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"[2001:db8::7]:443"}, want: "2001:db8::7", header: "X-Forwarded-For"},
		{name: "XFF IPv4-mapped", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"::ffff:198.51.100.7"}, want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "peer IPv4-mapped", trusted: trusted, peer: "[::ffff:127.0.0.1]:5000", xff: []string{"198.51.100.7"}, want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "XFF garbage", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"<script>"}, want: "127.0.0.1"},
		{name: "XFF garbage behind a trusted hop", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7, nonsense, 10.1.1.1"}, want: "10.1.1.1", header: "X-Forwarded-For"},
		{name: "XFF empty element", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{"198.51.100.7, "}, want: "127.0.0.1"},
		{name: "XFF empty value", trusted: trusted, peer: "127.0.0.1:5000", xff: []string{""}, want: "127.0.0.1"},

		// Trusted peer, Forwarded (RFC 7239).
		{name: "Forwarded for", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=198.51.100.7;proto=https;by=10.0.0.1"},
			want: "198.51.100.7", header: "Forwarded"},
		{name: "Forwarded case-insensitive name", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"For=198.51.100.7"},
			want: "198.51.100.7", header: "Forwarded"},
		{name: "Forwarded quoted IPv6 with port", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`for="[2001:db8:cafe::17]:4711"`},
			want: "2001:db8:cafe::17", header: "Forwarded"},
		{name: "Forwarded quoted IPv4 with port", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`for="198.51.100.7:4711"`},
			want: "198.51.100.7", header: "Forwarded"},
		{name: "Forwarded several elements", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=192.0.2.43, for=198.51.100.17;by=10.0.0.5, for=10.0.0.5"},
			want: "198.51.100.17", header: "Forwarded"},
		{name: "Forwarded several lines", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=192.0.2.43", "for=198.51.100.17"},
			want: "198.51.100.17", header: "Forwarded"},
		{name: "Forwarded quoted comma and semicolon", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`for=198.51.100.17;host="a,b;c", for=10.0.0.5`},
			want: "198.51.100.17", header: "Forwarded"},
		{name: "Forwarded escaped quote", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`by="x\"y", for=198.51.100.17`},
			want: "198.51.100.17", header: "Forwarded"},
		{name: "Forwarded unknown", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=unknown"}, want: "127.0.0.1"},
		{name: "Forwarded unknown behind a trusted hop", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=198.51.100.7, for=unknown, for=10.2.2.2"},
			want: "10.2.2.2", header: "Forwarded"},
		{name: "Forwarded obfuscated", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=_hidden-7;by=_proxy"}, want: "_hidden-7", header: "Forwarded"},
		{name: "Forwarded obfuscated with port", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`for="_gazonk:_p8"`}, want: "_gazonk", header: "Forwarded"},
		{name: "Forwarded element without for", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"proto=https"}, want: "127.0.0.1"},
		{name: "Forwarded garbage", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{`for="[not-an-address]"`}, want: "127.0.0.1"},

		// Both headers.
		{name: "both agree", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=198.51.100.7"}, xff: []string{"198.51.100.7"},
			want: "198.51.100.7", header: "Forwarded"},
		{name: "both disagree: a client wrote one", trusted: trusted, peer: "127.0.0.1:5000", fwd: []string{"for=192.0.2.1"}, xff: []string{"198.51.100.7"},
			want: "127.0.0.1"},

		// Odd peers.
		{name: "peer without port", trusted: trusted, peer: "127.0.0.1", xff: []string{"198.51.100.7"}, want: "198.51.100.7", header: "X-Forwarded-For"},
		{name: "peer not an address", trusted: trusted, peer: "@", xff: []string{"198.51.100.7"}, want: "@", ignored: "X-Forwarded-For"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "http://linkd.test/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.fwd {
				r.Header.Add("Forwarded", v)
			}
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got := tc.trusted.Client(r)
			want := Result{Client: tc.want, Header: tc.header, Ignored: tc.ignored}
			if got != want {
				t.Errorf("Client = %+v, want %+v", got, want)
			}
		})
	}
}
