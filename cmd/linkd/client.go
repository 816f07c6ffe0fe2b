package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"flag"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store"
)

const clientUsage = `Usage: linkd client <command> [arguments] [flags]

Commands:
  create --name NAME [--origin URL ...] [--jurisdiction CC] [--rate-limit N] [--burst N] [--allow-pii-user-id]
                                 create a client; prints {"clientId","clientSecret"} (the secret is shown only here)
  list                           list clients (JSON)
  show ID                        show one client (JSON)
  update ID [--name …] [--origin …] [--jurisdiction …] [--rate-limit …] [--burst …] [--allow-pii-user-id=true|false]
                                 change a client's settings (flags given replace the old values)
  disable ID | enable ID         refuse (423) or accept the client's requests again
  rotate-secret ID [--grace 24h] new secret; the previous ones keep working for the grace period
  revoke-secret ID [--all]       revoke every secret but the newest (--all: every secret)
  revoke-tokens ID               revoke the client's unused link tokens and open Link sessions
  subclient add --client ID --name NAME
  subclient list --client ID
  webhook add --client ID --url URL [--secret-key-file FILE]
                                 register a transfer status webhook; prints {"webhookId","secret"} (the secret is shown only here)
  webhook list --client ID       the client's webhooks (never their secrets)
  webhook rotate-secret ID [--secret-key-file FILE]
                                 new signing secret, printed once; the next attempts are signed with it
  webhook remove ID              stop delivering to a webhook (its pending deliveries are dropped)
  webhook deliveries --client ID [--limit N]
                                 recent deliveries and their attempts (status, HTTP code, next retry)

Every command takes --data DIR / --database-url URL (same as serve). Changes reach a running
server within one second.
`

// client dispatches `linkd client …`.
func client(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(e.stderr, clientUsage)
		if len(args) == 0 {
			return usagef("client: missing command")
		}
		return nil
	}
	cmds := map[string]func(context.Context, env, []string) error{
		"create": clientCreate, "list": clientList, "show": clientShow, "update": clientUpdate,
		"disable": clientEnable(false), "enable": clientEnable(true),
		"rotate-secret": clientRotate, "revoke-secret": clientRevokeSecret, "revoke-tokens": clientRevokeTokens,
		"subclient": subclient, "webhook": webhookCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return usagef("client: unknown command %q (linkd client help)", args[0])
	}
	return cmd(ctx, e, args[1:])
}

