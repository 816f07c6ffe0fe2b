// Package config holds linkd's settings. Every setting is a command-line flag whose
// default comes from a LINKD_* environment variable (flag > environment > built-in
// default), so that linkd runs the same from a shell, a container or a service manager.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/linkd-dev/linkd/internal/clientip"
)

// Store selects and tunes the database; every subcommand that touches data takes it.
type Store struct {
	// DataDir holds the embedded database (linkd.db).
	DataDir string
	// DatabaseURL selects an external database instead of the embedded one.
	DatabaseURL string
	// SQLiteSync is the embedded store's synchronous mode: normal or full.
	SQLiteSync string
}

// Serve is the configuration of `linkd serve`.
type Serve struct {
	Store
	Addr            string
	PublicURL       string
	TokenTTL        time.Duration
	SessionTTL      time.Duration
	MaxBody         int64
	AuthFailures    int
	MaxActiveTokens int
	// MaxInFlight bounds the requests worked on at once; past it, 503 overloaded (0: no
	// bound).
	MaxInFlight     int
	PurgeInterval   time.Duration
	Retention       time.Duration
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	AccessLog       bool
	Metrics         bool
	Demo            bool
	// PprofAddr, if set, serves Go's profiler (net/http/pprof) on a separate listener.
	PprofAddr string
	// TrustedProxies lists the reverse proxies (CIDR prefixes and addresses) whose
	// Forwarded / X-Forwarded-For headers name the client (clientip.Parse).
	TrustedProxies string
	// AccessTokenTTL and RefreshTokenTTL are the lifetimes of the access and refresh
	// tokens the Link UI hands out for a connected account.
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// SandboxSettleDelay is how long a sandbox transfer stays pending before it settles.
	SandboxSettleDelay time.Duration
	// WebhookAllowPrivate lets webhooks be delivered to loopback, private and link-local
	// addresses (local tests, the demo; docs/threat-model.md H1).
	WebhookAllowPrivate bool
	// SecretKeyFile holds the key that seals webhook secrets ("": <DataDir>/secret.key).
	SecretKeyFile string
}

// MaxSandboxSettleDelay bounds --sandbox-settle-delay.
const MaxSandboxSettleDelay = 10 * time.Minute

// SecretKeyFileName is the secret key file's name in the data directory, its default
// place.
const SecretKeyFileName = "secret.key"

// KeyFile is the secret key file's path: path if set, else SecretKeyFileName in dataDir.
func KeyFile(path, dataDir string) string {
	if path != "" {
		return path
	}
	return filepath.Join(dataDir, SecretKeyFileName)
}

// BindSecretKeyFile registers --secret-key-file (serve, and the commands that add
// webhooks).
func BindSecretKeyFile(b *Binder, p *string) {
	b.String(p, "secret-key-file", "", "file of the 32-byte key that encrypts webhook signing secrets in the database (created 0600 on first need; default <--data>/"+SecretKeyFileName+"; every instance sharing a database needs the same file)")
}

// DefaultMaxInFlight is --max-in-flight's default, chosen from bench -overload
// (bench/README.md, "Overload").
const DefaultMaxInFlight = 512

// Limits on settings, so that a typo cannot mint tokens that live for a year.
const (
	MinTokenTTL = 10 * time.Second
	MaxTokenTTL = 24 * time.Hour
	// Access and refresh tokens: short enough for a CI suite to watch them expire,
	// bounded above so that a typo cannot hand out tokens for years.
	MinAccessTokenTTL  = time.Minute
	MaxAccessTokenTTL  = 24 * time.Hour
	MinRefreshTokenTTL = time.Minute
	MaxRefreshTokenTTL = 365 * 24 * time.Hour
)

// Binder registers flags on a FlagSet with defaults taken from the environment, and
// remembers environment values that did not parse.
type Binder struct {
	FS     *flag.FlagSet
	Getenv func(string) string
	errs   []error
}

// EnvName is the environment variable of a flag: LINKD_ and the flag name in upper case
// with dashes as underscores (--token-ttl → LINKD_TOKEN_TTL).
func EnvName(flagName string) string {
	return "LINKD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (b *Binder) env(name string) (string, bool) {
	if b.Getenv == nil {
		return "", false
	}
	v := b.Getenv(EnvName(name))
	return v, v != ""
}

func (b *Binder) usage(name, usage string) string {
	return usage + " (env " + EnvName(name) + ")"
}

// String registers a string flag.
func (b *Binder) String(p *string, name, def, usage string) {
	if v, ok := b.env(name); ok {
		def = v
	}
	b.FS.StringVar(p, name, def, b.usage(name, usage))
}

