package linktoken

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// conflictStore is a fake store whose CreateCodes refuses the first conflicts calls with
// ErrConflict (another process minted the same id) and records what it stored.
type conflictStore struct {
	store.Store // nil: calling anything else panics
	conflicts   int
	calls       int
	stored      [][]store.LinkCode
}

func (s *conflictStore) CreateCodes(_ context.Context, codes ...store.LinkCode) error {
	s.calls++
	if s.calls <= s.conflicts {
		return store.ErrConflict
	}
	s.stored = append(s.stored, codes)
	return nil
}

func TestIssueRetriesConflicts(t *testing.T) {
	body := []byte(`{"userId":"u-1","transferOptions":{"generatePayLink":true,"amountInFiat":10,"toAddresses":[{"networkId":"` + ethereum + `","symbol":"USDC","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}]}}`)
	tests := []struct {
		name      string
		conflicts int
		wantErr   bool
		wantCalls int
	}{
		{"no conflict", 0, false, 1},
		{"one conflict", 1, false, 2},
		{"two conflicts", 2, false, 3},
		{"conflicts persist", 3, true, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &conflictStore{conflicts: tc.conflicts}
			svc := &Service{Store: st, Catalog: cat, PublicURL: &url.URL{Scheme: "https", Host: "linkd.example"},
				TTL: 10 * time.Minute, Now: time.Now}
			out, err := svc.Issue(context.Background(), &store.Client{ID: "c-1"}, body)
			if st.calls != tc.wantCalls {
				t.Errorf("CreateCodes called %d times, want %d", st.calls, tc.wantCalls)
			}
			if tc.wantErr {
				if !errors.Is(err, store.ErrConflict) {
					t.Fatalf("err = %v, want ErrConflict", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The answer carries the codes that were stored, not those of a refused attempt.
			codes := st.stored[len(st.stored)-1]
			if len(codes) != 2 {
				t.Fatalf("stored %d codes, want link and pay", len(codes))
			}
			for _, u := range []string{decodeToken(t, out.LinkToken), out.PaymentLink} {
				code := u[strings.Index(u, "#c=")+3:]
				id, hash, ok := ParseCode(code)
				if !ok {
					t.Fatalf("bad code in %s", u)
				}
				found := false
				for _, c := range codes {
					found = found || string(c.ID) == string(id) && string(c.Hash) == string(hash)
				}
				if !found {
					t.Errorf("%s: its code is not among the stored ones", u)
				}
			}
		})
	}
}

func decodeToken(t *testing.T, token string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("link token is not base64: %v", err)
	}
	return string(b)
}
