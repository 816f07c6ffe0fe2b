// Package store defines linkd's persistence contract: API clients and their secrets,
// sub-clients, one-time link codes and the Link sessions they open, the tokens of connected
// accounts, the transfers made in Link sessions, and the outbox of transfer status webhooks
// (transfer.go).
//
// Every backend (the embedded SQLite store, PostgreSQL) implements Store and passes the
// same conformance suite, storetest.Run. The doc comments below are that contract; when a
// comment and a backend disagree, the backend is wrong.
//
// Secrets, codes and session credentials never reach a Store in clear text: callers pass
// SHA-256 hashes (RFC 6819 §5.1.4.1.3, docs/threat-model.md T7).
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Backends wrap them (fmt.Errorf("sqlite: …: %w", ErrNotFound)) so that
// callers compare with errors.Is. Any other error is a fault of the backend (disk, network,
// pool exhausted): callers must treat it as "unavailable" and fail closed (docs/threat-model.md S1),
// never as "not found" or "already used".
var (
	// ErrNotFound: no such client, sub-client, code or session (or it belongs to another
	// client, which is reported the same way so that ids cannot be probed: OWASP API1).
	ErrNotFound = errors.New("not found")
	// ErrConflict: an object with the same id or hash already exists.
	ErrConflict = errors.New("already exists")
	// ErrExpired: the code or session exists but its lifetime is over.
	ErrExpired = errors.New("expired")
	// ErrAlreadyUsed: the code was redeemed before. Returned to every redemption but the first.
	ErrAlreadyUsed = errors.New("already used")
	// ErrRevoked: the code or session was revoked (by an operator, or because its code was
	// presented a second time: RFC 6749 §4.1.2).
	ErrRevoked = errors.New("revoked")
	// ErrRevokedByOperator: the session was revoked by RevokeClientCodes (an operator's
	// `linkd client revoke-tokens`), not by a reuse of its code. It matches ErrRevoked too
	// (errors.Is), so that a caller that needs no reason checks ErrRevoked alone; the Link
	// UI tells its user which it was.
	ErrRevokedByOperator = fmt.Errorf("%w by an operator", ErrRevoked)
	// ErrTooManyActive: CreateCodesCapped refused the codes, the client holding as many
	// active link tokens as allowed.
	ErrTooManyActive = errors.New("too many active link tokens")
)

// ActiveTokens is a client's count of active link tokens as CreateCodesCapped left it:
// what Retry-After and the RateLimit fields (draft-ietf-httpapi-ratelimit-headers) report.
type ActiveTokens struct {
	// Held is how many are counted (the new one included if it was stored).
	Held int
	// Oldest and Newest are when the first and the last of them stop counting (zero if
	// none is counted).
	Oldest, Newest time.Time
}

// Client is an API client: the holder of an X-Client-Id / X-Client-Secret pair.
type Client struct {
	ID   string // uuid
	Name string
	// Origins are the web origins ("https://app.example") allowed to embed the Link UI and to
	// receive its messages.
	Origins []string
	Enabled bool
	// Jurisdiction is an ISO 3166-1 alpha-2 country code ("US"); integrations unavailable
	// there are refused with 451. Empty means no restriction.
	Jurisdiction string
	// RateLimit is the sustained request rate allowed on the API, per second; 0 = unlimited.
	RateLimit float64
	// RateBurst is the burst size for RateLimit; 0 means max(1, ceil(RateLimit)).
	RateBurst int
	// AllowPIIUserID relaxes the check that refuses userId values that look like an e-mail
	// address or phone number.
	AllowPIIUserID bool
	CreatedAt      time.Time
	// Secrets are the client's secrets, newest first, including revoked and expired ones
	// (callers decide which are live with Secret.Live).
	Secrets []Secret
}

// Secret is the stored form of a client secret: its SHA-256 hash and its lifetime.
type Secret struct {
	Hash      []byte // sha256 of the secret as presented in X-Client-Secret
	CreatedAt time.Time
	ExpiresAt time.Time // zero: does not expire (the current secret)
	RevokedAt time.Time // zero: not revoked
}

