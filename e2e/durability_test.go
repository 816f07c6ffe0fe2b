package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/linkd-dev/linkd/meshapi"
)

// TestDurability kills linkd with SIGKILL right after it answered and restarts it on the
// same data directory: every link token answered with 200 must still open (docs/design.md §3: "a
// token answered with 200 survives a crash"), and a redemption answered with 200 must
// still count (a crash must not allow a second use).
func TestDurability(t *testing.T) {
	t.Parallel()
	t.Run("one token", func(t *testing.T) {
		t.Parallel()
		p := startLinkd(t)
		c := p.createClient(t, "Durable Co")
		tok, _ := p.issue(t, c, user("u-1"))
		p.Kill()
		p.Restart()
		if r := p.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusOK {
			t.Fatalf("redeem after kill -9 and restart: %v, want 200", r)
		}
	})

	t.Run("payment link", func(t *testing.T) {
		t.Parallel()
		p := startLinkd(t)
		c := p.createClient(t, "Durable Co")
		_, pay := p.issue(t, c, payLink("u-1"))
		p.Kill()
		p.Restart()
		if pay == "" {
			t.Fatal("paymentLink = null")
		}
		pu := parsePageURL(t, pay)
		if r := p.redeem(t, c.ID, "pay", pu.Code); r.Code != http.StatusOK {
			t.Fatalf("redeem payment link after kill -9 and restart: %v, want 200", r)
		}
	})

	t.Run("concurrent tokens killed mid-traffic", func(t *testing.T) {
		t.Parallel()
		const (
			killAfter = 50 // SIGKILL as soon as this many 200s arrived
			requests  = 64 // the rest are in flight when linkd dies
		)
		p := startLinkd(t)
		c := p.createClient(t, "Durable Co")

		// Each request reports its token, or "" if it got no 200 (cut off by the kill).
		results := make(chan string, requests)
		api := p.api(c)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var refused []string // answers other than 200 (a failure, unless the kill cut them)
		for i := range requests {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tok, err := api.CreateLinkToken(context.Background(), user(fmt.Sprintf("user-%d", i)))
				var e *meshapi.Error
				switch {
				case errors.As(err, &e):
					mu.Lock()
					refused = append(refused, e.Error())
					mu.Unlock()
					results <- ""
				case err != nil: // cut off by the kill
					results <- ""
				default:
					results <- tok.LinkToken
				}
			}()
		}
		close(start)
		var tokens []string
		for done := 0; len(tokens) < killAfter && done < requests; done++ {
			if tok := <-results; tok != "" {
				tokens = append(tokens, tok)
			}
		}
		p.Kill()
		wg.Wait()
		close(results)
		for tok := range results {
			if tok != "" {
				tokens = append(tokens, tok)
			}
		}
		if len(refused) > 0 {
			t.Errorf("%d link-token requests were refused before the kill: %v", len(refused), refused)
		}
		t.Logf("%d of %d requests answered 200 before SIGKILL", len(tokens), requests)

		p.Restart()
		var lost []string
		for _, token := range tokens {
			tok := decodeToken(t, token)
			if r := p.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusOK {
				lost = append(lost, fmt.Sprintf("%s…: %v", tok.Code[:8], r))
			}
		}
		if len(lost) > 0 {
			t.Fatalf("%d of %d tokens answered with 200 did not survive kill -9:\n%v", len(lost), len(tokens), lost)
		}
	})

	t.Run("redemption survives a crash", func(t *testing.T) {
		t.Parallel()
		p := startLinkd(t)
		c := p.createClient(t, "Durable Co")
		tok, _ := p.issue(t, c, user("u-1"))
		var info sessionInfo
		decodeContent(t, p.redeem(t, c.ID, "link", tok.Code), &info)
		p.Kill()
		p.Restart()
		if r := p.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusConflict || r.Type() != "linkTokenAlreadyUsed" {
			t.Errorf("second redemption after kill -9 and restart: %v, want 409 linkTokenAlreadyUsed", r)
		}
		if r := p.session(t, info.SessionToken); r.Code != http.StatusUnauthorized || r.Type() != "sessionRevoked" {
			t.Errorf("first session after its code was reused: %v, want 401 sessionRevoked", r)
		}
	})
}
