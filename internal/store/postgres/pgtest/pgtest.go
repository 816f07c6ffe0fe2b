package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The server shared by the tests of one test binary, started by the first URL.
var (
	mainRunning atomic.Bool
	sharedOnce  sync.Once
	shared      *Cluster
	sharedErr   error
)

// Main runs the tests of a package that uses URL and then stops the server they shared
// and removes its files. Use it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m interface{ Run() int }) int {
	mainRunning.Store(true)
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: removing the test server's files:", err)
		}
	}
	return code
}

// URL returns the URL of a new, empty database for the test, dropped when it ends: on
// LINKD_TEST_DATABASE_URL's server if that is set, else on a server started for the
// test binary (see Main). Without PostgreSQL it skips the test, or fails it when
// LINKD_E2E_REQUIRED=1.
func URL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("LINKD_TEST_DATABASE_URL")
	if admin == "" {
		if !mainRunning.Load() {
			t.Fatal("pgtest.URL: the package's TestMain must run its tests through pgtest.Main, which stops the server they share")
		}
		sharedOnce.Do(func() { shared, sharedErr = Start("") })
		switch {
		case errors.Is(sharedErr, ErrNotInstalled):
			SkipOrFail(t, sharedErr.Error())
		case sharedErr != nil:
			t.Fatalf("pgtest: %v", sharedErr)
		}
		admin = shared.URL("postgres")
	}
	name := "linkd_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, err := CreateDatabase(ctx, admin, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := DropDatabase(ctx, admin, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// SkipOrFail skips t for want of something the test needs, or fails it when
// LINKD_E2E_REQUIRED=1 (CI, where everything must run).
func SkipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
		t.Fatalf("%s (LINKD_E2E_REQUIRED=1)", why)
	}
	t.Skip(why)
}
