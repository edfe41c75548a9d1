package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// proxy forwards TCP connections from a port of its own on 127.0.0.1 to
// the bench's sshd and counts the bytes in each direction: what a transfer
// sent over the wire, SSH framing and SFTP requests included.
type proxy struct {
	ln       net.Listener
	target   string
	up, down atomic.Int64 // client → server, server → client
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

// startProxy listens on a free loopback port in front of 127.0.0.1:target.
func startProxy(target int) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, target: fmt.Sprintf("127.0.0.1:%d", target), conns: map[net.Conn]bool{}}
	go p.serve()
	return p, nil
}

// Port is the port the proxy listens on.
func (p *proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// reset zeroes the counters.
func (p *proxy) reset() { p.up.Store(0); p.down.Store(0) }

// stop closes the listener and every open connection.
func (p *proxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed by stop
		}
		go p.forward(c)
	}
}

// forward copies c to a new connection to the target and back until either
// side closes.
func (p *proxy) forward(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.track(c, s)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(s, c, &p.up) }()
	go func() { defer wg.Done(); p.pipe(c, s, &p.down) }()
	wg.Wait()
	p.untrack(c, s)
}

// pipe copies src to dst, counting as it goes, then closes dst's write
// side.
func (p *proxy) pipe(dst, src net.Conn, n *atomic.Int64) {
	io.Copy(counter{dst, n}, src)
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// counter is a writer that counts what it writes.
type counter struct {
	w io.Writer
	n *atomic.Int64
}

func (c counter) Write(b []byte) (int, error) {
	k, err := c.w.Write(b)
	c.n.Add(int64(k))
	return k, err
}

// settle waits, at most limit, until every connection has closed: the
// client has exited, and its last bytes are counted once the proxy has
// seen its side close.
func (p *proxy) settle(limit time.Duration) error {
	for end := time.Now().Add(limit); ; time.Sleep(10 * time.Millisecond) {
		p.mu.Lock()
		n := len(p.conns)
		p.mu.Unlock()
		if n == 0 {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("proxy: %d connections still open after %s", n, limit)
		}
	}
}

func (p *proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}

// knownHostsFor writes a known_hosts file that names the sshd's host key
// at 127.0.0.1:port (the proxy's port) and returns its path.
func (s *sshServer) knownHostsFor(port int, path string) (string, error) {
	b, err := os.ReadFile(s.KnownHosts)
	if err != nil {
		return "", err
	}
	_, key, ok := strings.Cut(string(b), " ")
	if !ok {
		return "", errors.New(s.KnownHosts + ": no host key")
	}
	return path, os.WriteFile(path, []byte(fmt.Sprintf("[127.0.0.1]:%d %s", port, key)), 0o600)
}