// Live reports whether the secret may authenticate a request at now.
func (s Secret) Live(now time.Time) bool {
	return s.RevokedAt.IsZero() && (s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt))
}

// SubClient is a B2B2B client of a client: Link shows its name instead of the client's.
type SubClient struct {
	ID        string // uuid
	ClientID  string
	Name      string
	CreatedAt time.Time
}

// Code kinds: a link token's code is opened by the SDK's iframe, a payment link's code by a
// full page. Both open a Session.
const (
	KindLink = "link"
	KindPay  = "pay"
)

// LinkCode is a one-time code minted by POST /api/v1/linktoken. A code is an id and a
// secret: the id is its key (random, but led by the time it was minted, so that inserts
// append to the table instead of rewriting random pages), the secret is stored only as
// its SHA-256 hash and compared in constant time on redemption.
type LinkCode struct {
	// ID is 16 bytes: a big-endian integer, the Unix time in nanoseconds at which the
	// code was minted (bumped by a few nanoseconds where needed to stay unique), then 8
	// random bytes. Backends may key on the integer alone (so it must be unique by
	// itself) and bound searches by time with it (Purge).
	ID          []byte
	Hash        []byte // sha256 of the code's secret
	Kind        string // KindLink or KindPay
	ClientID    string
	SubClientID string // "" if none
	UserID      string
	// Options is the validated request, as JSON, that the Link session will follow.
	Options   []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Session is a Link session, opened by redeeming a LinkCode. It inherits the code's binding
// to client, sub-client and user (RFC 6819 §5.1.5.8).
type Session struct {
	Hash        []byte // sha256 of the session credential
	CodeID      []byte // the code that opened it
	Kind        string
	ClientID    string
	SubClientID string
	UserID      string
	Options     []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero: not revoked
}

// Redemption asks Store.Redeem to consume a code and open a session with the given
// credential hash and lifetime.
type Redemption struct {
	// CodeID and CodeHash are the presented code's id and the hash of its secret.
	CodeID   []byte
	CodeHash []byte
	// ClientID and Kind, when not empty, bind the redemption to the page that asks for it:
	// a code of another client or of the other kind is ErrNotFound and is left untouched
	// (RFC 6819 §5.1.5.8).
	ClientID         string
	Kind             string
	SessionHash      []byte
	SessionExpiresAt time.Time
	Now              time.Time
}

// Object kinds kept for a Link session.
const (
	ObjectConnection   = "connection"
	ObjectTransfer     = "transfer"
	ObjectVerification = "verification"
)

// SessionObject is a piece of state of a Link session: a connection waiting for its
// second factor, a transfer preview and its execution, a wallet verification. It belongs
// to its session (a credential of one session cannot reach another's objects) and moves
// from state to state with SwapObject, so that a double click cannot execute a transfer
// twice.
type SessionObject struct {
	SessionHash []byte
	Kind        string
	ID          string
	State       string
	Data        []byte // JSON, owned by the Link UI
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
}

// Token kinds of AccessToken.
const (
	TokenAccess  = "access"
	TokenRefresh = "refresh"
)

// AccessToken is the stored form of a token handed to the client for a connected account:
// its hash, bound to the client and user that linked it (RFC 6819 §5.1.5.8).
type AccessToken struct {
	Hash          []byte
	Kind          string // TokenAccess or TokenRefresh
	ClientID      string
	UserID        string
	IntegrationID string
	BrokerType    string
	AccountID     string
	AccountName   string
	// GrantID ties together the access and refresh tokens of one connected account (one
	// account chosen in one Link session, and every token refreshed from them): refreshing
	// revokes the grant's older access tokens, and disconnecting the account revokes the
	// whole grant.
	GrantID string
	// SessionHash is the Link session that issued the grant ("" for none): a reuse of that
	// session's link code revokes the grant (RFC 6749 §4.1.2, docs/threat-model.md T5).
	SessionHash []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero: not revoked
}

// RefreshRequest asks Store.RefreshAccessToken to exchange a refresh token for a new access
// token (and, if Refresh is set, a new refresh token).
type RefreshRequest struct {
	// ClientID is the calling client: a refresh token of another client is unknown.
	ClientID    string
	RefreshHash []byte
	// Access is the new access token: the caller sets Hash, CreatedAt and ExpiresAt; the
	// store copies every other field (kind, client, user, integration, account, grant,
	// session) from the refresh token.
	Access AccessToken
	// Refresh, if not nil, is a new refresh token that replaces the presented one (refresh
	// token rotation), set up like Access.
	Refresh *AccessToken
	Now     time.Time
}

// WalletVerification is a wallet verification linkd checked: the signature of the link
// token's message by the wallet's key for Address verified (internal/walletsig) and the
// address and network allowed by the token's verifyWalletOptions. Only such rows are
// stored (GET /api/v1/wallets/verify lists them); they are kept, not purged.
type WalletVerification struct {
	ID          string // uuid
	ClientID    string
	SubClientID string // "" if none
	UserID      string
	// Address is as the wallet reported it; AddressKey is what lookups compare: the
	// lower-case address for EVM (case-insensitive hex), Address itself otherwise.
	Address, AddressKey string
	NetworkID           string
	NetworkType         string // "evm", "solana"
	Method              string // "signedMessage"
	Message             string
	Signature           string // as the wallet returned it (0x hex for EVM, base58 for Solana)
	IntegrationID       string
	WalletName          string
	// Sandbox marks a verification by the sandbox wallet, whose keys are public test keys:
	// it proves nothing about a user.
	Sandbox   bool
	CreatedAt time.Time
}

// WalletVerificationFilter selects a client's verifications: by user and address key when
// they are not empty, newest first, at most Limit rows.
type WalletVerificationFilter struct {
	ClientID   string
	UserID     string
	AddressKey string
	Limit      int
}

// Store is the persistence contract. All methods are safe for concurrent use, by
// goroutines and by other processes sharing the same database. A method returns only after
// its write is durable: an answer sent after a nil error survives kill -9 of the process.
type Store interface {
	// CreateClient stores a new client with its secrets. ErrConflict if the id exists.
	CreateClient(ctx context.Context, c Client) error
	// Client returns the client with all its secrets, or ErrNotFound.
	Client(ctx context.Context, id string) (Client, error)
	// Clients returns every client, oldest first, secrets included.
	Clients(ctx context.Context) ([]Client, error)
	// UpdateClient replaces the settings of an existing client (name, origins,
	// jurisdiction, rate limit, PII policy); Enabled, CreatedAt and Secrets are left as
	// they are. ErrNotFound if there is no such client.
	UpdateClient(ctx context.Context, c Client) error
	// SetClientEnabled enables or disables a client. ErrNotFound if there is no such client.
	SetClientEnabled(ctx context.Context, id string, enabled bool) error
	// AddSecret adds a secret to the client and, in the same transaction, makes every other
	// unrevoked secret expire at retireOthersAt (the rotation grace period), or keeps its
	// expiry if that is earlier: a rotation never extends an older secret's life, and an
	// emergency rotation with no grace ends every previous secret at once.
	// ErrNotFound if there is no such client.
	AddSecret(ctx context.Context, clientID string, s Secret, retireOthersAt time.Time) error
	// RevokeSecrets marks revoked at now every unrevoked secret of the client whose hash is
	// not keep (keep == nil revokes all) and returns how many it revoked.
	// ErrNotFound if there is no such client.
	RevokeSecrets(ctx context.Context, clientID string, keep []byte, now time.Time) (int, error)
	// ImportSecrets stores secrets of a client as an export carried them (linkd import):
	// a secret the client lacks is added as it is; of one it has (the same hash), the
	// earlier of the two expiries and the earlier of the two revocations are kept, so that
	// an import never makes a secret live again. It returns how many secrets it added or
	// changed (0 when importing the same secrets again). ErrNotFound if there is no such
	// client.
	ImportSecrets(ctx context.Context, clientID string, secrets []Secret) (int, error)

	// CreateSubClient stores a sub-client. ErrNotFound if the parent client does not exist;
	// ErrConflict if the id exists.
	CreateSubClient(ctx context.Context, s SubClient) error
	// SubClient returns the sub-client id of client clientID. ErrNotFound if it does not
	// exist or belongs to another client.
	SubClient(ctx context.Context, clientID, id string) (SubClient, error)
	// SubClients returns the sub-clients of a client, oldest first.
	SubClients(ctx context.Context, clientID string) ([]SubClient, error)

	// CreateCodes stores the codes of one link-token request atomically: all or none. It
	// keeps no reference to the codes' slices once it returns (callers reuse them).
	// ErrConflict if an id's leading integer exists (two processes minting codes in the
	// same nanosecond; the caller mints new codes and tries again). An id that is not
	// 16 bytes led by an integer below 2^63 is an error.
	CreateCodes(ctx context.Context, codes ...LinkCode) error
	// CreateCodesCapped is CreateCodes under a bound on the client's active link tokens
	// (--max-active-tokens, docs/threat-model.md A4). The codes are one link-token request
	// of one client: one link token (its KindLink code, and a KindPay code if it has a
	// payment link), active from its CreatedAt until its ExpiresAt, which is counted up
	// to the next whole second. In one transaction the store counts the client's link
	// tokens issued through CreateCodesCapped that are still active at the codes'
	// CreatedAt (redeemed and revoked ones too: they hold a code and a session until they
	// expire) and stores the codes only if fewer than max are; otherwise it stores nothing
	// and returns an error matching ErrTooManyActive. Either way it returns the count as
	// it left it. Concurrent calls for one client, on every instance sharing the store,
	// take turns, so that the bound holds exactly. ErrNotFound if the client does not
	// exist; ErrConflict as CreateCodes.
	CreateCodesCapped(ctx context.Context, max int, codes ...LinkCode) (ActiveTokens, error)
	// Redeem consumes a code and opens a session, atomically: exactly one of any number of
	// concurrent calls for the same code succeeds, on every instance sharing the store
	// (RFC 6749 §10.5, docs/threat-model.md T3), and a code is never consumed without its session
	// being stored (docs/threat-model.md T4). It returns the new session, or:
	//   - ErrNotFound if no code has that id (or it was purged), if the secret's hash does
	//     not match, or if the code does not match r.ClientID or r.Kind (nothing changes
	//     then);
	//   - ErrExpired if the code's lifetime is over (checked before use, so an expired
	//     code that was never redeemed stays unredeemed);
	//   - ErrRevoked if the code was revoked before it was redeemed;
	//   - ErrAlreadyUsed if the code was redeemed before; the session that redemption
	//     opened, and every access and refresh token whose SessionHash is that session's,
	//     are revoked in the same transaction (RFC 6749 §4.1.2, docs/threat-model.md T5).
	Redeem(ctx context.Context, r Redemption) (Session, error)
	// Session returns the session whose credential hashes to hash: ErrNotFound, ErrExpired
	// (now is at or past ExpiresAt) or ErrRevoked otherwise; ErrRevokedByOperator (which
	// matches ErrRevoked) when RevokeClientCodes revoked it.
	Session(ctx context.Context, hash []byte, now time.Time) (Session, error)
	// RevokeClientCodes revokes every unredeemed, unexpired code and every open session of
	// a client and returns how many codes and sessions it revoked. The client's active
	// link tokens stop counting against CreateCodesCapped's bound (the operator revoked
	// them, so the client may ask for new ones at once).
	RevokeClientCodes(ctx context.Context, clientID string, now time.Time) (codes, sessions int, err error)
	// PutObject stores a new session object. ErrConflict if the session already has an
	// object of that kind and id.
	PutObject(ctx context.Context, o SessionObject) error
	// Object returns a session object: ErrNotFound if the session has none of that kind
	// and id.
	Object(ctx context.Context, sessionHash []byte, kind, id string) (SessionObject, error)
	// SwapObject replaces the state, data, UpdatedAt and ExpiresAt of an existing object
	// if, and only if, its current state is fromState; ErrConflict otherwise (someone else
	// moved it first), ErrNotFound if it does not exist. Exactly one of concurrent swaps
	// from the same state succeeds.
	SwapObject(ctx context.Context, o SessionObject, fromState string) error

	// CreateAccessTokens stores tokens atomically: all or none. ErrConflict if a hash
	// exists.
	CreateAccessTokens(ctx context.Context, tokens ...AccessToken) error
	// AccessToken returns the token whose value hashes to hash, or ErrNotFound. A token
	// that is revoked, or expired (now is at or past ExpiresAt), is returned too, with
	// ErrRevoked or ErrExpired (revocation wins): callers check that the token is the
	// caller's before they tell "expired" from "invalid", so that nothing is revealed
	// about another client's token (OWASP API1:2023, docs/threat-model.md A1).
	AccessToken(ctx context.Context, hash []byte, now time.Time) (AccessToken, error)
	// RefreshAccessToken exchanges a refresh token for a new access token, atomically: in
	// one transaction it checks the refresh token, revokes (at r.Now) every unrevoked access
	// token of its grant, and stores r.Access; with r.Refresh it also revokes the presented
	// refresh token and stores r.Refresh. It returns the presented refresh token as it was
	// before the call, or:
	//   - ErrNotFound if no token hashes to r.RefreshHash, if it is not a refresh token, or
	//     if it belongs to another client than r.ClientID (checked first, whatever its
	//     state: docs/threat-model.md A1);
	//   - ErrRevoked or ErrExpired (at r.Now) for a refresh token of the client that can no
	//     longer be used;
	//   - ErrConflict if a new token's hash exists.
	//
	// Nothing changes unless it returns nil. Of concurrent refreshes that rotate the same
	// refresh token exactly one succeeds; the others get ErrRevoked.
	RefreshAccessToken(ctx context.Context, r RefreshRequest) (AccessToken, error)
	// ClientAccessTokens returns the client's access and refresh tokens that are usable at
	// now (not revoked, not expired), oldest first: the connected accounts `linkd export`
	// carries, as hashes.
	ClientAccessTokens(ctx context.Context, clientID string, now time.Time) ([]AccessToken, error)
	// RevokeGrant revokes, at now, every unrevoked token (access and refresh) of grant
	// grantID of client clientID and returns how many it revoked. ErrNotFound if the client
	// has no token of that grant.
	RevokeGrant(ctx context.Context, clientID, grantID string, now time.Time) (int, error)

	// CreateWalletVerification stores a verification linkd checked. ErrConflict if the id
	// exists.
	CreateWalletVerification(ctx context.Context, v WalletVerification) error
	// WalletVerifications returns the verifications f selects (never another client's).
	WalletVerifications(ctx context.Context, f WalletVerificationFilter) ([]WalletVerification, error)

	// TransferStore: transfers and the outbox of their webhooks (transfer.go).
	TransferStore

	// Purge deletes at most limit rows of each kind that expired or ended before `before`,
	// and returns how many rows it deleted: codes, sessions, session objects and access
	// tokens that expired, and CreateCodesCapped's counts of expired tokens; webhook
	// deliveries that were delivered or given up (with their attempts); and transfer
	// events that have no delivery left. Transfers themselves are never purged. Callers pass now minus a retention, so that a late reuse is still told
	// apart from an unknown code for a while and recent deliveries can be inspected.
	Purge(ctx context.Context, before time.Time, limit int) (int, error)
	// Ping checks that the store answers reads and that its writes are not failing (a
	// full disk, a read-only file, a lock held past the timeout): an error while writes
	// fail, nil again once they work. /readyz answers 503 on an error, so that a load
	// balancer sends no traffic that would only be refused.
	Ping(ctx context.Context) error
	// Close releases the store. Pending writes complete first.
	Close() error
}