// Bool registers a boolean flag.
func (b *Binder) Bool(p *bool, name string, def bool, usage string) {
	if v, ok := b.env(name); ok {
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %q is not a boolean", EnvName(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.BoolVar(p, name, def, b.usage(name, usage))
}

// Int registers an integer flag.
func (b *Binder) Int(p *int, name string, def int, usage string) {
	if v, ok := b.env(name); ok {
		parsed, err := strconv.Atoi(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %q is not an integer", EnvName(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.IntVar(p, name, def, b.usage(name, usage))
}

// Float registers a floating-point flag.
func (b *Binder) Float(p *float64, name string, def float64, usage string) {
	if v, ok := b.env(name); ok {
		parsed, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %q is not a number", EnvName(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.Float64Var(p, name, def, b.usage(name, usage))
}

// Duration registers a duration flag ("10m", "90s").
func (b *Binder) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	if v, ok := b.env(name); ok {
		parsed, err := time.ParseDuration(v)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %q is not a duration like 10m", EnvName(name), v))
		} else {
			def = parsed
		}
	}
	b.FS.DurationVar(p, name, def, b.usage(name, usage))
}

// Size registers a byte-size flag ("64KiB", "1MiB", "65536").
func (b *Binder) Size(p *int64, name string, def int64, usage string) {
	*p = def
	if v, ok := b.env(name); ok {
		if err := (*sizeValue)(p).Set(v); err != nil {
			b.errs = append(b.errs, fmt.Errorf("%s: %w", EnvName(name), err))
		}
	}
	b.FS.Var((*sizeValue)(p), name, b.usage(name, usage))
}

// Err returns the environment values that did not parse.
func (b *Binder) Err() error { return errors.Join(b.errs...) }

type sizeValue int64

func (s *sizeValue) String() string {
	v := int64(*s)
	switch {
	case v >= 1<<20 && v%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", v>>20)
	case v >= 1<<10 && v%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", v>>10)
	}
	return strconv.FormatInt(v, 10)
}

func (s *sizeValue) Set(v string) error {
	mult := int64(1)
	num := strings.TrimSpace(v)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000 * 1000}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return fmt.Errorf("%q is not a size like 64KiB", v)
	}
	*s = sizeValue(n * mult)
	return nil
}

// BindStore registers the database flags.
func BindStore(b *Binder, s *Store) {
	b.String(&s.DataDir, "data", "./linkd-data", "directory of the embedded database")
	b.String(&s.DatabaseURL, "database-url", "", "external database URL (postgres://…); empty: the embedded database in --data")
	b.String(&s.SQLiteSync, "sqlite-synchronous", "normal", "embedded database durability: normal (survives a crash of linkd) or full (also survives power loss; slower)")
}

