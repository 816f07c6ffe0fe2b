package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// The ceiling is the cheapest server net/http allows for the same exchange: a bare
// handler that reads and discards the request body and answers a static JSON body of
// exactly the size of linkd's real answer, with the same header set. It runs as a
// separate process (this binary re-executed with -serve-ceiling), like linkd, so that
// both compete with the load generator for the same CPUs.

// ceilingSpec is what the parent tells the ceiling process to answer.
type ceilingSpec struct {
	BodySize int         `json:"bodySize"`
	Headers  [][2]string `json:"headers"` // besides Content-Length and Date, which net/http writes
}

// ceilingBody is a static envelope shaped like linkd's answer, padded to size bytes.
func ceilingBody(size int) []byte {
	const head = `{"content":{"linkToken":"`
	const tail = `","paymentLink":null},"status":"ok","message":"","displayMessage":null,"errorType":null}` + "\n"
	pad := size - len(head) - len(tail)
	if pad < 0 {
		pad = 0
	}
	return []byte(head + strings.Repeat("A", pad) + tail)
}

// serveCeiling is the ceiling process: it listens on addr, prints the address it got on
// stdout and serves until killed.
func serveCeiling(addr, specJSON string) error {
	var spec ceilingSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		return fmt.Errorf("ceiling spec: %w", err)
	}
	body := ceilingBody(spec.BodySize)
	length := []string{fmt.Sprint(len(body))}
	type header struct {
		name  string
		value []string
	}
	hdrs := make([]header, 0, len(spec.Headers))
	for _, h := range spec.Headers {
		hdrs = append(hdrs, header{http.CanonicalHeaderKey(h[0]), []string{h[1]}})
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hd := w.Header()
		for _, kv := range hdrs {
			hd[kv.name] = kv.value
		}
		hd["Content-Length"] = length
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return (&http.Server{Handler: h}).Serve(ln)
}

// startCeiling runs the ceiling process and returns it with its address.
func startCeiling(spec ceilingSpec) (*exec.Cmd, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	b, _ := json.Marshal(spec)
	cmd := exec.Command(self, "-serve-ceiling", "127.0.0.1:0", "-ceiling-spec", string(b))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start ceiling: %w", err)
	}
	lines := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			lines <- s.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
	}()
	select {
	case addr, ok := <-lines:
		if ok {
			return cmd, addr, nil
		}
	case <-time.After(10 * time.Second):
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, "", fmt.Errorf("the ceiling server did not start")
}
