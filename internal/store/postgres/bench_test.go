package postgres

import (
	"fmt"
	"testing"

	"github.com/linkd-dev/linkd/internal/store/storetest"
)

// BenchmarkCreateCodes: see storetest.BenchCreateCodes. With one writer, batches are
// about twice as large as with two, and each code costs less CPU.
func BenchmarkCreateCodes(b *testing.B) {
	for _, writers := range []int{1, 2} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s := openTemp(b, Options{Writers: writers})
			defer s.Close()
			storetest.BenchCreateCodes(b, s)
		})
	}
}