// BindServe registers the flags of `linkd serve`.
func BindServe(b *Binder, c *Serve) {
	BindStore(b, &c.Store)
	b.String(&c.Addr, "addr", ":8080", "address to listen on")
	b.String(&c.PublicURL, "public-url", "", "base URL of linkd as browsers reach it, used inside link tokens (default: http://localhost:<port of --addr>)")
	b.Duration(&c.TokenTTL, "token-ttl", 10*time.Minute, "lifetime of a link token")
	b.Duration(&c.SessionTTL, "session-ttl", 30*time.Minute, "lifetime of the Link session a token opens")
	b.Size(&c.MaxBody, "max-body", 64<<10, "largest accepted request body")
	b.Int(&c.AuthFailures, "auth-failures", 10, "failed authentications allowed per IP address per minute before 429 (0: no limit)")
	b.Int(&c.MaxActiveTokens, "max-active-tokens", 0, "unexpired link tokens one client may hold (issued by this instance) before 429 (0: no limit; 10000 is a sensible production bound)")
	b.Int(&c.MaxInFlight, "max-in-flight", DefaultMaxInFlight, "requests worked on at once; past it, 503 overloaded with Retry-After (0: no bound; /healthz, /readyz and /metrics are not counted)")
	b.Duration(&c.PurgeInterval, "purge-interval", time.Minute, "how often expired link tokens and sessions are deleted")
	b.Duration(&c.Retention, "retention", time.Hour, "how long expired link tokens, sessions and access tokens are kept before they are purged, so that a late reuse is reported as such (at least --session-ttl)")
	b.Duration(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long to wait for requests in flight on shutdown")
	b.String(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	b.String(&c.LogFormat, "log-format", "json", "log format: json or text")
	b.Bool(&c.AccessLog, "access-log", true, "log every request (method, path without query, status, duration, client id)")
	b.Bool(&c.Metrics, "metrics", true, "serve Prometheus metrics at /metrics")
	b.Bool(&c.Demo, "demo", false, "create a demo client (once) and serve a demo host page at /demo")
	b.String(&c.PprofAddr, "pprof-addr", "", "if set (e.g. 127.0.0.1:6060), serve Go's profiler there, on its own listener; keep it private")
	b.Duration(&c.SandboxSettleDelay, "sandbox-settle-delay", 5*time.Second, "how long a sandbox transfer stays pending before it succeeds (or fails: amounts ending in .13)")
	b.Bool(&c.WebhookAllowPrivate, "webhook-allow-private", false, "deliver webhooks to loopback, private and link-local addresses too (local tests and demos only)")
	BindSecretKeyFile(b, &c.SecretKeyFile)
	b.String(&c.TrustedProxies, "trusted-proxies", "", "reverse proxies (CIDRs or addresses, comma-separated) whose Forwarded / X-Forwarded-For headers name the client's address; empty: the TCP peer is the client")
	b.Duration(&c.AccessTokenTTL, "access-token-ttl", time.Hour, "lifetime of the access tokens of connected accounts (expiresInSeconds)")
	b.Duration(&c.RefreshTokenTTL, "refresh-token-ttl", 30*24*time.Hour, "lifetime of the refresh tokens of connected accounts (refreshTokenExpiresInSeconds)")
}

// Check validates a serve configuration and fills in derived defaults.
func (c *Serve) Check() error {
	var errs []error
	if c.PublicURL == "" {
		_, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("--addr: %q is not host:port", c.Addr))
		} else {
			c.PublicURL = "http://localhost:" + port
		}
	}
	if _, err := ParsePublicURL(c.PublicURL); err != nil {
		errs = append(errs, err)
	}
	if c.TokenTTL < MinTokenTTL || c.TokenTTL > MaxTokenTTL {
		errs = append(errs, fmt.Errorf("--token-ttl: must be between %v and %v, got %v", MinTokenTTL, MaxTokenTTL, c.TokenTTL))
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--session-ttl: must be between 1m and 24h, got %v", c.SessionTTL))
	}
	if c.AccessTokenTTL < MinAccessTokenTTL || c.AccessTokenTTL > MaxAccessTokenTTL {
		errs = append(errs, fmt.Errorf("--access-token-ttl: must be between %v and %v, got %v", MinAccessTokenTTL, MaxAccessTokenTTL, c.AccessTokenTTL))
	}
	if c.RefreshTokenTTL < MinRefreshTokenTTL || c.RefreshTokenTTL > MaxRefreshTokenTTL {
		errs = append(errs, fmt.Errorf("--refresh-token-ttl: must be between %v and %v, got %v", MinRefreshTokenTTL, MaxRefreshTokenTTL, c.RefreshTokenTTL))
	}
	if _, err := clientip.Parse(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	if c.PurgeInterval <= 0 {
		errs = append(errs, fmt.Errorf("--purge-interval: must be positive"))
	}
	if c.Retention < 0 {
		errs = append(errs, fmt.Errorf("--retention: must not be negative"))
	}
	if c.MaxActiveTokens < 0 {
		errs = append(errs, fmt.Errorf("--max-active-tokens: must not be negative"))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("--max-in-flight: must not be negative"))
	}
	if c.AuthFailures < 0 {
		errs = append(errs, fmt.Errorf("--auth-failures: must not be negative"))
	}
	if c.SandboxSettleDelay < 0 || c.SandboxSettleDelay > MaxSandboxSettleDelay {
		errs = append(errs, fmt.Errorf("--sandbox-settle-delay: must be between 0s and %v, got %v", MaxSandboxSettleDelay, c.SandboxSettleDelay))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("--log-format: must be json or text, got %q", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level: must be debug, info, warn or error, got %q", c.LogLevel))
	}
	if err := c.Store.Check(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Check validates the database settings.
func (s *Store) Check() error {
	switch s.SQLiteSync {
	case "normal", "full":
	default:
		return fmt.Errorf("--sqlite-synchronous: must be normal or full, got %q", s.SQLiteSync)
	}
	if s.DatabaseURL == "" && s.DataDir == "" {
		return fmt.Errorf("--data: must not be empty")
	}
	return nil
}

// ParsePublicURL checks a public base URL: absolute http(s), no query or fragment (the
// link token's URL is built under it).
func ParsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--public-url: must be an absolute http(s) URL without query, fragment or credentials, got %q", s)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// ParseOrigin checks a web origin given by an operator ("https://App.Example:443/") and
// returns it in the exact form browsers report in event.origin and
// location.ancestorOrigins ("https://app.example"): scheme, lower-case host, port only if
// not the default.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an origin like https://app.example (scheme, host and optional port only)", s)
	}
	o, ok := OriginOf(u)
	if !ok {
		return "", fmt.Errorf("%q is not an origin like https://app.example (scheme, host and optional port only)", s)
	}
	return o, nil
}

// OriginOf is the browser origin of an absolute http(s) URL; ok is false for anything
// else.
func OriginOf(u *url.URL) (origin string, ok bool) {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, true
}

// BasePath is the path prefix of a public base URL: "" for "https://ex.com", "/linkd" for
// "https://ex.com/linkd/"; pages build their asset and API paths under it.
func BasePath(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}
