package providers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/providers/providertest"
)

// The conformance suite against real servers on 127.0.0.1: OpenSSH's sshd
// (SFTP) and versitygw (S3), plain and under rclone crypt.

// counter names fresh roots within one server.
var counter atomic.Int64

func fresh(prefix string) string { return fmt.Sprintf("%s%d", prefix, counter.Add(1)) }

// sftpConfig is a destination on the SFTP server, host key checked.
func sftpConfig(srv *testservers.SFTP, dir string) providers.Config {
	return providers.Config{
		Name: "sftp", Remote: srv.Remote(dir), Options: srv.Options(),
		KnownHostsFile: srv.KnownHosts, Timeout: 10 * time.Second,
	}
}

// s3Config is a destination on the S3 server.
func s3Config(srv *testservers.S3, path string) providers.Config {
	return providers.Config{Name: "s3", Remote: srv.Remote(path), Options: srv.Options(), Timeout: 10 * time.Second}
}

func TestSFTP(t *testing.T) {
	srv := testservers.StartSFTP(t)
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, sftpConfig(srv, fresh("root")))
	})
}

func TestS3(t *testing.T) {
	srv := testservers.StartS3(t)
	bucket := srv.Bucket(t, "strata")
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, s3Config(srv, bucket+"/"+fresh("prefix")))
	})
}

func TestCryptSFTP(t *testing.T) {
	srv := testservers.StartSFTP(t)
	providertest.Run(t, func(t *testing.T) providers.Store {
		c := sftpConfig(srv, fresh("crypt"))
		c.CryptPassword = "correct horse"
		return open(t, c)
	})
}

func TestCryptS3(t *testing.T) {
	srv := testservers.StartS3(t)
	bucket := srv.Bucket(t, "vault")
	providertest.Run(t, func(t *testing.T) providers.Store {
		c := s3Config(srv, bucket+"/"+fresh("crypt"))
		c.CryptPassword = "correct horse"
		return open(t, c)
	})
}

