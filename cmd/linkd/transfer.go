package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// exportVersion is the format of `linkd export`'s document: 2 added webhooks and the
// clients' records. Import reads versions 1 and 2 and refuses others.
const exportVersion = 2

// exportDoc is what `linkd export` prints and `linkd import` reads: every client with
// what it was configured with, secrets as their SHA-256 hashes only (the clear-text
// secrets were never stored), webhooks with their signing secrets sealed as the database
// keeps them (under the key file, docs/threat-model.md H2), and the clients' records
// (exportrecords.go). Link tokens and Link sessions are not carried: they live minutes
// and belong to the database they were issued on.
type exportDoc struct {
	Version    int              `json:"version"`
	ExportedAt time.Time        `json:"exportedAt"`
	Clients    []exportedClient `json:"clients"`
}

type exportedClient struct {
	ClientID       string              `json:"clientId"`
	Name           string              `json:"name"`
	Enabled        bool                `json:"enabled"`
	Origins        []string            `json:"origins"`
	Jurisdiction   string              `json:"jurisdiction"`
	RateLimit      float64             `json:"rateLimit"`
	RateBurst      int                 `json:"rateBurst"`
	AllowPIIUserID bool                `json:"allowPiiUserId"`
	CreatedAt      time.Time           `json:"createdAt"`
	Secrets        []exportedSecret    `json:"secrets"`
	SubClients     []exportedSubClient `json:"subClients"`
	Webhooks       []exportedWebhook   `json:"webhooks"`
	// The client's records (exportrecords.go).
	Transfers           []exportedTransfer           `json:"transfers"`
	WalletVerifications []exportedWalletVerification `json:"walletVerifications"`
	AccessTokens        []exportedAccessToken        `json:"accessTokens"`
}

// exportedWebhook is a webhook as the database keeps it: its signing secret sealed with
// the key of --secret-key-file and the webhook's id (never in clear text), so that only
// instances with the same key file can sign with it.
type exportedWebhook struct {
	WebhookID    string    `json:"webhookId"`
	URL          string    `json:"url"`
	SealedSecret []byte    `json:"sealedSecret"` // base64
	CreatedAt    time.Time `json:"createdAt"`
}

type exportedSecret struct {
	Hash      []byte    `json:"hash"` // base64 of the SHA-256 hash
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

type exportedSubClient struct {
	SubClientID string    `json:"subClientId"`
	Name        string    `json:"name"`
	CreatedAt   time.Time `json:"createdAt"`
}

func export(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "export", "export [--data DIR | --database-url URL] > linkd.json")
	return withStore(ctx, e, f, args, 0, nil, func(st store.Store, _ []string) error {
		cs, err := st.Clients(ctx)
		if err != nil {
			return err
		}
		doc := exportDoc{Version: exportVersion, ExportedAt: time.Now().UTC(), Clients: []exportedClient{}}
		for _, c := range cs {
			subs, err := st.SubClients(ctx, c.ID)
			if err != nil {
				return err
			}
			hooks, err := st.Webhooks(ctx, c.ID)
			if err != nil {
				return err
			}
			x := exportClient(c, subs, hooks)
			if err := exportRecords(ctx, st, &x, time.Now()); err != nil {
				return err
			}
			doc.Clients = append(doc.Clients, x)
		}
		return printJSON(e, doc)
	})
}

