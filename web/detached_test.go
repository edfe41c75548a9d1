package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/reconcile"
)

// A removable drive that is away is shown as such, grey, not as a failed
// or empty location; past its tier's grace it is stale.
func TestDetachedCell(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	app := reconcile.AppStatus{Name: "web", Locations: []reconcile.Location{
		{App: "web", Tier: "offsite", Destination: "usb-a", Detached: "no marker at its root"},
	}}
	col := column{Tier: "offsite", Destination: "usb-a"}
	c := newCell(app, col, now)
	if c.State != "detached" || !strings.Contains(c.Problem, "no marker") || c.Count != "" {
		t.Errorf("detached drive: got state %q, problem %q, count %q", c.State, c.Problem, c.Count)
	}
	app.Stale = []string{"offsite"}
	if c = newCell(app, col, now); c.State != "stale" || !strings.Contains(c.Problem, "grace") {
		t.Errorf("detached past its grace: got state %q, problem %q", c.State, c.Problem)
	}
}

// On the application's page, the lane of a removable drive that is away
// says so (the inventory lists it as detached): it is not a location that
// has yet to receive its copy, and its snapshots are not "not here yet".
func TestDetachedLaneOnTheApplicationPage(t *testing.T) {
	l, _ := newLoopWith(t, `
destination "usb" {
  remote    = "${path.config}/drive/strata"
  removable = true
}
tier "offsite" {
  from         = tier.local
  destinations = [destination.usb]
  keep {
    last = 3
  }
}
`, nil)
	if r := l.Pass(context.Background(), "test"); r.Kind != reconcile.Continue {
		t.Fatalf("pass = %+v", r)
	}
	srv := newServer(t, l, false, GuardOptions{Loopback: true})
	code, body := get(t, &http.Client{Timeout: 10 * time.Second}, srv.URL+"/app/web")
	if code != 200 || !strings.Contains(body, "<h3>Tier offsite") {
		t.Fatalf("GET /app/web = %d, no tier offsite:\n%s", code, body)
	}
	offsite := body[strings.Index(body, "<h3>Tier offsite"):]
	for _, want := range []string{"drive detached (away)", "the drive of usb is detached (away)"} {
		if !strings.Contains(offsite, want) {
			t.Errorf("the retention of tier offsite lacks %q:\n%s", want, offsite)
		}
	}
	for _, wrong := range []string{`class="mark`, "not here yet:", "last 3, not here yet"} { // the legend's key stays
		if strings.Contains(offsite, wrong) {
			t.Errorf("the detached drive's snapshots are shown as not here yet (%q):\n%s", wrong, offsite)
		}
	}
}
