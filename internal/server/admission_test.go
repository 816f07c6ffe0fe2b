package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/config"
	"github.com/linkd-dev/linkd/internal/linkdtest"
	"github.com/linkd-dev/linkd/internal/server"
)

// TestAdmission: past --max-in-flight requests in flight, linkd answers 503 overloaded
// with Retry-After at once, before the handler reads the body; the operations
// routes still answer; places free up as requests end; rejections are counted
// (docs/threat-model.md A4).
func TestAdmission(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.MaxInFlight = 2 })
	// Two requests whose bodies never finish arriving hold both places: linkd has
	// authenticated them and waits in the body.
	var held []net.Conn
	for range 2 {
		held = append(held, startSlowPost(t, e, e.Client))
	}
	waitMetric(t, e, "linkd_requests_in_flight 2")

	start := time.Now()
	r := e.LinkToken(t, e.Client, `{"userId":"u1"}`)
	env := r.Envelope(t)
	if r.StatusCode != 503 || env.ErrorType == nil || *env.ErrorType != "overloaded" || env.Status != "serverFailure" ||
		r.Header.Get("Retry-After") != "1" || !strings.Contains(env.Message, "--max-in-flight") {
		t.Fatalf("third request: %d Retry-After %q %s", r.StatusCode, r.Header.Get("Retry-After"), r.Body)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %v", d)
	}
	// A refused request whose body has not arrived yet holds no place, and is answered
	// once net/http has drained its body.
	c := startSlowPost(t, e, e.Client)
	waitMetric(t, e, "linkd_overload_rejections_total 2")
	waitMetric(t, e, "linkd_requests_in_flight 2")
	io.WriteString(c, `rId":"u1"}`) // the rest of startSlowPost's body
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, err := readStatusLine(c)
	if err != nil || !strings.Contains(status, " 503 ") {
		t.Fatalf("refused request with a late body: %q %v", status, err)
	}
	c.Close()
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := e.Do(t, "GET", path, nil); r.StatusCode != 200 {
			t.Errorf("%s while full: %d %s", path, r.StatusCode, r.Body)
		}
	}
	waitMetric(t, e, `linkd_errors_total{errorType="overloaded"} 2`)

	for _, c := range held {
		c.Close()
	}
	waitMetric(t, e, "linkd_requests_in_flight 0")
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("after the places freed: %d %s", r.StatusCode, r.Body)
	}
}

// TestOverloadedAnswer: the recorded refusal is what api.WriteError writes for it.
func TestOverloadedAnswer(t *testing.T) {
	rec := httptest.NewRecorder()
	api.WriteError(rec, httptest.NewRequest("POST", "/api/v1/linktoken", nil), server.ErrOverloaded)
	got := httptest.NewRecorder()
	server.WriteOverloaded(got, httptest.NewRequest("POST", "/api/v1/linktoken", nil))
	if got.Code != rec.Code || got.Body.String() != rec.Body.String() || !reflect.DeepEqual(got.Header(), rec.Header()) {
		t.Errorf("recorded: %d %v %s\nWriteError: %d %v %s", got.Code, got.Header(), got.Body, rec.Code, rec.Header(), rec.Body)
	}
}

// TestAdmissionOff: --max-in-flight 0 bounds nothing and exports no gauge.
func TestAdmissionOff(t *testing.T) {
	e := linkdtest.Start(t, func(c *config.Serve) { c.MaxInFlight = 0 })
	var held []net.Conn
	for range 3 {
		held = append(held, startSlowPost(t, e, e.Client))
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	if r := e.LinkToken(t, e.Client, `{"userId":"u1"}`); r.StatusCode != 200 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if m := e.Do(t, "GET", "/metrics", nil); strings.Contains(string(m.Body), "linkd_requests_in_flight") {
		t.Error("the in-flight gauge is exported with admission control off")
	}
}

// startSlowPost sends the headers of POST /api/v1/linktoken and half of its body, and
// leaves the connection open.
func startSlowPost(t *testing.T, e *linkdtest.Env, c linkdtest.Credentials) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := `{"userId":"u1"}`
	fmt.Fprintf(conn, "POST /api/v1/linktoken HTTP/1.1\r\nHost: linkd\r\nX-Client-Id: %s\r\nX-Client-Secret: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", c.ID, c.Secret, len(body), body[:5])
	return conn
}

func readStatusLine(c net.Conn) (string, error) {
	var b [64]byte
	n, err := io.ReadAtLeast(c, b[:], 12)
	line, _, _ := strings.Cut(string(b[:n]), "\r\n")
	return line, err
}

// waitMetric waits until /metrics has a line starting with sample.
func waitMetric(t *testing.T, e *linkdtest.Env, sample string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := e.Do(t, "GET", "/metrics", nil)
		for _, line := range strings.Split(string(m.Body), "\n") {
			if strings.HasPrefix(line, sample) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics has no %q", sample)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