func exportClient(c store.Client, subs []store.SubClient, hooks []store.Webhook) exportedClient {
	x := exportedClient{ClientID: c.ID, Name: c.Name, Enabled: c.Enabled, Origins: nonNilStrings(c.Origins), Jurisdiction: c.Jurisdiction,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, AllowPIIUserID: c.AllowPIIUserID, CreatedAt: c.CreatedAt.UTC(),
		Secrets: []exportedSecret{}, SubClients: []exportedSubClient{}, Webhooks: []exportedWebhook{}}
	for _, w := range hooks {
		x.Webhooks = append(x.Webhooks, exportedWebhook{WebhookID: w.ID, URL: w.URL, SealedSecret: w.SealedSecret, CreatedAt: w.CreatedAt.UTC()})
	}
	for _, s := range c.Secrets {
		x.Secrets = append(x.Secrets, exportedSecret{Hash: s.Hash, CreatedAt: s.CreatedAt.UTC(), ExpiresAt: utcOrZero(s.ExpiresAt), RevokedAt: utcOrZero(s.RevokedAt)})
	}
	for _, sc := range subs {
		x.SubClients = append(x.SubClients, exportedSubClient{SubClientID: sc.ID, Name: sc.Name, CreatedAt: sc.CreatedAt.UTC()})
	}
	return x
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// importSummary is what `linkd import` prints.
type importSummary struct {
	Clients struct {
		Created   int `json:"created"`
		Updated   int `json:"updated"`
		Unchanged int `json:"unchanged"`
	} `json:"clients"`
	// SecretsChanged counts secrets added to existing clients, or whose expiry or
	// revocation the import brought forward.
	SecretsChanged int `json:"secretsChanged"`
	SubClients     struct {
		Created   int `json:"created"`
		Unchanged int `json:"unchanged"`
	} `json:"subClients"`
	Webhooks struct {
		Created   int `json:"created"`
		Unchanged int `json:"unchanged"`
	} `json:"webhooks"`
	recordsSummary `json:",inline"`
}

// imported is one client of an export, checked, as the store takes it.
type imported struct {
	client store.Client
	subs   []store.SubClient
	hooks  []store.Webhook
	records
}

func importClients(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "import", "import [--data DIR | --database-url URL] [--file linkd.json] (default: standard input)")
	var file, keyFile string
	f.fs.StringVar(&file, "file", "-", "the export to read (- for standard input)")
	config.BindSecretKeyFile(f.b, &keyFile)
	var clients []imported
	check := func() error {
		in := e.stdin
		if file != "-" {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			in = bytes.NewReader(b)
		}
		var err error
		clients, err = readExport(in)
		return err
	}
	// Importing into a new deployment is how it starts: the database may be made here.
	return withStoreMode(ctx, e, f, args, 0, check, createDB, func(st store.Store, _ []string, sc config.Store) error {
		var sum importSummary
		for _, x := range clients {
			c := x.client
			if err := importClient(ctx, e, st, c, &sum); err != nil {
				return fmt.Errorf("client %s: %w", c.ID, err)
			}
			for _, sc := range x.subs {
				created, err := importSubClient(ctx, st, sc)
				if err != nil {
					return fmt.Errorf("client %s: sub-client %s: %w", c.ID, sc.ID, err)
				}
				count(&sum.SubClients.Created, &sum.SubClients.Unchanged, created)
			}
			for _, w := range x.hooks {
				created, err := importWebhook(ctx, st, w)
				if err != nil {
					return fmt.Errorf("client %s: webhook %s: %w", c.ID, w.ID, err)
				}
				count(&sum.Webhooks.Created, &sum.Webhooks.Unchanged, created)
			}
			if err := importRecords(ctx, st, x.records, &sum.recordsSummary); err != nil {
				return fmt.Errorf("client %s: %w", c.ID, err)
			}
		}
		warnSealedSecrets(e, config.KeyFile(keyFile, sc.DataDir), clients)
		return printJSON(e, sum)
	})
}

// count adds one to created or to unchanged.
func count(created, unchanged *int, isNew bool) {
	if isNew {
		*created++
	} else {
		*unchanged++
	}
}

// warnSealedSecrets tells the operator, on stderr, about imported webhooks whose signing
// secrets do not open with the key file at path: the instances serving the database
// sign with that file's key, so they need the exporting deployment's key file (or the
// webhooks registered again, which gives them new secrets).
func warnSealedSecrets(e env, path string, clients []imported) {
	var hooks []store.Webhook
	for _, x := range clients {
		hooks = append(hooks, x.hooks...)
	}
	if len(hooks) == 0 {
		return
	}
	sealer, err := (&webhook.KeyFile{Path: path}).Sealer()
	if err != nil {
		fmt.Fprintf(e.stderr, "linkd import: warning: %d webhook(s) imported with their secrets sealed by the exporting deployment's key; "+
			"no key file at %s to check them (%v): copy that deployment's key file there (--secret-key-file), or remove and add the webhooks again\n",
			len(hooks), path, err)
		return
	}
	for _, w := range hooks {
		if _, err := sealer.Open(w.ID, w.SealedSecret); err != nil {
			fmt.Fprintf(e.stderr, "linkd import: warning: webhook %s: its secret does not open with the key file %s: copy the exporting deployment's key file there, "+
				"or remove and add the webhook again (linkd client webhook add)\n", w.ID, path)
		}
	}
}

