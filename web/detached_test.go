package web

import (
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
