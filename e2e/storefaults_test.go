package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoreWriteFaults: when the embedded database cannot be written (a read-only file, a
// full disk), linkd keeps running and answers what it cannot store with 503
// storeUnavailable and Retry-After, never a 200 for a token it did not store; reads go on
// working; /readyz fails while writes fail and /healthz does not; and once the disk has
// room again, linkd serves again without a restart.
func TestStoreWriteFaults(t *testing.T) {
	t.Parallel()
	t.Run("read-only database file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		c := createClientIn(t, dir)
		prepare := readOnlyDatabase(t, dir)
		p := startLinkdWith(t, dir, prepare)

		r := p.linkToken(t, c, `{"userId":"u-1"}`)
		checkUnavailable(t, "POST /api/v1/linktoken", r)
		if r := p.integrations(t, c); r.Code != http.StatusOK {
			t.Errorf("GET /api/v1/integrations (a read) on a read-only database: %v, want 200", r)
		}
		checkReadiness(t, p, false)
	})

	t.Run("full disk", func(t *testing.T) {
		t.Parallel()
		if _, err := exec.LookPath("prlimit"); err != nil {
			skipOrFail(t, "prlimit (util-linux) is not installed")
		}
		dir := t.TempDir()
		c := createClientIn(t, dir)
		fi, err := os.Stat(filepath.Join(dir, "linkd.db"))
		if err != nil {
			t.Fatal(err)
		}
		// RLIMIT_FSIZE: no file of the process may grow past the database's size plus a
		// few WAL pages, as on a disk that fills up (EFBIG instead of ENOSPC; SQLite
		// reports both as a full disk).
		limit := fi.Size() + 48<<10
		p := startLinkdWith(t, dir, func(cmd *exec.Cmd) {
			cmd.Args = append([]string{"prlimit", fmt.Sprintf("--fsize=%d:unlimited", limit), "--", cmd.Path}, cmd.Args[1:]...)
			cmd.Path, _ = exec.LookPath("prlimit")
		})

		var issued []tokenURL
		var r *response
		for range 200 {
			if r = p.linkToken(t, c, `{"userId":"u-1"}`); r.Code != http.StatusOK {
				break
			}
			var out struct{ LinkToken string }
			decodeContent(t, r, &out)
			issued = append(issued, decodeToken(t, out.LinkToken))
		}
		checkUnavailable(t, fmt.Sprintf("POST /api/v1/linktoken after %d tokens", len(issued)), r)
		for range 5 {
			checkUnavailable(t, "POST /api/v1/linktoken, again", p.linkToken(t, c, `{"userId":"u-1"}`))
		}
		checkReadiness(t, p, false)
		// Counted every time, logged once for the burst.
		if m := p.do(t, "GET", "/metrics", nil); !strings.Contains(string(m.Body), "linkd_store_unavailable_total ") ||
			metricValue(string(m.Body), "linkd_store_unavailable_total") < 6 {
			t.Errorf("linkd_store_unavailable_total after 6 failed writes:\n%s", grepLines(string(m.Body), "linkd_store_unavailable_total"))
		}
		if n := strings.Count(p.Logs(), `msg="store unavailable"`); n != 1 {
			t.Errorf("%d log lines for one burst of failed writes, want 1:\n%s", n, grepLines(p.Logs(), "level=ERROR"))
		}

		// Room again: raise the process's limit (its soft limit, up to the hard one).
		if out, err := exec.Command("prlimit", "--pid", strconv.Itoa(p.pid()), "--fsize=unlimited").CombinedOutput(); err != nil {
			t.Fatalf("prlimit --pid: %v: %s", err, out)
		}
		waitFor(t, 10*time.Second, "GET /readyz 200 once the disk has room", func() string {
			if r := p.do(t, "GET", "/readyz", nil); r.Code != http.StatusOK {
				return r.String()
			}
			return ""
		})
		p.issue(t, c, user("u-1")) // once the disk has room
		// Nothing answered 200 was lost meanwhile.
		for i, tok := range issued {
			if r := p.redeem(t, c.ID, "link", tok.Code); r.Code != http.StatusOK {
				t.Errorf("token %d of %d answered 200 before the disk filled: redeem %v", i+1, len(issued), r)
			}
		}
	})
}

