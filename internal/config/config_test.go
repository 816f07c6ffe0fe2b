package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func parseServe(t *testing.T, env map[string]string, args ...string) (Serve, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := &Binder{FS: fs, Getenv: func(k string) string { return env[k] }}
	var c Serve
	BindServe(b, &c)
	if err := b.Err(); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Check()
}

func TestDefaults(t *testing.T) {
	c, err := parseServe(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./linkd-data" || c.PublicURL != "http://localhost:8080" ||
		c.TokenTTL != 10*time.Minute || c.MaxBody != 64<<10 || c.SQLiteSync != "normal" || c.SandboxSettleDelay != 5*time.Second ||
		c.WebhookAllowPrivate || KeyFile(c.SecretKeyFile, c.DataDir) != "linkd-data/secret.key" ||
		c.AccessTokenTTL != time.Hour || c.RefreshTokenTTL != 30*24*time.Hour || c.TrustedProxies != "" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want func(Serve) bool
	}{
		{"env sets", map[string]string{"LINKD_TOKEN_TTL": "5m", "LINKD_ADDR": "127.0.0.1:9000", "LINKD_ACCESS_LOG": "false"}, nil,
			func(c Serve) bool { return c.TokenTTL == 5*time.Minute && c.Addr == "127.0.0.1:9000" && !c.AccessLog }},
		{"public URL follows --addr", nil, []string{"--addr", ":9090"}, func(c Serve) bool { return c.PublicURL == "http://localhost:9090" }},
		{"flag beats env", map[string]string{"LINKD_TOKEN_TTL": "5m"}, []string{"--token-ttl", "2m"}, func(c Serve) bool { return c.TokenTTL == 2*time.Minute }},
		{"size units", map[string]string{"LINKD_MAX_BODY": "1MiB"}, nil, func(c Serve) bool { return c.MaxBody == 1<<20 }},
		{"size flag", nil, []string{"--max-body", "32768"}, func(c Serve) bool { return c.MaxBody == 32768 }},
		{"settle delay and webhook settings", map[string]string{"LINKD_SANDBOX_SETTLE_DELAY": "0s", "LINKD_WEBHOOK_ALLOW_PRIVATE": "true"},
			[]string{"--secret-key-file", "/etc/linkd/key"}, func(c Serve) bool {
				return c.SandboxSettleDelay == 0 && c.WebhookAllowPrivate && KeyFile(c.SecretKeyFile, c.DataDir) == "/etc/linkd/key"
			}},
		{"token lifetimes from env", map[string]string{"LINKD_ACCESS_TOKEN_TTL": "2m", "LINKD_REFRESH_TOKEN_TTL": "5m"}, nil,
			func(c Serve) bool { return c.AccessTokenTTL == 2*time.Minute && c.RefreshTokenTTL == 5*time.Minute }},
		{"refresh tokens for a year", nil, []string{"--refresh-token-ttl", "8760h"}, func(c Serve) bool { return c.RefreshTokenTTL == 365*24*time.Hour }},
		{"trusted proxies from env", map[string]string{"LINKD_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1"}, nil,
			func(c Serve) bool { return c.TrustedProxies == "10.0.0.0/8,127.0.0.1" }},
		{"public URL path kept, slash trimmed later", nil, []string{"--public-url", "https://ex.com/linkd/"}, func(c Serve) bool { return c.PublicURL == "https://ex.com/linkd/" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseServe(t, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(c) {
				t.Errorf("%+v", c)
			}
		})
	}
}

func TestBadSettings(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		names string // what the error must mention
	}{
		{"bad env duration", map[string]string{"LINKD_TOKEN_TTL": "ten"}, nil, "LINKD_TOKEN_TTL"},
		{"bad env bool", map[string]string{"LINKD_METRICS": "sometimes"}, nil, "LINKD_METRICS"},
		{"bad env size", map[string]string{"LINKD_MAX_BODY": "big"}, nil, "LINKD_MAX_BODY"},
		{"ttl too short", nil, []string{"--token-ttl", "1s"}, "--token-ttl"},
		{"ttl too long", nil, []string{"--token-ttl", "48h"}, "--token-ttl"},
		{"public url relative", nil, []string{"--public-url", "/linkd"}, "--public-url"},
		{"public url with query", nil, []string{"--public-url", "https://ex.com/?a=1"}, "--public-url"},
		{"public url ftp", nil, []string{"--public-url", "ftp://ex.com"}, "--public-url"},
		{"bad sync", nil, []string{"--sqlite-synchronous", "off"}, "--sqlite-synchronous"},
		{"bad log format", nil, []string{"--log-format", "xml"}, "--log-format"},
		{"bad addr", nil, []string{"--addr", "8080"}, "--addr"},
		{"negative size", nil, []string{"--max-body", "-1"}, "max-body"},
		{"settle delay too long", nil, []string{"--sandbox-settle-delay", "11m"}, "--sandbox-settle-delay"},
		{"negative settle delay", map[string]string{"LINKD_SANDBOX_SETTLE_DELAY": "-1s"}, nil, "--sandbox-settle-delay"},
		{"access token ttl too short", nil, []string{"--access-token-ttl", "30s"}, "--access-token-ttl: must be between 1m0s and 24h0m0s, got 30s"},
		{"access token ttl too long", nil, []string{"--access-token-ttl", "25h"}, "--access-token-ttl"},
		{"refresh token ttl too short", nil, []string{"--refresh-token-ttl", "59s"}, "--refresh-token-ttl"},
		{"refresh token ttl too long", nil, []string{"--refresh-token-ttl", "8761h"}, "--refresh-token-ttl"},
		{"trusted proxy not an address", nil, []string{"--trusted-proxies", "10.0.0.0/8,proxy.internal"},
			`--trusted-proxies: "proxy.internal" is not an IP address or CIDR prefix`},
		{"trusted proxy bad env", map[string]string{"LINKD_TRUSTED_PROXIES": "10.0.0.0/40"}, nil, `--trusted-proxies: "10.0.0.0/40" is not a CIDR prefix`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServe(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.names) {
				t.Fatalf("err = %v, want one naming %s", err, tc.names)
			}
		})
	}
}

func TestParsePublicURL(t *testing.T) {
	u, err := ParsePublicURL("https://ex.com/linkd/")
	if err != nil || u.String() != "https://ex.com/linkd" {
		t.Fatalf("%v %v", u, err)
	}
}
