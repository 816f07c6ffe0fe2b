package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/webhook"
)

// webhookCmd dispatches `linkd client webhook …`: a client's transfer status webhooks and
// their deliveries. Like every client command it opens the database directly, so it works
// beside a running server, which delivers to a new webhook from the next event on.
func webhookCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("client webhook: missing command (add, list, rotate-secret, remove or deliveries)")
	}
	cmds := map[string]func(context.Context, env, []string) error{
		"add": webhookAdd, "list": webhookList, "rotate-secret": webhookRotateSecret, "remove": webhookRemove, "deliveries": webhookDeliveries,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return usagef("client webhook: unknown command %q (add, list, rotate-secret, remove or deliveries)", args[0])
	}
	return cmd(ctx, e, args[1:])
}

// clientFlag binds --client and returns the check of its value.
func clientFlag(f *flags, id *string) func() error {
	f.fs.StringVar(id, "client", "", "id of the client")
	return func() error {
		if err := checkID(*id, "a client id"); err != nil {
			return usagef("--client: %v", err)
		}
		*id = strings.ToLower(*id)
		return nil
	}
}

func webhookAdd(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "webhook add", "client webhook add --client ID --url URL [flags]")
	var clientID, rawURL, keyFile string
	checkClient := clientFlag(f, &clientID)
	f.fs.StringVar(&rawURL, "url", "", "http or https URL that receives the client's transfer status events")
	config.BindSecretKeyFile(f.b, &keyFile)
	check := func() error {
		if err := checkClient(); err != nil {
			return err
		}
		u, err := webhook.CheckURL(rawURL)
		if err != nil {
			return usagef("--url: %v", err)
		}
		rawURL = u
		return nil
	}
	return withStoreConfig(ctx, e, f, args, 0, check, func(st store.Store, _ []string, sc config.Store) error {
		if _, err := st.Client(ctx, clientID); err != nil {
			return notFound(err, "client", clientID)
		}
		keys := &webhook.KeyFile{Path: config.KeyFile(keyFile, sc.DataDir), Create: true}
		sealer, err := keys.Sealer()
		if err != nil {
			return err
		}
		secret := webhook.NewSecret()
		w := store.Webhook{ID: uuid.NewString(), ClientID: clientID, URL: rawURL, CreatedAt: time.Now().UTC()}
		w.SealedSecret = sealer.Seal(w.ID, secret)
		if err := st.CreateWebhook(ctx, w); err != nil {
			return notFound(err, "client", clientID)
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if reason := webhook.PrivateReason(rctx, nil, rawURL); reason != "" {
			fmt.Fprintf(e.stderr, "linkd: warning: %s: linkd serve delivers there only with --webhook-allow-private (local tests and demos)\n", reason)
		}
		return printJSON(e, map[string]string{"webhookId": w.ID, "secret": secret})
	})
}

// webhookView is how list prints a webhook: never its secret.
type webhookView struct {
	WebhookID string    `json:"webhookId"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"createdAt"`
}

func webhookList(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "webhook list", "client webhook list --client ID [flags]")
	var clientID string
	check := clientFlag(f, &clientID)
	return withStore(ctx, e, f, args, 0, check, func(st store.Store, _ []string) error {
		if _, err := st.Client(ctx, clientID); err != nil {
			return notFound(err, "client", clientID)
		}
		hooks, err := st.Webhooks(ctx, clientID)
		if err != nil {
			return err
		}
		out := []webhookView{}
		for _, w := range hooks {
			out = append(out, webhookView{w.ID, w.URL, w.CreatedAt})
		}
		return printJSON(e, out)
	})
}

