package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/linkd-dev/linkd/internal/store"
	"github.com/linkd-dev/linkd/internal/store/postgres/pgtest"
	"github.com/linkd-dev/linkd/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openTemp opens a store on a new, empty database.
func openTemp(t testing.TB, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.URL(t), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t, Options{}) })
}

// TestRedeemFault: a fault between the code's consume and the session's insert (a trigger
// that raises on the insert, created through another connection) leaves the code
// unconsumed (docs/threat-model.md T4).
func TestRedeemFault(t *testing.T) {
	url := pgtest.URL(t)
	s, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	storetest.RunRedeemFault(t, s, func(t *testing.T) func() {
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string) {
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
		exec(`CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`)
		exec(`CREATE TRIGGER injected_fault BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION injected_fault()`)
		return func() {
			exec(`DROP TRIGGER injected_fault ON sessions`)
			exec(`DROP FUNCTION injected_fault()`)
			conn.Close(context.Background())
		}
	})
}
