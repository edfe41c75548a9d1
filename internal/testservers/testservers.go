// Package testservers starts real storage servers for strata's tests: an
// OpenSSH sshd (SFTP) and a versitygw S3 gateway, each as a child process of
// the test, listening on a free port of 127.0.0.1 only, with throw-away keys
// and credentials generated per run. It never touches a system service.
//
// A server that cannot start fails the test under CI=true and skips it
// otherwise, saying why (run `make deps` to install what is missing).
package testservers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to accept connections.
const startTimeout = 20 * time.Second

// unavailable fails the test under CI=true, else skips it, with the reason.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (run 'make deps' to install the test servers)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		unavailable(t, "no free port on 127.0.0.1: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// process is one server process that can be stopped and started again on
// the same port with the same data.
type process struct {
	name string
	addr string
	// command makes a fresh *exec.Cmd for each start.
	command func() *exec.Cmd
	logFile string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs the server and waits until it accepts TCP connections.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	log, err := os.OpenFile(p.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := p.command()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	if err := waitListening(p.addr, done); err != nil {
		p.stopLocked()
		return fmt.Errorf("%s: %w; its log:\n%s", p.name, err, tail(p.logFile))
	}
	return nil
}

// waitListening polls addr until it accepts a connection, the process
// exits, or startTimeout passes.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before listening on %s", addr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not listening on %s after %v", addr, startTimeout)
}

// stop kills the server (SIGKILL, like a crash or a pulled cable) and waits
// for it to exit.
func (p *process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *process) stopLocked() {
	if p.cmd == nil {
		return
	}
	// The whole tree: sshd forks a child per connection, in a session of
	// its own, which a process-group kill would miss.
	for _, pid := range descendants(p.cmd.Process.Pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	p.cmd, p.done = nil, nil
}

// tail returns the end of a log file, for error messages.
func tail(file string) string {
	b, _ := os.ReadFile(file)
	s := string(b)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// lookPath finds a program in PATH or in extra directories.
func lookPath(name string, extra ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range extra {
		if dir == "" {
			continue
		}
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH or %v", name, extra)
}

// goBinDirs are where `go install` puts programs: $GOBIN, $(go env GOPATH)/bin.
func goBinDirs() []string {
	dirs := []string{os.Getenv("GOBIN")}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOBIN", "GOPATH").Output()
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 {
			dirs = append(dirs, lines[0], lines[1]+"/bin")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, home+"/go/bin")
	}
	return dirs
}

// descendants lists the processes below pid, children first found first,
// from /proc (Linux).
func descendants(pid int) []int {
	parents := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			parents[ppid] = append(parents[ppid], child)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 && len(out) < 10000 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range parents[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