// webhookRotateSecret gives webhook ID a new signing secret and prints it, once, as add
// does. It takes effect at the next attempt of every instance (each attempt reads the
// webhook as stored), pending retries included: a receiver that still checks the old
// secret answers non-2xx, and those deliveries keep being retried (at-least-once) until it
// checks the new one, so a rotation loses no event.
func webhookRotateSecret(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "webhook rotate-secret", "client webhook rotate-secret ID [flags]")
	f.arg = "a webhook id"
	var keyFile string
	config.BindSecretKeyFile(f.b, &keyFile)
	return withStoreConfig(ctx, e, f, args, 1, nil, func(st store.Store, pos []string, sc config.Store) error {
		id := strings.ToLower(pos[0])
		keys := &webhook.KeyFile{Path: config.KeyFile(keyFile, sc.DataDir)}
		sealer, err := keys.Sealer()
		if err != nil {
			return err
		}
		secret := webhook.NewSecret()
		w, err := st.SetWebhookSecret(ctx, id, sealer.Seal(id, secret))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no webhook with id %s", pos[0])
		}
		if err != nil {
			return err
		}
		return printJSON(e, map[string]string{"webhookId": w.ID, "secret": secret})
	})
}

func webhookRemove(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "webhook remove", "client webhook remove ID [flags]")
	f.arg = "a webhook id"
	return withStore(ctx, e, f, args, 1, nil, func(st store.Store, pos []string) error {
		w, err := st.DeleteWebhook(ctx, pos[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no webhook with id %s", pos[0])
		}
		if err != nil {
			return err
		}
		return printJSON(e, map[string]any{"webhookId": w.ID, "clientId": w.ClientID, "url": w.URL, "removed": true})
	})
}

// deliveryView and attemptView are how deliveries prints the outbox of a client.
type (
	deliveryView struct {
		DeliveryID    string        `json:"deliveryId"`
		WebhookID     string        `json:"webhookId"`
		URL           string        `json:"url"`
		EventID       string        `json:"eventId"`
		TransferID    string        `json:"transferId"`
		Status        string        `json:"transferStatus"`
		State         string        `json:"state"`
		Attempts      int           `json:"attempts"`
		NextAttemptAt *time.Time    `json:"nextAttemptAt,omitzero"`
		CreatedAt     time.Time     `json:"createdAt"`
		History       []attemptView `json:"history"`
	}
	attemptView struct {
		ID         string    `json:"id"`
		At         time.Time `json:"at"`
		DurationMS int64     `json:"durationMs"`
		HTTPStatus int       `json:"httpStatus,omitzero"`
		Outcome    string    `json:"outcome"`
		Error      string    `json:"error,omitzero"`
	}
)

func webhookDeliveries(ctx context.Context, e env, args []string) error {
	f := newFlags(e, "webhook deliveries", "client webhook deliveries --client ID [--limit N] [flags]")
	var clientID string
	checkClient := clientFlag(f, &clientID)
	var limit int
	f.fs.IntVar(&limit, "limit", 20, "how many of the newest deliveries to show (1–1000)")
	check := func() error {
		if limit < 1 || limit > 1000 {
			return usagef("--limit: must be 1–1000, got %d", limit)
		}
		return checkClient()
	}
	return withStore(ctx, e, f, args, 0, check, func(st store.Store, _ []string) error {
		if _, err := st.Client(ctx, clientID); err != nil {
			return notFound(err, "client", clientID)
		}
		ds, err := st.Deliveries(ctx, clientID, limit)
		if err != nil {
			return err
		}
		out := []deliveryView{}
		for _, d := range ds {
			v := deliveryView{DeliveryID: d.ID, WebhookID: d.WebhookID, URL: d.URL, EventID: d.EventID, TransferID: d.TransferID,
				Status: d.EventStatus, State: d.State, Attempts: d.Attempts, CreatedAt: d.CreatedAt, History: []attemptView{}}
			if !d.NextAttemptAt.IsZero() {
				v.NextAttemptAt = &d.NextAttemptAt
			}
			for _, a := range d.History {
				v.History = append(v.History, attemptView{ID: a.ID, At: a.At, DurationMS: a.Duration.Milliseconds(), HTTPStatus: a.StatusCode,
					Outcome: a.Outcome, Error: a.Error})
			}
			out = append(out, v)
		}
		return printJSON(e, out)
	})
}
