package testservers

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// CountingProxy forwards every TCP connection made to its loopback port to
// a server and counts them: a test can tell how many SSH connections a
// client opened.
type CountingProxy struct {
	ln       net.Listener
	accepted atomic.Int64
}

// StartCountingProxy starts a proxy to addr; it stops when the test ends.
func StartCountingProxy(t testing.TB, addr string) *CountingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CountingProxy{ln: ln}
	go p.serve(addr)
	t.Cleanup(func() { ln.Close() })
	return p
}

// Port is the proxy's port on 127.0.0.1.
func (p *CountingProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Accepted is how many connections the proxy has taken so far.
func (p *CountingProxy) Accepted() int64 { return p.accepted.Load() }

func (p *CountingProxy) serve(addr string) {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		go forward(c, addr)
	}
}

// forward copies both ways between c and a new connection to addr until
// either side closes.
func forward(c net.Conn, addr string) {
	defer c.Close()
	s, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
}

// Proxied is the SFTP server seen through p: a remote for path under Dir
// (as Remote) on the proxy's port, and a known_hosts file that lists the
// server's host key under that port.
func (s *SFTP) Proxied(t testing.TB, p *CountingProxy, path string) (remote, knownHosts string) {
	t.Helper()
	knownHosts = filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[%s]:%d %s\n", s.Host, p.Port(), s.HostKeyLine)
	if err := os.WriteFile(knownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(":sftp,host=%s,port=%d,user=%s:%s", s.Host, p.Port(), s.User, filepath.Join(s.Dir, path)), knownHosts
}

// Addr is the server's address, host:port.
func (s *SFTP) Addr() string { return fmt.Sprintf("%s:%d", s.Host, s.Port) }
