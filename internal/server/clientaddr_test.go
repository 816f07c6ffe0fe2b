package server_test

import (
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
)

// TestTrustedProxies: behind a trusted reverse proxy (the test's requests come from
// 127.0.0.1, the "proxy", with the client in a forwarding header), the limit on failed
// authentications counts each forwarded client on its own, so one client's wrong secrets
// do not lock out another; from a peer that is not trusted the headers change nothing, so
// they cannot be used to dodge the limit or to lock out someone else
// (docs/threat-model.md A2, trust boundary 5).
func TestTrustedProxies(t *testing.T) {
	const a, b = "198.51.100.1", "198.51.100.2"
	type step struct {
		header, value string // forwarding header of the request
		good          bool   // right secret
		status        int
	}
	fails := func(header, value string) []step {
		return []step{{header, value, false, 401}, {header, value, false, 401}, {header, value, false, 401}}
	}
	cases := []struct {
		name    string
		trusted string
		steps   []step
		logHas  []string
		hints   int // how many times the log says a forwarding header was ignored
	}{
		{
			name: "trusted proxy, X-Forwarded-For: A's failures do not lock out B", trusted: "127.0.0.1/32",
			steps: append(fails("X-Forwarded-For", a),
				step{"X-Forwarded-For", a, true, 429},
				step{"X-Forwarded-For", b, true, 200},
				step{"X-Forwarded-For", "203.0.113.50, " + b, true, 200}, // a spoofed hop left of B changes nothing
				step{"", "", true, 200},                                  // the proxy's own requests are a client of their own
			),
			logHas: []string{`"clientIp":"` + a + `"`, `"clientIp":"` + b + `"`},
		},
		{
			name: "trusted proxy, Forwarded with a quoted IPv6 client", trusted: "127.0.0.0/8,::1",
			steps: append(fails("Forwarded", `for="[2001:db8::1]:4711";proto=https`),
				step{"Forwarded", `for="[2001:db8::1]:4711"`, true, 429},
				step{"Forwarded", "for=" + b, true, 200},
			),
			logHas: []string{`"clientIp":"2001:db8::1"`},
		},
		{
			name: "no trusted proxies: the header is ignored, B is locked out with A", trusted: "",
			steps: append(fails("X-Forwarded-For", a),
				step{"X-Forwarded-For", b, true, 429},
				step{"", "", true, 429},
			),
			logHas: []string{`"clientIp":"127.0.0.1"`, `--trusted-proxies 127.0.0.1 (LINKD_TRUSTED_PROXIES)`},
			hints:  1,
		},
		{
			name: "untrusted peer cannot dodge the limit by changing the header", trusted: "10.0.0.0/8",
			steps: []step{
				{"X-Forwarded-For", "198.51.100.11", false, 401},
				{"X-Forwarded-For", "198.51.100.12", false, 401},
				{"Forwarded", "for=198.51.100.13", false, 401},
				{"X-Forwarded-For", "198.51.100.14", true, 429},
			},
			logHas: []string{`--trusted-proxies 10.0.0.0/8,127.0.0.1 (LINKD_TRUSTED_PROXIES)`},
			hints:  1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := linkdtest.Start(t, func(c *config.Serve) { c.AuthFailures = 3; c.TrustedProxies = tc.trusted })
			for i, s := range tc.steps {
				secret := "wrong"
				if s.good {
					secret = e.Client.Secret
				}
				headers := []string{"X-Client-Id", e.Client.ID, "X-Client-Secret", secret, "Content-Type", "application/json"}
				if s.header != "" {
					headers = append(headers, s.header, s.value)
				}
				r := e.Do(t, "POST", "/api/v1/linktoken", []byte(`{"userId":"u1"}`), headers...)
				if r.StatusCode != s.status {
					t.Fatalf("step %d (%s: %q, right secret %v): %d %s, want %d", i, s.header, s.value, s.good, r.StatusCode, r.Body, s.status)
				}
				if r.StatusCode == 429 {
					msg := r.Envelope(t).Message
					for _, want := range []string{"--auth-failures", "LINKD_AUTH_FAILURES", "--trusted-proxies", "more than 3 a minute"} {
						if !strings.Contains(msg, want) {
							t.Errorf("step %d: the 429's message %q does not name %s", i, msg, want)
						}
					}
				}
			}
			logs := e.Logs.String()
			for _, want := range tc.logHas {
				if !strings.Contains(logs, want) {
					t.Errorf("the log lacks %s:\n%s", want, logs)
				}
			}
			if n := strings.Count(logs, "which linkd ignores"); n != tc.hints {
				t.Errorf("the log says %d times that a forwarding header was ignored, want %d:\n%s", n, tc.hints, logs)
			}
		})
	}
}