// clientSettings are the flags shared by create and update.
type clientSettings struct {
	name         string
	origins      multiFlag
	jurisdiction string
	rateLimit    float64
	burst        int
	allowPII     bool
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func bindSettings(f *flags, s *clientSettings) {
	f.fs.StringVar(&s.name, "name", "", "display name (shown in the Link UI)")
	f.fs.Var(&s.origins, "origin", "web origin allowed to embed the Link UI, e.g. https://app.example (repeat for several)")
	f.fs.StringVar(&s.jurisdiction, "jurisdiction", "", "ISO 3166-1 alpha-2 country code; integrations unavailable there are refused with 451")
	f.fs.Float64Var(&s.rateLimit, "rate-limit", 0, "API requests per second allowed (0: unlimited)")
	f.fs.IntVar(&s.burst, "burst", 0, "burst size of the rate limit (0: one second's worth)")
	f.fs.BoolVar(&s.allowPII, "allow-pii-user-id", false, "accept userId values that look like an e-mail address or phone number")
}

// apply validates the flags that were set and copies them into c.
func (s *clientSettings) apply(f *flags, c *store.Client) error {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["name"] {
		name, err := checkName(s.name)
		if err != nil {
			return err
		}
		c.Name = name
	}
	if set["origin"] {
		c.Origins = c.Origins[:0:0]
		for _, o := range s.origins {
			norm, err := normalizeOrigin(o)
			if err != nil {
				return err
			}
			if !contains(c.Origins, norm) {
				c.Origins = append(c.Origins, norm)
			}
		}
	}
	if set["jurisdiction"] {
		j, err := checkJurisdiction(s.jurisdiction)
		if err != nil {
			return usagef("--jurisdiction: %v", err)
		}
		c.Jurisdiction = j
	}
	if set["rate-limit"] {
		if err := checkRateLimit(s.rateLimit); err != nil {
			return usagef("--rate-limit: %v", err)
		}
		c.RateLimit = s.rateLimit
	}
	if set["burst"] {
		if s.burst < 0 {
			return usagef("--burst: must not be negative")
		}
		c.RateBurst = s.burst
	}
	if set["allow-pii-user-id"] {
		c.AllowPIIUserID = s.allowPII
	}
	return nil
}

// checkJurisdiction upper-cases a jurisdiction and checks it: empty, or an ISO 3166-1
// alpha-2 code.
func checkJurisdiction(j string) (string, error) {
	j = strings.ToUpper(strings.TrimSpace(j))
	if j != "" && (len(j) != 2 || j[0] < 'A' || j[0] > 'Z' || j[1] < 'A' || j[1] > 'Z') {
		return "", fmt.Errorf("must be a two-letter country code like US, got %q", j)
	}
	return j, nil
}

// checkRateLimit refuses a rate limit that is negative or not a number.
func checkRateLimit(r float64) error {
	if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return errors.New("must be 0 (unlimited) or a positive number of requests per second")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkName trims a display name and checks it: 1–100 characters (not bytes), printable.
func checkName(n string) (string, error) {
	n = strings.TrimSpace(n)
	if n == "" || utf8.RuneCountInString(n) > 100 || strings.ContainsFunc(n, isControl) {
		return "", usagef("--name: must be 1–100 printable characters")
	}
	return n, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// normalizeOrigin checks an --origin value and returns the form browsers report.
func normalizeOrigin(s string) (string, error) {
	o, err := config.ParseOrigin(s)
	if err != nil {
		return "", usagef("--origin: %v", err)
	}
	return o, nil
}

// withStore parses the flags (with the database flags added), runs check (if not nil) so
// that a bad argument is refused before the database is opened, then opens the store (one
// that exists: only create may make one, with withNewStore) and runs fn with the
// positional arguments (client ids, lower-cased).
func withStore(ctx context.Context, e env, f *flags, args []string, nargs int, check func() error, fn func(store.Store, []string) error) error {
	return withStoreMode(ctx, e, f, args, nargs, check, mustExist, func(st store.Store, pos []string, _ config.Store) error { return fn(st, pos) })
}

// withStoreConfig is withStore for commands that need the database settings too (the
// data directory holds the default secret key file).
func withStoreConfig(ctx context.Context, e env, f *flags, args []string, nargs int, check func() error, fn func(store.Store, []string, config.Store) error) error {
	return withStoreMode(ctx, e, f, args, nargs, check, mustExist, fn)
}

// withStoreMode is withStoreConfig opening the database in mode.
func withStoreMode(ctx context.Context, e env, f *flags, args []string, nargs int, check func() error, mode dbMode, fn func(store.Store, []string, config.Store) error) error {
	var sc config.Store
	config.BindStore(f.b, &sc)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		if nargs == 0 {
			return usagef("%s takes no arguments, got %q", f.fs.Name(), pos[0])
		}
		return usagef("%s needs %s", f.fs.Name(), f.idName())
	}
	for i, p := range pos {
		if err := checkID(p, f.idName()); err != nil {
			return err
		}
		pos[i] = strings.ToLower(p)
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, sc, mode)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, pos, sc)
}

// idName is what the command's argument is: "a client id" unless the command says
// otherwise (flags.arg).
func (f *flags) idName() string {
	if f.arg != "" {
		return f.arg
	}
	return "a client id"
}

// checkID refuses anything but a uuid in its 8-4-4-4-12 form (any case); what names the
// id ("a client id") for the message.
func checkID(id, what string) error {
	u, err := uuid.Parse(id)
	if err != nil || len(id) != 36 || u.String() != strings.ToLower(id) {
		return usagef("%q is not %s (a uuid)", id, what)
	}
	return nil
}

// printJSON writes v as indented JSON and a newline.
func printJSON(e env, v any) error {
	b, err := json.Marshal(v, jsontext.Multiline(true), jsontext.WithIndent("  "))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

// notFound turns a store miss into a one-line message naming the id.
func notFound(err error, what, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no %s with id %s", what, id)
	}
	return err
}

func clientCreate(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "create", "client create --name NAME [flags]")
	var s clientSettings
	bindSettings(f, &s)
	now := time.Now().UTC()
	c := store.Client{ID: uuid.NewString(), Enabled: true, CreatedAt: now}
	check := func() error {
		if s.name == "" {
			return usagef("create: --name is required")
		}
		return s.apply(f, &c)
	}
	return withStoreMode(ctx, e, f, args, 0, check, createDB, func(st store.Store, _ []string, _ config.Store) error {
		secret, hash := auth.NewSecret()
		c.Secrets = []store.Secret{{Hash: hash, CreatedAt: now}}
		if err := st.CreateClient(ctx, c); err != nil {
			return err
		}
		if err := printJSON(e, map[string]string{"clientId": c.ID, "clientSecret": secret}); err != nil {
			return err
		}
		if len(c.Origins) == 0 {
			warnNoOrigin(e, c.ID)
		}
		return nil
	})
}