// TestServerSideCopy checks that two roots on one S3 bucket, or one SFTP
// server, copy on the server, and that the copy is right.
func TestServerSideCopy(t *testing.T) {
	sftp, s3 := testservers.StartSFTP(t), testservers.StartS3(t)
	bucket := s3.Bucket(t, "copies")
	pairs := map[string][2]providers.Config{
		"s3": {s3Config(s3, bucket+"/a"), s3Config(s3, bucket+"/b")},
	}
	for name, p := range pairs {
		t.Run(name, func(t *testing.T) {
			src, dst := open(t, p[0]), open(t, p[1])
			if !providers.ServerSideCopy(dst, src) {
				t.Fatal("two roots of one remote do not copy server-side")
			}
			b := providertest.Data(7, 3<<20)
			providertest.Write(t, src, "x/f", b)
			if err := dst.Copy(context.Background(), src, "x/f", "y/f"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(providertest.Read(t, dst, "y/f"), b) {
				t.Fatal("wrong content after a server-side copy")
			}
			providertest.CheckNoTemp(t, dst)
		})
	}
	// Across backends the data streams through strata.
	a, b := open(t, sftpConfig(sftp, "x")), open(t, s3Config(s3, bucket+"/c"))
	if providers.ServerSideCopy(b, a) {
		t.Fatal("SFTP → S3 claims a server-side copy")
	}
}

func TestSFTPUsage(t *testing.T) {
	srv := testservers.StartSFTP(t)
	s := open(t, sftpConfig(srv, "u"))
	providertest.Write(t, s, "f", []byte("x"))
	u, ok, err := s.Usage(context.Background())
	if err != nil || !ok || u.Free <= 0 {
		t.Fatalf("Usage over SFTP = %+v, %v, %v; want the server's free space", u, ok, err)
	}
}

// TestCryptOverServersHidesNames looks at what the servers stored.
func TestCryptOverServersHidesNames(t *testing.T) {
	sftp, s3 := testservers.StartSFTP(t), testservers.StartS3(t)
	bucket := s3.Bucket(t, "hidden")
	for name, c := range map[string]providers.Config{
		"sftp": sftpConfig(sftp, "hidden"), "s3": s3Config(s3, bucket+"/p"),
	} {
		t.Run(name, func(t *testing.T) {
			c.CryptPassword = "correct horse"
			s := open(t, c)
			providertest.Write(t, s, "hydro/manifest.json", bytes.Repeat([]byte("PLAINTEXT "), 1000))
			root := filepath.Join(sftp.Dir, "hidden")
			if name == "s3" {
				root = filepath.Join(s3.Dir, bucket)
			}
			checkOpaque(t, root, "hydro", "manifest", "PLAINTEXT")
			c.CryptPassword = "wrong"
			wrong := open(t, c)
			_, err := wrong.Open(context.Background(), "hydro/manifest.json")
			if err == nil || !strings.Contains(err.Error(), "password") {
				t.Fatalf("reading with the wrong password: %v, want a password error", err)
			}
		})
	}
}

// checkOpaque fails if a name or a file under root contains any word.
func checkOpaque(t *testing.T, root string, words ...string) {
	t.Helper()
	n := 0
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b := []byte{}
		if info.Mode().IsRegular() {
			n++
			if b, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		for _, w := range words {
			if strings.Contains(rel, w) || bytes.Contains(b, []byte(w)) {
				t.Errorf("%q readable on the server in %s", w, p)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking %s: %v (%d files)", root, err, n)
	}
}

func TestSFTPNeedsHostKeyCheck(t *testing.T) {
	srv := testservers.StartSFTP(t)
	c := sftpConfig(srv, "k")
	c.KnownHostsFile = ""
	_, err := providers.Open(context.Background(), c)
	if !errors.Is(err, providers.ErrNoHostKeyCheck) ||
		!strings.Contains(err.Error(), "known_hosts") || !strings.Contains(err.Error(), "insecure_skip_host_key") {
		t.Fatalf("Open without host-key checking: %v, want an error naming both options", err)
	}
	c.InsecureSkipHostKey = true
	providertest.Write(t, open(t, c), "f", []byte("x"))
	// known_hosts_file among the remote's own options is enough.
	c.InsecureSkipHostKey = false
	c.Options = map[string]string{"key_file": srv.KeyFile, "known_hosts_file": srv.KnownHosts}
	providertest.Write(t, open(t, c), "g", []byte("y"))
}

func TestSFTPUnknownHostKey(t *testing.T) {
	srv := testservers.StartSFTP(t)
	other := filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[127.0.0.1]:%d ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHjFR3L8D8y8wZ4Dq6n7lJc2m3z4Yb1qv3lV2c8oTn1b\n", srv.Port)
	for name, content := range map[string]string{"empty": "", "mismatch": line} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(other, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			c := sftpConfig(srv, "k")
			c.KnownHostsFile = other
			err := bounded(t, 30*time.Second, func() error { _, err := providers.Open(context.Background(), c); return err })
			if err == nil || !strings.Contains(err.Error(), "host key") {
				t.Fatalf("Open with an unknown host key: %v, want a host-key error", err)
			}
			t.Log(err)
		})
	}
}

func TestSFTPWrongKeyNoPrompt(t *testing.T) {
	srv := testservers.StartSFTP(t)
	c := sftpConfig(srv, "k")
	c.Options = map[string]string{"pass": "not the password"}
	err := bounded(t, 60*time.Second, func() error { _, err := providers.Open(context.Background(), c); return err })
	if err == nil || strings.Contains(err.Error(), "not the password") {
		t.Fatalf("Open with a wrong password: %v, want an error that shows no password", err)
	}
	t.Log(err)
}

// TestSilentServer: a server that accepts TCP connections and never says a
// word must end Open with an error within a bounded time.
func TestSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn // keep them open, answer nothing
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	key, known := testservers.ClientFiles(t, t.TempDir()) // without a key, rclone would fail before it dials
	for name, c := range map[string]providers.Config{
		"sftp": {Name: "silent", Remote: fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=x:/d", port),
			Options: map[string]string{"key_file": key}, KnownHostsFile: known},
		"s3": {Name: "silent", Remote: fmt.Sprintf(":s3,provider=Other,endpoint='http://127.0.0.1:%d',access_key_id=k,secret_access_key=s:b/p", port)},
	} {
		t.Run(name, func(t *testing.T) {
			c.Timeout = 2 * time.Second
			err := bounded(t, 90*time.Second, func() error {
				s, err := providers.Open(context.Background(), c)
				if err != nil {
					return err
				}
				return s.List(context.Background(), func(providers.Entry) error { return nil })
			})
			if err == nil {
				t.Fatal("a silent server was listed without error")
			}
			t.Log(err)
		})
	}
}

// bounded runs fn and fails the test if it does not return within d.
func bounded(t *testing.T, d time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- fn() }()
	select {
	case err := <-done:
		t.Logf("returned after %v", time.Since(start).Round(time.Millisecond))
		return err
	case <-time.After(d):
		t.Fatalf("still waiting after %v", d)
		return nil
	}
}

func TestCryptS3WrongPasswordList(t *testing.T) {
	srv := testservers.StartS3(t)
	c := s3Config(srv, "wpw/p")
	c.CryptPassword = "right"
	providertest.Write(t, open(t, c), "app/2026/01/01/000000Z/manifest.json", []byte("{}"))
	c.CryptPassword = "wrong"
	c.Name = "vault"
	err := open(t, c).List(context.Background(), func(providers.Entry) error { return nil })
	checkPasswordError(t, "List", err)
}
