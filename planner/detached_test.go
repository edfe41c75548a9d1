package planner

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stratabackup/strata/snapshot"
)

// A detached destination is no failed listing: the plan still purges and
// cleans up elsewhere, writes nothing there, and says how many snapshots
// wait for it, in the warnings and in Plan.Detached. Its copies (unknown)
// are never counted: a purge elsewhere relies on none of them.
func TestDetachedLocationHoldsNothingBack(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	// An eighth daily at local, outside last = 7, and an incomplete one.
	put(inv, cfg, "hydro", localLoc, ts("2026-11-13T02:00:00Z"))
	putCopy(inv, "hydro", localLoc, Copy{ID: snapshot.NewID(ts("2026-11-19T12:00:00Z")), Dir: "local/hydro/2026/11/19/120000Z"})
	delete(inv.Copies["hydro"], offsiteLoc)
	inv.Detached = map[string]string{"offsite": "no marker"}
	p := mustPlan(t, cfg, inv, nov21, Options{})
	action(t, p, "purge:hydro:local/local:2026-11-13T02:00:00Z")
	action(t, p, "cleanup:hydro:local/local:2026-11-19T12:00:00Z")
	for _, a := range p.Actions {
		if a.Location.Destination == "offsite" {
			t.Errorf("plan writes to the detached destination: %s", a.Key)
		}
	}
	if len(p.Detached) != 1 || p.Detached[0].Destination != "offsite" || p.Detached[0].Waiting != 1 {
		t.Errorf("Detached = %+v, want offsite with 1 snapshot waiting (monthly 24 over Nov)", p.Detached)
	}
	if len(p.Detached) == 1 && !strings.HasPrefix(p.Detached[0].Note(), "offsite detached, 1 snapshot waits for it (no marker)") {
		t.Errorf("note: %q", p.Detached[0].Note())
	}
	var out bytes.Buffer
	if err := RenderJSON(&out, mustJSON(t, p), RenderOptions{}); err != nil || !strings.Contains(out.String(), "Note: offsite detached") ||
		!strings.Contains(out.String(), "Plan: ") {
		t.Errorf("human plan (%v):\n%s", err, out.String())
	}
}

// The fingerprint of an inventory changes when a drive comes or goes, so
// that a saved plan made before is refused.
func TestDetachedChangesTheFingerprint(t *testing.T) {
	cfg := testConfig()
	attached := BuildInventory(cfg, []Listing{{Destination: "local"}, {Destination: "offsite"}})
	detached := BuildInventory(cfg, []Listing{{Destination: "local"}, {Destination: "offsite", Detached: "no marker"}})
	if attached.Fingerprint == detached.Fingerprint {
		t.Error("attaching a drive leaves the inventory's fingerprint as it was")
	}
	if detached.Detached["offsite"] != "no marker" || detached.Empty["offsite"] || len(detached.Failed) > 0 {
		t.Errorf("detached inventory: Detached %v, Empty %v, Failed %v", detached.Detached, detached.Empty, detached.Failed)
	}
}

func mustJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	b, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forget cannot delete the copy a detached drive may hold, and says so.
func TestForgetWarnsOfADetachedDrive(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	delete(inv.Copies["hydro"], offsiteLoc)
	inv.Detached = map[string]string{"offsite": "no marker"}
	p, err := ForgetPlan(cfg, inv, "hydro", nov20.Format("2006-01-02T15:04:05Z"), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(p, "offsite/offsite is detached", "not forgotten") {
		t.Errorf("warnings: %q", p.Warnings)
	}
}
