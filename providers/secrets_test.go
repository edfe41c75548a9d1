package providers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/fserrors"

	"github.com/stratabackup/strata/providers"
)

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsNeverShown(t *testing.T) {
	const (
		keyID   = "AKIDSECRETKEYID4711"
		secret  = "sup3r/s3cr3t'with,quote:s"
		inline  = "inlineSecretValue0815"
		cryptPw = "crypt-password-42"
	)
	logs := &syncBuffer{}
	providers.SetLogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() { providers.SetLogHandler(slog.DiscardHandler) })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, ci := fs.AddConfig(ctx) // fail fast: the server is not there
	ci.LowLevelRetries = 1
	for _, crypt := range []string{"", cryptPw} {
		c := providers.Config{
			Name:          "offsite",
			Remote:        ":s3,provider=Minio,endpoint='http://127.0.0.1:1',session_token=" + inline + ":bucket/prefix",
			Options:       map[string]string{"access_key_id": keyID, "secret_access_key": secret, "max_upload_parts": "10"},
			CryptPassword: crypt,
		}
		s, err := providers.Open(ctx, c)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var errs []error
		_, err = s.Write(ctx, "a/b", strings.NewReader("data"), 4)
		errs = append(errs, err)
		errs = append(errs, s.List(ctx, func(providers.Entry) error { return nil }))
		_, err = s.Open(ctx, "a/b")
		errs = append(errs, err)
		errs = append(errs, s.Delete(ctx, "a/b"))
		for _, err := range errs {
			if err == nil {
				t.Fatal("an operation on an unreachable server succeeded")
			}
			msg := fmt.Sprintf("%v %+v %q", err, err, err)
			if !strings.HasPrefix(err.Error(), "offsite: ") {
				t.Errorf("error does not name the store: %v", err)
			}
			checkNoSecret(t, "error", msg, keyID, secret, inline, cryptPw)
		}
		t.Logf("sample error: %v", errs[0])
	}
	// A bad option value is an error that does not echo it.
	_, err := providers.Open(ctx, providers.Config{
		Name:    "offsite",
		Remote:  ":s3,endpoint='http://127.0.0.1:1':bucket",
		Options: map[string]string{"secret_access_key": secret, "chunk_size": "not-a-size-" + inline},
	})
	if err == nil {
		t.Fatal("Open with a bad option value succeeded")
	}
	checkNoSecret(t, "error", err.Error(), secret, inline)
	// (Not the host: another test's SFTP host is a redacted, sensitive value.)
	if !strings.Contains(logs.String(), "Creating backend") {
		t.Logf("logs: %s", logs)
		t.Error("debug logs were not routed to the handler")
	}
	checkNoSecret(t, "log", logs.String(), keyID, secret, inline, cryptPw)
}

func checkNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows secret %q: %s", what, s, text)
		}
	}
}

func TestIsRetryable(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{base, false},
		{providers.ErrNotFound, false},
		{fmt.Errorf("x: %w", providers.ErrNotFound), false},
		{context.Canceled, false},
		{fserrors.RetryError(base), true},
		{fmt.Errorf("wrapped: %w", fserrors.RetryError(base)), true},
		{fserrors.FatalError(base), false},
		{fserrors.NoRetryError(io.ErrUnexpectedEOF), false},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
	}
	for _, tt := range tests {
		if got := providers.IsRetryable(tt.err); got != tt.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestUnreachable dials a port nothing listens on, directly and through an
// S3 store: both errors say the server cannot be reached; others do not.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, dialErr := net.Dial("tcp", addr)
	s := open(t, providers.Config{Remote: ":s3,provider=Other,endpoint='http://" + addr + "',access_key_id=a,secret_access_key=b:bucket"})
	_, writeErr := s.Write(context.Background(), "x", strings.NewReader("x"), 1)
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{dialErr, true}, {writeErr, true}, {fmt.Errorf("put: %w", dialErr), true},
		{nil, false}, {io.ErrUnexpectedEOF, false}, {&net.OpError{Op: "read", Err: io.EOF}, false},
	} {
		if got := providers.Unreachable(tt.err); got != tt.want {
			t.Errorf("Unreachable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestStoreErrorsClassified(t *testing.T) {
	s := open(t, providers.Config{Remote: root(t)})
	_, err := s.Open(context.Background(), "missing")
	if !errors.Is(err, providers.ErrNotFound) || providers.IsRetryable(err) {
		t.Fatalf("missing object: %v", err)
	}
}

// Where a store is (host, port, user) stays in its errors: "dial tcp
// ***:22" helps nobody. Its password does not, nor a host from env().
func TestErrorsNameTheHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: the dial is refused
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const pass = "pa55-w0rd-never-shown"
	_, err = providers.Open(ctx, providers.Config{
		Name:                "there",
		Remote:              fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=backupuser,key_file_pass=%s:/d", port, pass),
		Options:             map[string]string{"pass": pass},
		InsecureSkipHostKey: true,
	})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	msg := err.Error()
	checkNoSecret(t, "error", msg, pass)
	if !strings.Contains(msg, fmt.Sprintf("127.0.0.1:%d", port)) {
		t.Errorf("the error hides where the store is: %s", msg)
	}

	_, err = providers.Open(ctx, providers.Config{
		Name:    "nokeys",
		Remote:  fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=backupuser:/d", port),
		Options: map[string]string{"pass": pass, "known_hosts_file": "/nonexistent/known_hosts"},
	})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/known_hosts") {
		t.Errorf("the error hides which known_hosts file is missing: %v", err)
	}

	_, err = providers.Open(ctx, providers.Config{
		Name:                "hidden",
		Remote:              ":sftp:/d",
		Options:             map[string]string{"host": "127.0.0.2", "port": fmt.Sprint(port), "user": "someone"},
		SensitiveOptions:    map[string]bool{"host": true},
		InsecureSkipHostKey: true,
	})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	checkNoSecret(t, "error", err.Error(), "127.0.0.2")
}
