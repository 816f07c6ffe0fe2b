// Package linktoken is the domain of POST /api/v1/linktoken: decoding and validating the
// request (docs/design.md §2), minting one-time codes and the link token that carries one (docs/design.md §3),
// and redeeming a code into a Link session.
package linktoken

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/problem"
	"github.com/linkd-dev/linkd/internal/store"
)

// Service issues and redeems link tokens.
type Service struct {
	Store   store.Store
	Catalog *catalog.Catalog
	// PublicURL is linkd's base URL as browsers reach it (it usually sits behind a proxy).
	PublicURL *url.URL
	// TTL is the lifetime of a link token; SessionTTL the lifetime of the Link session a
	// token opens.
	TTL, SessionTTL time.Duration
	// Now is the clock; tests inject one.
	Now func() time.Time
	// MaxActive bounds the unexpired link tokens a client holds (--max-active-tokens;
	// 0: no bound): counted by the store, across every instance sharing it
	// (store.Store.CreateCodesCapped, docs/threat-model.md A4).
	MaxActive int

	baseOnce sync.Once
	pageBase string // PageBase(PublicURL)
}

func (s *Service) base() string {
	s.baseOnce.Do(func() { s.pageBase = PageBase(s.PublicURL) })
	return s.pageBase
}

// Issued is the answer to a link-token request.
type Issued struct {
	LinkToken   string
	PaymentLink string // "" unless transferOptions.generatePayLink
	ExpiresAt   time.Time
	// Active is the client's count of active link tokens after the request, when
	// MaxActive bounds it (Capped); Issue sets both with its tooManyActiveTokens error too.
	Active store.ActiveTokens
	Capped bool
}

// Issue validates a request body for client c, stores its code(s) durably and returns the
// link token. Errors are *problem.Error (the caller's fault) or store faults.
func (s *Service) Issue(ctx context.Context, c *store.Client, body []byte) (Issued, error) {
	req, err := Decode(body)
	if err != nil {
		return Issued{}, err
	}
	opts, err := Validate(req, s.Catalog, Policy{AllowPIIUserID: c.AllowPIIUserID, Jurisdiction: c.Jurisdiction})
	if err != nil {
		return Issued{}, err
	}
	if opts.SubClientID != "" {
		if _, err := s.Store.SubClient(ctx, c.ID, opts.SubClientID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return Issued{}, problem.SubClientNotFound.Field("subClientId",
					fmt.Sprintf("subClientId: no sub-client %s of this client (linkd client subclient list --client %s)", opts.SubClientID, c.ID))
			}
			return Issued{}, err
		}
	}
	bp := optionsBufs.Get().(*[]byte)
	defer optionsBufs.Put(bp)
	raw, err := opts.appendJSON((*bp)[:0])
	if err != nil {
		return Issued{}, err
	}
	*bp = raw // reused once CreateCodes has returned: the store keeps no reference
	now := s.Now()
	exp := now.Add(s.TTL)
	// A conflict means another process minted a code id with the same leading integer
	// (the same nanosecond): mint new codes and try again.
	for attempt := 1; ; attempt++ {
		out, codes := s.mint(c, &opts, raw, now, exp)
		err := s.store(ctx, codes, &out)
		if err == nil {
			return out, nil
		}
		if errors.Is(err, store.ErrTooManyActive) {
			return Issued{Active: out.Active, Capped: true}, &problem.Error{Type: problem.TooManyActiveTokens,
				RetryAfter: max(out.Active.Oldest.Sub(now), time.Second),
				Message:    fmt.Sprintf("this client holds %d unexpired link tokens, the most this server allows (--max-active-tokens); retry when some have expired", s.MaxActive)}
		}
		if !errors.Is(err, store.ErrConflict) || attempt == 3 {
			return Issued{}, err
		}
	}
}

// store stores the codes of one request: under the bound on active tokens if there is
// one (counted in the database, so that it holds across instances; the count goes to
// out), else by the group commit alone, which the bound then costs nothing.
func (s *Service) store(ctx context.Context, codes []store.LinkCode, out *Issued) error {
	if s.MaxActive > 0 {
		var err error
		out.Active, err = s.Store.CreateCodesCapped(ctx, s.MaxActive, codes...)
		out.Capped = err == nil || errors.Is(err, store.ErrTooManyActive)
		return err
	}
	return s.Store.CreateCodes(ctx, codes...)
}