// metricValue is the value of an unlabelled Prometheus metric in a /metrics page (-1 if
// absent).
func metricValue(page, name string) float64 {
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// createClientIn creates the embedded database in dir with one client and returns it.
func createClientIn(t *testing.T, dir string) creds {
	t.Helper()
	p := &proc{DataDir: dir}
	return p.createClient(t, "Fault Co")
}

// readOnlyDatabase makes dir's database file read-only for the linkd that the returned
// prepare starts. As root, whom file modes do not stop, linkd runs as user nobody, owning
// the directory but not allowed to write the file.
func readOnlyDatabase(t *testing.T, dir string) (prepare func(*exec.Cmd)) {
	t.Helper()
	db := filepath.Join(dir, "linkd.db")
	if os.Geteuid() != 0 {
		if err := os.Chmod(db, 0o444); err != nil {
			t.Fatal(err)
		}
		return nil
	}
	const nobody = 65534
	// nobody must reach the binary and the data directory.
	for d := filepath.Dir(linkdBin); d != "/"; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			os.Chmod(d, fi.Mode().Perm()|0o001)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range append(entries, nil) {
		path := dir
		if e != nil {
			path = filepath.Join(dir, e.Name())
		}
		if err := os.Chown(path, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(db, 0o600) })
	return func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
}

// checkUnavailable fails t unless r is 503 storeUnavailable with Retry-After.
func checkUnavailable(t *testing.T, what string, r *response) {
	t.Helper()
	if r == nil {
		t.Fatalf("%s: no answer, want 503 storeUnavailable", what)
	}
	if status(r) != "503 storeUnavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%s: %v (Retry-After %q), want 503 storeUnavailable with Retry-After", what, r, r.Header.Get("Retry-After"))
	}
}

// checkReadiness checks /readyz (ready or not) and that /healthz answers 200 either way.
func checkReadiness(t *testing.T, p *proc, ready bool) {
	t.Helper()
	want := http.StatusOK
	if !ready {
		want = http.StatusServiceUnavailable
	}
	if r := p.do(t, "GET", "/readyz", nil); r.Code != want {
		t.Errorf("GET /readyz: %v, want %d", r, want)
	}
	if r := p.do(t, "GET", "/healthz", nil); r.Code != http.StatusOK {
		t.Errorf("GET /healthz: %v, want 200", r)
	}
}

// skipOrFail skips t for want of a tool, or fails it when LINKD_E2E_REQUIRED=1.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("LINKD_E2E_REQUIRED") == "1" {
		t.Fatalf("%s (LINKD_E2E_REQUIRED=1)", why)
	}
	t.Skip(why)
}

// TestRollingRestart: a second `linkd serve` starts on the database the first serves (a
// rolling restart on one host starts the new process before stopping the old one); both
// answer meanwhile, each redeems the other's tokens, and the new one carries on alone
// once the old one has stopped.
func TestRollingRestart(t *testing.T) {
	t.Parallel()
	old := startLinkd(t)
	c := old.createClient(t, "Rolling Co")
	before, _ := old.issue(t, c, user("u-1"))
	pending, _ := old.issue(t, c, user("u-1"))

	next := startLinkdOn(t, old.DataDir)
	fromNext, _ := next.issue(t, c, user("u-1"))
	if r := next.redeem(t, c.ID, "link", before.Code); r.Code != http.StatusOK {
		t.Errorf("the new process redeems a token of the old one: %v", r)
	}
	if r := old.redeem(t, c.ID, "link", fromNext.Code); r.Code != http.StatusOK {
		t.Errorf("the old process redeems a token of the new one: %v", r)
	}
	if r := old.redeem(t, c.ID, "link", before.Code); status(r) != "409 linkTokenAlreadyUsed" {
		t.Errorf("the old process, given a token the new one redeemed: %v, want 409 linkTokenAlreadyUsed", r)
	}

	old.stop()
	if r := next.redeem(t, c.ID, "link", pending.Code); r.Code != http.StatusOK {
		t.Errorf("after the old process stopped, its last token on the new one: %v", r)
	}
	if strings.Contains(next.Logs(), "level=ERROR") {
		t.Errorf("the new process logged errors:\n%s", next.Logs())
	}
}
