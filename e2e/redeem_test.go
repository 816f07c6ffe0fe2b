package e2e

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/linkd-dev/linkd/meshapi"
)

// TestRedeemExactlyOnce sends the same code to POST /link/api/sessions from 200
// goroutines at once, against the real binary: exactly one redemption succeeds, the 199
// others are told the link was already used (409 linkTokenAlreadyUsed), nothing fails
// with 5xx, and since a reuse ends the session the code opened (RFC 6749 §4.1.2), the
// winner's session is then revoked. It holds across instances too: one case splits the
// requests between two linkd processes serving the same embedded database.
func TestRedeemExactlyOnce(t *testing.T) {
	t.Parallel()
	const n = 200
	tests := []struct {
		name      string
		kind      string
		req       *meshapi.LinkTokenRequest
		instances int
	}{
		{name: "link token", kind: "link", req: user("u-1"), instances: 1},
		{name: "payment link", kind: "pay", req: payLink("u-1"), instances: 1},
		{name: "two instances on one database", kind: "link", req: user("u-1"), instances: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			procs := []*proc{startLinkd(t)}
			for len(procs) < tc.instances {
				procs = append(procs, startLinkdOn(t, procs[0].DataDir))
			}
			p := procs[0]
			c := p.createClient(t, "Race Co")
			tok, pay := p.issue(t, c, tc.req)
			code := tok.Code
			if tc.kind == "pay" {
				code = parsePageURL(t, pay).Code
			}

			type outcome struct {
				resp *response
				err  error
			}
			out := make([]outcome, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := procs[i%len(procs)].redeemReq(c.ID, tc.kind, code)
					out[i] = outcome{r, err}
				}()
			}
			close(start)
			wg.Wait()

			counts := map[string]int{}
			var winner *response
			var winnerProc *proc
			for i, o := range out {
				switch {
				case o.err != nil:
					counts["transport error: "+o.err.Error()]++
				case o.resp.Code == http.StatusOK:
					counts["200"]++
					winner, winnerProc = o.resp, procs[i%len(procs)]
				default:
					counts[fmt.Sprintf("%d %s", o.resp.Code, o.resp.Type())]++
				}
			}
			want := map[string]int{"200": 1, "409 linkTokenAlreadyUsed": n - 1}
			if !equalCounts(counts, want) {
				t.Fatalf("outcomes of %d concurrent redemptions on %d instance(s):\n%s\nwant:\n%s", n, len(procs), fmtCounts(counts), fmtCounts(want))
			}

			var info sessionInfo
			decodeContent(t, winner, &info)
			if info.Kind != tc.kind || info.SessionToken == "" {
				t.Fatalf("winning redemption: kind %q, sessionToken %q", info.Kind, info.SessionToken)
			}
			for _, q := range procs {
				if r := q.session(t, info.SessionToken); status(r) != "401 sessionRevoked" {
					t.Errorf("winner's GET /link/api/session (won on %s, asked %s) after the code was reused: %v, want 401 sessionRevoked",
						winnerProc.Addr, q.Addr, r)
				}
			}
		})
	}
}

// equalCounts reports whether two outcome tallies are equal.
func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fmtCounts renders an outcome tally, one outcome a line.
func fmtCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf("  %4d × %s\n", m[k], k)
	}
	return s
}
