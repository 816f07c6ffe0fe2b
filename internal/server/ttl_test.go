package server_test

import (
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
)

// TestTokenLifetimes: --access-token-ttl and --refresh-token-ttl set the lifetimes the
// brokerageAccountAccessToken message announces (expiresInSeconds,
// refreshTokenExpiresInSeconds), and an access token stops working on POST
// /api/v1/balance/get exactly when its announced lifetime is over, so that a CI suite can
// test its expiry handling in minutes (on the injected clock here).
func TestTokenLifetimes(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) {
		c.AccessTokenTTL = 2 * time.Minute
		c.RefreshTokenTTL = 5 * time.Minute
	})
	s := open(t, e, `{"userId":"u-ttl"}`)
	var conn connView
	s.must(t, "POST", "connections", `{"integrationId":"`+sandboxID+`","username":"user_good","password":"pass_good"}`, &conn)
	var linked struct {
		AccessToken struct {
			AccountTokens []struct {
				AccessToken, RefreshToken string
			}
			ExpiresInSeconds             int
			RefreshTokenExpiresInSeconds int
		}
	}
	s.must(t, "POST", "connections/"+conn.ConnectionID+"/accounts", `{"accountIds":["`+conn.Accounts[0].AccountID+`"]}`, &linked)
	at := linked.AccessToken
	if at.ExpiresInSeconds != 120 || at.RefreshTokenExpiresInSeconds != 300 {
		t.Fatalf("expiresInSeconds %d, refreshTokenExpiresInSeconds %d: want 120 and 300", at.ExpiresInSeconds, at.RefreshTokenExpiresInSeconds)
	}
	balance := func() *linkdtest.Response {
		return e.Do(t, "POST", "/api/v1/balance/get", []byte(`{"authToken":"`+at.AccountTokens[0].AccessToken+`","type":"sandbox"}`),
			"X-Client-Id", e.Client.ID, "X-Client-Secret", e.Client.Secret, "Content-Type", "application/json")
	}
	e.Clock.Advance(119 * time.Second)
	if r := balance(); r.StatusCode != 200 {
		t.Fatalf("1 s before the announced expiry: %d %s", r.StatusCode, r.Body)
	}
	e.Clock.Advance(time.Second)
	wantErrType(t, balance(), 401, "authTokenExpired")
}