// readExport decodes and checks an export, all of it, before anything is written: ids,
// names, origins and the rest follow the rules of `linkd client create`, hashes are
// SHA-256 digests, and no client or sub-client appears twice.
func readExport(r io.Reader) ([]imported, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var doc exportDoc
	if err := json.Unmarshal(b, &doc, json.RejectUnknownMembers(true)); err != nil {
		return nil, usagef("import: not a linkd export: %v", err)
	}
	if doc.Version != 1 && doc.Version != exportVersion {
		return nil, usagef("import: export version %d, this linkd reads versions 1 to %d", doc.Version, exportVersion)
	}
	var (
		out  []imported
		seen = map[string]bool{}
	)
	for i, x := range doc.Clients {
		c, err := checkExported(x, seen)
		if err != nil {
			return nil, usagef("import: clients[%d]: %v", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// checkExported turns an exported client into the store's, checking it; seen collects
// the ids met so far.
func checkExported(x exportedClient, seen map[string]bool) (imported, error) {
	c, subs, err := checkClient(x, seen)
	if err != nil {
		return imported{}, err
	}
	out := imported{client: c, subs: subs}
	for j, w := range x.Webhooks {
		if err := checkID(w.WebhookID, "a webhook id"); err != nil {
			return out, fmt.Errorf("webhooks[%d]: %w", j, err)
		}
		u, err := webhook.CheckURL(w.URL)
		if err != nil {
			return out, fmt.Errorf("webhooks[%d]: url: %w", j, err)
		}
		if seen[w.WebhookID] || w.CreatedAt.IsZero() || len(w.SealedSecret) < webhook.MinSealedSize {
			return out, fmt.Errorf("webhooks[%d]: id %s appears twice, createdAt is missing, or sealedSecret is not a sealed secret", j, w.WebhookID)
		}
		seen[w.WebhookID] = true
		out.hooks = append(out.hooks, store.Webhook{ID: w.WebhookID, ClientID: c.ID, URL: u, SealedSecret: w.SealedSecret, CreatedAt: w.CreatedAt})
	}
	out.records, err = checkRecords(x, c.ID, seen)
	return out, err
}

// checkClient checks an exported client's settings, secrets and sub-clients.
func checkClient(x exportedClient, seen map[string]bool) (store.Client, []store.SubClient, error) {
	if err := checkID(x.ClientID, "a client id"); err != nil {
		return store.Client{}, nil, err
	}
	c := store.Client{ID: x.ClientID, Enabled: x.Enabled, RateLimit: x.RateLimit, RateBurst: x.RateBurst,
		AllowPIIUserID: x.AllowPIIUserID, CreatedAt: x.CreatedAt, Origins: []string{}}
	var err error
	if seen[c.ID] {
		return c, nil, fmt.Errorf("client %s appears twice", c.ID)
	}
	seen[c.ID] = true
	if c.Name, err = checkName(x.Name); err != nil {
		return c, nil, fmt.Errorf("name: %w", err)
	}
	for _, o := range x.Origins {
		norm, err := normalizeOrigin(o)
		if err != nil {
			return c, nil, fmt.Errorf("origins: %w", err)
		}
		if !slices.Contains(c.Origins, norm) {
			c.Origins = append(c.Origins, norm)
		}
	}
	if c.Jurisdiction, err = checkJurisdiction(x.Jurisdiction); err != nil {
		return c, nil, fmt.Errorf("jurisdiction: %w", err)
	}
	if err := checkRateLimit(x.RateLimit); err != nil {
		return c, nil, fmt.Errorf("rateLimit: %w", err)
	}
	if x.RateBurst < 0 {
		return c, nil, errors.New("rateBurst: must not be negative")
	}
	if x.CreatedAt.IsZero() {
		return c, nil, errors.New("createdAt: missing")
	}
	for j, s := range x.Secrets {
		if len(s.Hash) != 32 || s.CreatedAt.IsZero() {
			return c, nil, fmt.Errorf("secrets[%d]: want a 32-byte SHA-256 hash (base64) and createdAt", j)
		}
		c.Secrets = append(c.Secrets, store.Secret{Hash: s.Hash, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, RevokedAt: s.RevokedAt})
	}
	var subs []store.SubClient
	for j, s := range x.SubClients {
		if err := checkID(s.SubClientID, "a sub-client id"); err != nil {
			return c, nil, fmt.Errorf("subClients[%d]: %w", j, err)
		}
		name, err := checkName(s.Name)
		if err != nil {
			return c, nil, fmt.Errorf("subClients[%d]: name: %w", j, err)
		}
		if seen[s.SubClientID] || s.CreatedAt.IsZero() {
			return c, nil, fmt.Errorf("subClients[%d]: id %s appears twice, or createdAt is missing", j, s.SubClientID)
		}
		seen[s.SubClientID] = true
		subs = append(subs, store.SubClient{ID: s.SubClientID, ClientID: c.ID, Name: name, CreatedAt: s.CreatedAt})
	}
	return c, subs, nil
}

// importClient creates c, or brings the existing client with its id to the exported
// settings and adds its missing secrets. It never makes a client or a secret more
// usable than the database has it: a client disabled here stays disabled (with a
// warning), a secret revoked or expired here stays so (store.ImportSecrets).
func importClient(ctx context.Context, e env, st store.Store, c store.Client, sum *importSummary) error {
	have, err := st.Client(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		if err := st.CreateClient(ctx, c); err != nil {
			return err
		}
		sum.Clients.Created++
		return nil
	}
	if err != nil {
		return err
	}
	changed := false
	if have.Name != c.Name || !slices.Equal(have.Origins, c.Origins) || have.Jurisdiction != c.Jurisdiction ||
		have.RateLimit != c.RateLimit || have.RateBurst != c.RateBurst || have.AllowPIIUserID != c.AllowPIIUserID {
		if err := st.UpdateClient(ctx, c); err != nil {
			return err
		}
		changed = true
	}
	switch {
	case have.Enabled && !c.Enabled:
		if err := st.SetClientEnabled(ctx, c.ID, false); err != nil {
			return err
		}
		changed = true
	case !have.Enabled && c.Enabled:
		fmt.Fprintf(e.stderr, "linkd import: client %s is disabled here and enabled in the export: left disabled (linkd client enable %s)\n", c.ID, c.ID)
	}
	n, err := st.ImportSecrets(ctx, c.ID, c.Secrets)
	if err != nil {
		return err
	}
	sum.SecretsChanged += n
	if changed || n > 0 {
		sum.Clients.Updated++
	} else {
		sum.Clients.Unchanged++
	}
	return nil
}

// importWebhook creates w unless its client already has it (the same id: it is left as
// it is); it reports whether it created it.
func importWebhook(ctx context.Context, st store.Store, w store.Webhook) (bool, error) {
	return createOrFind(st.CreateWebhook(ctx, w), "a webhook", func() (bool, error) {
		hooks, err := st.Webhooks(ctx, w.ClientID)
		return slices.ContainsFunc(hooks, func(h store.Webhook) bool { return h.ID == w.ID }), err
	})
}

// importSubClient creates sc unless its client already has it; it reports whether it
// created it.
func importSubClient(ctx context.Context, st store.Store, sc store.SubClient) (bool, error) {
	return createOrFind(st.CreateSubClient(ctx, sc), "a sub-client", func() (bool, error) {
		_, err := st.SubClient(ctx, sc.ClientID, sc.ID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
}

// createOrFind is the import of one object of a client, given the error of creating it:
// created (true), or already there (ErrConflict, and ours finds it among the client's:
// false), or an error, such as an id that belongs to what of another client here.
func createOrFind(createErr error, what string, ours func() (bool, error)) (bool, error) {
	if createErr == nil {
		return true, nil
	}
	if !errors.Is(createErr, store.ErrConflict) {
		return false, createErr
	}
	found, err := ours()
	if err != nil {
		return false, err
	}
	if !found {
		return false, fmt.Errorf("this id belongs to %s of another client here", what)
	}
	return false, nil
}
