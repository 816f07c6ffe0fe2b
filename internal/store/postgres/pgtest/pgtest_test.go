package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestURL: each URL is a database of its own, empty, with fsync on.
func TestURL(t *testing.T) {
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two tests got the same database %s", a)
	}
	conn, err := pgx.Connect(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var fsync string
	var tables int
	if err := conn.QueryRow(t.Context(), `SELECT current_setting('fsync'), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&fsync, &tables); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" || tables != 0 {
		t.Errorf("fsync %s, %d tables; want on, 0", fsync, tables)
	}
}