// mint makes the codes of one link-token request (the link code, and the pay code if
// opts asks for a pay link) and the answer that carries them.
func (s *Service) mint(c *store.Client, opts *Options, raw []byte, now, exp time.Time) (Issued, []store.LinkCode) {
	linkCode, linkID, linkHash := NewCode()
	codes := []store.LinkCode{{ID: linkID, Hash: linkHash, Kind: store.KindLink, ClientID: c.ID, SubClientID: opts.SubClientID,
		UserID: opts.UserID, Options: raw, CreatedAt: now, ExpiresAt: exp}}
	out := Issued{LinkToken: Token(PageURL(s.base(), store.KindLink, c.ID, linkCode)), ExpiresAt: exp}
	if opts.Transfer != nil && opts.Transfer.GeneratePayLink {
		payCode, payID, payHash := NewCode()
		pay := codes[0]
		pay.ID, pay.Hash, pay.Kind = payID, payHash, store.KindPay
		codes = append(codes, pay)
		out.PaymentLink = PageURL(s.base(), store.KindPay, c.ID, payCode)
	}
	return out, codes
}

var optionsBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Opened is a Link session opened by redeeming a code.
type Opened struct {
	// Credential authenticates the Link UI's later calls (Authorization: Bearer); only its
	// hash is stored.
	Credential string
	Session    store.Session
	Options    Options
}

// Redeem consumes code, presented on the page of kind ("link" or "pay") of client
// clientID, and opens its Link session. Errors are *problem.Error of the redemption
// types, or store faults.
func (s *Service) Redeem(ctx context.Context, clientID, kind, code string) (Opened, error) {
	codeID, codeHash, ok := ParseCode(code)
	if !ok {
		return Opened{}, problem.LinkTokenNotFound.Field("code", "code: this link is not valid")
	}
	cred, credHash := NewSecret()
	now := s.Now()
	sess, err := s.Store.Redeem(ctx, store.Redemption{
		CodeID: codeID, CodeHash: codeHash, ClientID: clientID, Kind: kind,
		SessionHash: credHash, SessionExpiresAt: now.Add(s.SessionTTL), Now: now,
	})
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		return Opened{}, problem.LinkTokenNotFound.Field("code", "code: this link is not valid")
	case errors.Is(err, store.ErrExpired):
		return Opened{}, problem.LinkTokenExpired.Field("code", "code: this link has expired; ask for a new one")
	case errors.Is(err, store.ErrAlreadyUsed):
		return Opened{}, problem.LinkTokenAlreadyUsed.Field("code", "code: this link was already used; for your security the session it opened has been ended")
	case errors.Is(err, store.ErrRevoked):
		return Opened{}, problem.LinkTokenRevoked.Field("code", "code: this link was revoked")
	default:
		return Opened{}, err
	}
	opts, err := decodeStored(sess.Options, s.Catalog)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Credential: cred, Session: sess, Options: opts}, nil
}

// Session returns the open Link session a credential authenticates.
func (s *Service) Session(ctx context.Context, credential string) (store.Session, Options, error) {
	if !wellFormedSecret(credential) {
		return store.Session{}, Options{}, problem.SessionInvalid.Field("session", "session: missing or invalid session credential")
	}
	sess, err := s.Store.Session(ctx, Hash(credential), s.Now())
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		return store.Session{}, Options{}, problem.SessionInvalid.Field("session", "session: missing or invalid session credential")
	case errors.Is(err, store.ErrExpired):
		return store.Session{}, Options{}, problem.SessionExpired.Field("session", "session: this Link session is over")
	case errors.Is(err, store.ErrRevokedByOperator):
		return store.Session{}, Options{}, problem.SessionRevokedByOperator.Field("session", "session: this Link session was revoked by an operator (linkd client revoke-tokens)")
	case errors.Is(err, store.ErrRevoked):
		return store.Session{}, Options{}, problem.SessionRevoked.Field("session", "session: this Link session was ended because its link token was opened again")
	default:
		return store.Session{}, Options{}, err
	}
	opts, err := decodeStored(sess.Options, s.Catalog)
	if err != nil {
		return store.Session{}, Options{}, err
	}
	return sess, opts, nil
}
