package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/server"
)

// TestSlowlorisHeaderTimeout: a client that sends half a request header and then nothing
// is disconnected after the server's header timeout (5 s), instead of holding a
// connection and a goroutine for as long as it likes (docs/threat-model.md A4, OWASP API4:2023,
// gosec G112). It runs the production Serve, not a test server, and in parallel with the
// other tests since it mostly waits.
func TestSlowlorisHeaderTimeout(t *testing.T) {
	t.Parallel()
	e := linkdtest.Start(t)
	srv, err := server.FromConfig(&e.Config, e.Store, slog.New(slog.DiscardHandler), nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() {
		cancel()
		<-done
	}()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST /api/v1/linktoken HTTP/1.1\r\nHost: linkd.example\r\nContent-Type: app"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.ReadAll(conn) // returns when the server closes the connection
	elapsed := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a half-sent request open for %v", elapsed)
	}
	if elapsed < 4*time.Second || elapsed > 10*time.Second {
		t.Errorf("connection closed after %v, want about the 5 s header timeout", elapsed)
	}
}
