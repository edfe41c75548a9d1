package providers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/providers/providertest"
)

// muteSFTP is a destination on a mute server.
func muteSFTP(t *testing.T, m *testservers.Mute) providers.Config {
	key, known := testservers.ClientFiles(t, t.TempDir())
	return providers.Config{Name: "mute", Remote: fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=x:/d", m.Port),
		Options: map[string]string{"key_file": key}, KnownHostsFile: known}
}

// TestOpenTimesOutOnMuteServer: opening a destination whose server accepts
// the connection and never completes the SSH handshake ends at the connect
// timeout, with an error that names the destination and says it timed out
// — also under crypt, whose inner remote is opened the same way.
func TestOpenTimesOutOnMuteServer(t *testing.T) {
	for name, greeting := range testservers.Greetings {
		for _, crypt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s crypt=%v", name, crypt), func(t *testing.T) {
				c := muteSFTP(t, testservers.StartMute(t, greeting))
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
	for name, greeting := range testservers.Greetings {
		t.Run(name, func(t *testing.T) {
			m := testservers.StartMute(t, greeting)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-m.Accepted
				cancel()
			}()
			err := bounded(t, 20*time.Second, func() error {
				_, err := providers.Open(ctx, muteSFTP(t, m))
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
