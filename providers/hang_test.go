package providers_test

import (
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/providers/providertest"
)

// mute is a TCP server on 127.0.0.1 that accepts every connection, writes
// greeting on it (nothing, or half an SSH banner) and then says nothing
// more until the test ends. accepted gets a value per connection.
func mute(t *testing.T, greeting string) (port int, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acc := make(chan struct{}, 100)
	held := make(chan net.Conn, 100)
	t.Cleanup(func() {
		l.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(greeting))
			select {
			case held <- c:
			default:
				c.Close()
			}
			select {
			case acc <- struct{}{}:
			default:
			}
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, acc
}

// muteSFTP is a destination on a mute server, with a key and known_hosts
// (without a key rclone would ask an SSH agent, and fail before dialing).
func muteSFTP(t *testing.T, port int) providers.Config {
	dir := t.TempDir()
	known, key := filepath.Join(dir, "known_hosts"), filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(known, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return providers.Config{Name: "mute", Remote: fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=x:/d", port),
		Options: map[string]string{"key_file": key}, KnownHostsFile: known}
}

// greetings are the two ways a server that accepted a connection can fail
// to speak SSH: not at all, or half a banner (no end of line).
var greetings = map[string]string{"silent": "", "half banner": "SSH-2.0-"}

// TestOpenTimesOutOnMuteServer: opening a destination whose server accepts
// the connection and never completes the SSH handshake ends at the connect
// timeout, with an error that names the destination and says it timed out
// — also under crypt, whose inner remote is opened the same way.
func TestOpenTimesOutOnMuteServer(t *testing.T) {
	for name, greeting := range greetings {
		for _, crypt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s crypt=%v", name, crypt), func(t *testing.T) {
				port, _ := mute(t, greeting)
				c := muteSFTP(t, port)
				c.Timeout = time.Second
				if crypt {
					c.CryptPassword = "pw"
				}
				err := bounded(t, time.Minute, func() error {
					_, err := providers.Open(context.Background(), c)
					return err
				})
				var to *providers.TimedOut
				if !errors.As(err, &to) || !strings.HasPrefix(err.Error(), "mute: open: timed out after 1s") {
					t.Fatalf("Open of a mute server: %v, want mute: open: timed out after 1s …", err)
				}
				if !providers.IsRetryable(err) {
					t.Errorf("a timeout is not retryable: %v", err)
				}
			})
		}
	}
}

// TestOpenYieldsToCancel: with the default timeouts (30s to connect, 5m
// idle), cancelling the context ends an Open that is stuck in the SSH
// handshake at once, not when the server gives up.
func TestOpenYieldsToCancel(t *testing.T) {
	for name, greeting := range greetings {
		t.Run(name, func(t *testing.T) {
			port, accepted := mute(t, greeting)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-accepted
				cancel()
			}()
			err := bounded(t, 20*time.Second, func() error {
				_, err := providers.Open(ctx, muteSFTP(t, port))
				return err
			})
			if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "mute: open: ") {
				t.Fatalf("Open cancelled during the handshake: %v, want mute: open: context canceled", err)
			}
		})
	}
}

// TestSFTPUnreadableDirFailsListing: a directory below the root that the
// server may not read makes the whole listing fail, naming the directory —
// never a listing that leaves out what is in it. The server runs as an
// unprivileged user (root reads a chmod 000 directory all the same).
func TestSFTPUnreadableDirFailsListing(t *testing.T) {
	srv := testservers.StartUnprivilegedSFTP(t)
	for _, crypt := range []bool{false, true} {
		t.Run(fmt.Sprintf("crypt=%v", crypt), func(t *testing.T) {
			dir := fresh("unreadable")
			c := sftpConfig(srv, dir)
			if crypt {
				c.CryptPassword = "pw"
			}
			s := open(t, c)
			providertest.Write(t, s, "app/2026/01/01/000000Z/manifest.json", []byte("{}"))
			providertest.Write(t, s, "app/2026/01/02/000000Z/manifest.json", []byte("{}"))
			if n := count(t, s); n != 2 {
				t.Fatalf("listed %d objects before the chmod, want 2", n)
			}
			day := newestDir(t, filepath.Join(srv.Dir, dir))
			if err := os.Chmod(day, 0); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(day, 0o755)
			err := s.List(context.Background(), func(providers.Entry) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.HasPrefix(err.Error(), "sftp: list: ") {
				t.Fatalf("List with an unreadable directory: %v, want sftp: list: … permission denied", err)
			}
			t.Log(err)
		})
	}
}

// count lists s and counts its objects.
func count(t *testing.T, s providers.Store) int {
	t.Helper()
	n := 0
	if err := s.List(context.Background(), func(providers.Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// newestDir is the last directory, in name order, of the deepest level
// under root that holds directories only (a day's directory, with or
// without crypt's encrypted names): the one whose snapshot goes unread.
func newestDir(t *testing.T, root string) string {
	t.Helper()
	d := root
	for range 4 { // app / year / month / day
		entries, err := os.ReadDir(d)
		if err != nil || len(entries) == 0 {
			t.Fatalf("reading %s: %v (%d entries)", d, err, len(entries))
		}
		d = filepath.Join(d, entries[len(entries)-1].Name())
	}
	return d
}
