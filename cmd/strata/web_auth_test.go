package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestWatchRefusesAnOpenPageWithoutALogin holds that watch will not serve
// beyond loopback without --web-auth, and says what to do.
func TestWatchRefusesAnOpenPageWithoutALogin(t *testing.T) {
	dir := newWatchDir(t, webConfig)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, strataBinary(t), "watch", "-C", dir, "--listen", "0.0.0.0:0", "--no-color").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "--web-auth FILE") {
		t.Fatalf("watch --listen 0.0.0.0:0 without --web-auth: %v\n%s", err, out)
	}
}

// TestWatchAsksForTheLoginOfWebAuth holds that with --web-auth every path
// but /healthz asks for a login, which the file's user and password pass.
func TestWatchAsksForTheLoginOfWebAuth(t *testing.T) {
	dir := newWatchDir(t, webConfig)
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("ops:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, dir, nil, "--web-auth", users)
	if !strings.Contains(w.out.String(), "login=\"required: 1 user(s) of "+users) {
		t.Errorf("watch did not say that a login is required:\n%s", w.out.String())
	}
	c := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		path, user, pass string
		want             int
	}{{"/", "", "", 401}, {"/status", "", "", 401}, {"/events", "ops", "wrong", 401}, {"/healthz", "", "", 200}, {"/", "ops", "correct horse", 200}, {"/status", "ops", "correct horse", 200}} {
		req, _ := http.NewRequest("GET", "http://"+w.addr+tc.path, nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s as %q = %s, want %d", tc.path, tc.user, resp.Status, tc.want)
		}
	}
}
