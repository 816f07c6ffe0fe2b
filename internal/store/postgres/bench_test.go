package postgres

import (
	"testing"

	"github.com/linkd-dev/linkd/internal/store/storetest"
)

// BenchmarkCreateCodes: see storetest.BenchCreateCodes. With one writer, batches are
// about twice as large as with two, and each code costs less CPU. capped is
// --max-active-tokens set (CreateCodesCapped: a transaction per request, one client).
func BenchmarkCreateCodes(b *testing.B) {
	for _, tc := range []struct {
		name         string
		writers, max int
	}{{"writers=1", 1, 0}, {"writers=2", 2, 0}, {"capped", 1, 1 << 30}} {
		b.Run(tc.name, func(b *testing.B) {
			s := openTemp(b, Options{Writers: tc.writers})
			defer s.Close()
			storetest.BenchCreateCodes(b, s, tc.max)
		})
	}
}
