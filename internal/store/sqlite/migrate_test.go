package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/linkd-dev/linkd/internal/store"
)

// migratedTo creates a database file migrated up to version, and returns its path, a
// connection to it (closed with the test) and the migrations' provider.
func migratedTo(t *testing.T, version int64) (string, *sql.DB, *goose.Provider) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithGoMigrations(codesRowidMigration))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return path, db, p
}

// TestCodesRowidMigration: codes issued before migration 3 (16-byte BLOB keys) are still
// redeemable after it, and after it is rolled back and applied again.
func TestCodesRowidMigration(t *testing.T) {
	ctx := context.Background()
	path, db, p := migratedTo(t, 2)
	now := time.Now()
	const client = "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
	if _, err := db.Exec(`INSERT INTO clients (id, name, created_at) VALUES (?, 'x', ?)`, client, ms(now)); err != nil {
		t.Fatal(err)
	}
	var codes []store.LinkCode
	for i := range 3 {
		c := store.LinkCode{ID: testCodeID(string(rune('a' + i))), Hash: sum(string(rune('A' + i))), Kind: store.KindLink, ClientID: client,
			UserID: "u", Options: []byte(`{"userId":"u"}`), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := db.Exec(`INSERT INTO link_codes (id, hash, kind, client_id, user_id, options, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Hash, c.Kind, c.ClientID, c.UserID, c.Options, ms(c.CreatedAt), ms(c.ExpiresAt)); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	redeem := func(s *Store, c store.LinkCode) {
		t.Helper()
		sess, err := s.Redeem(ctx, store.Redemption{CodeID: c.ID, CodeHash: c.Hash, SessionHash: sum(string(c.ID)), SessionExpiresAt: now.Add(time.Hour), Now: now})
		if err != nil {
			t.Fatalf("Redeem(code issued before the migration): %v", err)
		}
		if string(sess.CodeID) != string(c.ID) || sess.UserID != "u" {
			t.Errorf("session = %+v", sess)
		}
	}
	s, err := OpenFile(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	redeem(s, codes[0])
	s.Close()
	// Down to 2 and up again: the remaining codes survive both directions, and the one
	// already redeemed stays redeemed.
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM link_codes WHERE redeemed_at IS NOT NULL`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after down: %d redeemed codes (%v), want 1", n, err)
	}
	s, err = OpenFile(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	redeem(s, codes[1])
	redeem(s, codes[2])
	_, err = s.Redeem(ctx, store.Redemption{CodeID: codes[0].ID, CodeHash: codes[0].Hash, SessionHash: sum("again"), SessionExpiresAt: now.Add(time.Hour), Now: now})
	if !errors.Is(err, store.ErrAlreadyUsed) {
		t.Errorf("Redeem(used code) after down and up = %v, want ErrAlreadyUsed", err)
	}
}

// TestTokenGrantMigration: access tokens stored before migration 5 keep working after it,
// each its own grant (a refresh then revokes no older token, and RevokeGrant revokes it
// alone).
func TestTokenGrantMigration(t *testing.T) {
	ctx := context.Background()
	path, db, _ := migratedTo(t, 4)
	now := time.Now()
	const client = "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
	hash := sum("old access token")
	if _, err := db.Exec(`INSERT INTO access_tokens (hash, kind, client_id, user_id, integration_id, broker_type, account_id, account_name,
		created_at, expires_at) VALUES (?, 'access', ?, 'u', 'i', 'sandbox', 'a', 'A', ?, ?)`, hash, client, ms(now), ms(now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.AccessToken(ctx, hash, now)
	if err != nil || tok.GrantID != fmt.Sprintf("%x", hash) || tok.SessionHash != nil {
		t.Fatalf("token after the migration = %+v, %v; want its own grant, no session", tok, err)
	}
	if n, err := s.RevokeGrant(ctx, client, tok.GrantID, now); err != nil || n != 1 {
		t.Errorf("RevokeGrant = %d, %v; want 1", n, err)
	}
}

// TestMigrationOutOfOrder: a database migrated by a build that had migration 10 but not 5
// (the wallets' line of work merged before the transfers') gets 5 when opened, and works.
func TestMigrationOutOfOrder(t *testing.T) {
	ctx := context.Background()
	path, _, p := migratedTo(t, 4)
	if _, err := p.ApplyVersion(ctx, 10, true); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open after migration 10 without 5: %v", err)
	}
	defer s.Close()
	if _, _, err := s.Transfers(ctx, "c", store.TransferQuery{Count: 1}); err != nil {
		t.Errorf("Transfers after the out-of-order migration: %v", err)
	}
}