// clientView is how list and show print a client: never a secret or its hash.
type clientView struct {
	ClientID       string       `json:"clientId"`
	Name           string       `json:"name"`
	Enabled        bool         `json:"enabled"`
	Origins        []string     `json:"origins"`
	Jurisdiction   string       `json:"jurisdiction,omitzero"`
	RateLimit      float64      `json:"rateLimit,omitzero"`
	RateBurst      int          `json:"rateBurst,omitzero"`
	AllowPIIUserID bool         `json:"allowPiiUserId,omitzero"`
	CreatedAt      time.Time    `json:"createdAt"`
	Secrets        []secretView `json:"secrets"`
}

type secretView struct {
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitzero"`
	RevokedAt *time.Time `json:"revokedAt,omitzero"`
	Live      bool       `json:"live"`
}

func view(c store.Client, now time.Time) clientView {
	v := clientView{ClientID: c.ID, Name: c.Name, Enabled: c.Enabled, Origins: c.Origins, Jurisdiction: c.Jurisdiction,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, AllowPIIUserID: c.AllowPIIUserID, CreatedAt: c.CreatedAt, Secrets: []secretView{}}
	if v.Origins == nil {
		v.Origins = []string{}
	}
	for _, s := range c.Secrets {
		sv := secretView{CreatedAt: s.CreatedAt, Live: s.Live(now)}
		if !s.ExpiresAt.IsZero() {
			sv.ExpiresAt = &s.ExpiresAt
		}
		if !s.RevokedAt.IsZero() {
			sv.RevokedAt = &s.RevokedAt
		}
		v.Secrets = append(v.Secrets, sv)
	}
	return v
}

func clientList(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "list", "client list [flags]")
	return withStore(ctx, e, f, args, 0, nil, func(st store.Store, _ []string) error {
		cs, err := st.Clients(ctx)
		if err != nil {
			return err
		}
		out := []clientView{}
		now := time.Now()
		for _, c := range cs {
			out = append(out, view(c, now))
		}
		return printJSON(e, out)
	})
}

func clientShow(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "show", "client show ID [flags]")
	return withStore(ctx, e, f, args, 1, nil, func(st store.Store, pos []string) error {
		c, err := st.Client(ctx, pos[0])
		if err != nil {
			return notFound(err, "client", pos[0])
		}
		return printJSON(e, view(c, time.Now()))
	})
}

func clientUpdate(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "update", "client update ID [flags]")
	var s clientSettings
	bindSettings(f, &s)
	check := func() error { return s.apply(f, &store.Client{}) }
	return withStore(ctx, e, f, args, 1, check, func(st store.Store, pos []string) error {
		c, err := st.Client(ctx, pos[0])
		if err != nil {
			return notFound(err, "client", pos[0])
		}
		if err := s.apply(f, &c); err != nil {
			return err
		}
		if err := st.UpdateClient(ctx, c); err != nil {
			return notFound(err, "client", pos[0])
		}
		return printJSON(e, view(c, time.Now()))
	})
}

func clientEnable(enabled bool) func(context.Context, env, []string) error {
	name := map[bool]string{true: "enable", false: "disable"}[enabled]
	return func(ctx context.Context, e env, args []string) error {
		f := newFlags(e, name, "client "+name+" ID [flags]")
		return withStore(ctx, e, f, args, 1, nil, func(st store.Store, pos []string) error {
			if err := st.SetClientEnabled(ctx, pos[0], enabled); err != nil {
				return notFound(err, "client", pos[0])
			}
			return printJSON(e, map[string]any{"clientId": pos[0], "enabled": enabled})
		})
	}
}

