package pgtest

import (
	"net"
	"sync"
	"time"
)

// Proxy is a TCP proxy on a loopback port that forwards to a server and can fail on
// command, as the network or the server would: stall every byte (a blackhole, a server
// that hangs), refuse connections (a stopped server), cut the open connections (a
// restart, a failover) or delay every byte (a slow server). Tests point linkd at Addr
// instead of the server.
type Proxy struct {
	// Addr is where the proxy listens (host:port).
	Addr   string
	target string
	ln     net.Listener

	mu      sync.Mutex
	mode    proxyMode
	delay   time.Duration
	changed chan struct{} // closed and replaced when mode changes
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type proxyMode int

const (
	forward proxyMode = iota
	blackhole
	refuse
)

// NewProxy listens on a free loopback port and forwards to target (host:port).
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, changed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Blackhole stalls every connection, open and new: bytes are held, nothing is answered,
// as with a server that hangs or a network that drops packets.
func (p *Proxy) Blackhole() { p.setMode(blackhole, 0) }

// Refuse cuts every open connection and closes new ones at once, as a stopped server
// (or an unreachable host that answers with resets) would.
func (p *Proxy) Refuse() {
	p.setMode(refuse, 0)
	p.Drop()
}

// Delay forwards every chunk of bytes only after d, as a slow server or link would.
func (p *Proxy) Delay(d time.Duration) { p.setMode(forward, d) }

// Resume forwards again, at once.
func (p *Proxy) Resume() { p.setMode(forward, 0) }

// Drop cuts every open connection once (new ones are served as the mode says).
func (p *Proxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, not an orderly close
		}
		c.Close()
		delete(p.conns, c)
	}
}

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.Drop()
	p.setMode(forward, 0) // release stalled copies
	p.wg.Wait()
	return err
}

func (p *Proxy) setMode(m proxyMode, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay = m, delay
	close(p.changed)
	p.changed = make(chan struct{})
}

// state returns the mode, delay, and a channel closed at the next change.
func (p *Proxy) state() (proxyMode, time.Duration, <-chan struct{}, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.delay, p.changed, p.closed
}

// track adds (or removes) a connection to those Drop cuts; false if the proxy is closed.
func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !add {
		delete(p.conns, c)
		return true
	}
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if mode, _, _, _ := p.state(); mode == refuse {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve connects c to the target and copies both ways until either side ends.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	if !p.track(client, true) {
		client.Close()
		return
	}
	defer p.track(client, false)
	defer client.Close()
	// A blackholed proxy does not even connect: the client's connection attempt hangs
	// on the server's first answer, as with a server that accepted and then hung.
	if !p.wait() {
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server, true) {
		server.Close()
		return
	}
	defer p.track(server, false)
	defer server.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.copy(server, client); server.Close() }()
	go func() { defer wg.Done(); p.copy(client, server); client.Close() }()
	wg.Wait()
}

// wait blocks while the proxy is blackholed; false once it is refusing or closed.
func (p *Proxy) wait() bool {
	for {
		mode, _, changed, closed := p.state()
		switch {
		case closed || mode == refuse:
			return false
		case mode == forward:
			return true
		}
		<-changed
	}
}

// copy forwards src to dst chunk by chunk, each chunk only when the mode allows it.
func (p *Proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait() {
				return
			}
			if _, delay, _, _ := p.state(); delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
