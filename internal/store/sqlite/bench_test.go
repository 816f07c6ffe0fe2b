package sqlite

import (
	"context"
	"testing"

	"github.com/linkd-dev/linkd/internal/store/storetest"
)

// BenchmarkCreateCodes: see storetest.BenchCreateCodes.
func BenchmarkCreateCodes(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchCreateCodes(b, s)
}
