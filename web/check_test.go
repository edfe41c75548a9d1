package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatusShowsRestoreTests: a reconcile that runs a failing check shows
// it in /status and on the page, and fires check_failed.
func TestStatusShowsRestoreTests(t *testing.T) {
	l, dir := newLoopWith(t, `
check "web-opens" {
  application = application.web
  from        = tier.local
  every       = "1d"
  command     = ["sh", "-c", "echo no index.html; exit 1"]
}
notify "log" {
  command = ["sh", "-c", "cat >> '${path.config}/events.json'"]
}
`, nil)
	l.Pass(context.Background(), "test")
	srv := newServer(t, l, false, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second}
	status, err := l.Status().JSON() // what /status serves
	if body := string(status); err != nil || !strings.Contains(body, `"check": "web-opens"`) || !strings.Contains(body, `"outcome": "failed"`) ||
		!strings.Contains(body, `"output": "no index.html"`) {
		t.Errorf("/status: %v\n%s", err, body)
	}
	code, body := get(t, c, srv.URL+"/")
	if code != 200 || !strings.Contains(body, "Restore tests") || !strings.Contains(body, `<span class="bad">failed</span>`) {
		t.Errorf("GET / = %d:\n%s", code, body)
	}
	events, err := os.ReadFile(filepath.Join(dir, "events.json"))
	if err != nil || !strings.Contains(string(events), `"event": "check_failed"`) || !strings.Contains(string(events), `check \"web-opens\" of web at tier local failed`) {
		t.Errorf("notifications: %v\n%s", err, events)
	}
}