func clientRotate(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "rotate-secret", "client rotate-secret ID [--grace 24h] [flags]")
	var grace time.Duration
	f.b.Duration(&grace, "grace", 24*time.Hour, "how long the previous secret keeps working")
	check := func() error {
		if grace < 0 || grace > 30*24*time.Hour {
			return usagef("--grace: must be between 0 and 720h")
		}
		return nil
	}
	return withStore(ctx, e, f, args, 1, check, func(st store.Store, pos []string) error {
		now := time.Now().UTC()
		secret, hash := auth.NewSecret()
		until := now.Add(grace)
		if err := st.AddSecret(ctx, pos[0], store.Secret{Hash: hash, CreatedAt: now}, until); err != nil {
			return notFound(err, "client", pos[0])
		}
		return printJSON(e, map[string]any{"clientId": pos[0], "clientSecret": secret, "previousSecretsExpireAt": until})
	})
}

func clientRevokeSecret(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "revoke-secret", "client revoke-secret ID [--all] [flags]")
	var all bool
	f.fs.BoolVar(&all, "all", false, "revoke every secret, the newest too (the client cannot authenticate until rotate-secret)")
	return withStore(ctx, e, f, args, 1, nil, func(st store.Store, pos []string) error {
		c, err := st.Client(ctx, pos[0])
		if err != nil {
			return notFound(err, "client", pos[0])
		}
		var keep []byte
		if !all {
			if len(c.Secrets) == 0 || !c.Secrets[0].RevokedAt.IsZero() {
				return errors.New("revoke-secret: the client has no current secret; use rotate-secret")
			}
			keep = c.Secrets[0].Hash
		}
		n, err := st.RevokeSecrets(ctx, pos[0], keep, time.Now().UTC())
		if err != nil {
			return notFound(err, "client", pos[0])
		}
		return printJSON(e, map[string]any{"clientId": pos[0], "revokedSecrets": n})
	})
}

func clientRevokeTokens(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "revoke-tokens", "client revoke-tokens ID [flags]")
	return withStore(ctx, e, f, args, 1, nil, func(st store.Store, pos []string) error {
		codes, sessions, err := st.RevokeClientCodes(ctx, pos[0], time.Now().UTC())
		if err != nil {
			return notFound(err, "client", pos[0])
		}
		return printJSON(e, map[string]any{"clientId": pos[0], "revokedLinkTokens": codes, "revokedSessions": sessions})
	})
}

func subclient(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("client subclient: missing command (add or list)")
	}
	var name string
	var clientID string
	switch args[0] {
	case "add":
		f := newFlags(e, "subclient add", "client subclient add --client ID --name NAME [flags]")
		f.fs.StringVar(&clientID, "client", "", "id of the parent client")
		f.fs.StringVar(&name, "name", "", "display name shown in the Link UI")
		check := func() error {
			if err := checkID(clientID, "a client id"); err != nil {
				return usagef("--client: %v", err)
			}
			var err error
			name, err = checkName(name)
			return err
		}
		return withStore(ctx, e, f, args[1:], 0, check, func(st store.Store, _ []string) error {
			clientID = strings.ToLower(clientID)
			sc := store.SubClient{ID: uuid.NewString(), ClientID: clientID, Name: name, CreatedAt: time.Now().UTC()}
			if err := st.CreateSubClient(ctx, sc); err != nil {
				return notFound(err, "client", clientID)
			}
			return printJSON(e, map[string]string{"subClientId": sc.ID})
		})
	case "list":
		f := newFlags(e, "subclient list", "client subclient list --client ID [flags]")
		f.fs.StringVar(&clientID, "client", "", "id of the parent client")
		check := func() error {
			if err := checkID(clientID, "a client id"); err != nil {
				return usagef("--client: %v", err)
			}
			return nil
		}
		return withStore(ctx, e, f, args[1:], 0, check, func(st store.Store, _ []string) error {
			clientID = strings.ToLower(clientID)
			if _, err := st.Client(ctx, clientID); err != nil {
				return notFound(err, "client", clientID)
			}
			scs, err := st.SubClients(ctx, clientID)
			if err != nil {
				return err
			}
			type subView struct {
				SubClientID string    `json:"subClientId"`
				Name        string    `json:"name"`
				CreatedAt   time.Time `json:"createdAt"`
			}
			out := []subView{}
			for _, sc := range scs {
				out = append(out, subView{sc.ID, sc.Name, sc.CreatedAt})
			}
			return printJSON(e, out)
		})
	}
	return usagef("client subclient: unknown command %q (add or list)", args[0])
}
