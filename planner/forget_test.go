package planner

import (
	"slices"
	"strings"
	"testing"
)

func forgetKeys(p *Plan) []string {
	var keys []string
	for _, a := range p.Actions {
		keys = append(keys, a.Key)
	}
	return keys
}

// A forget purges every copy of the snapshot at every location of the
// application, or only at --tier's, then collects the chunks at each
// destination where it purged (after its purges there), and nothing else.
func TestForgetPlan(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	d1, d2, d3 := ts("2026-11-01T02:00:00Z"), ts("2026-11-02T02:00:00Z"), ts("2026-11-03T02:00:00Z")
	put(inv, cfg, "hydro", loc("local", "local"), d1, d2, d3)
	put(inv, cfg, "hydro", loc("remote", "backup1"), d1, d2)
	put(inv, cfg, "hydro", loc("offsite", "offsite"), d1)

	p, err := ForgetPlan(cfg, inv, "hydro", "2026-11-02T02:00:00Z", "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"purge:hydro:local/local:2026-11-02T02:00:00Z", "purge:hydro:remote/backup1:2026-11-02T02:00:00Z", "gc:local", "gc:backup1"}
	if got := forgetKeys(p); !slices.Equal(got, want) {
		t.Errorf("actions %q, want %q", got, want)
	}
	if gc := p.Actions[3]; !slices.Equal(gc.DependsOn, want[1:2]) || gc.GC == nil || gc.GC.Purges != 1 {
		t.Errorf("gc at backup1: %+v, want it after the purge there", gc)
	}
	if a := p.Actions[1]; a.Dir != "remote/hydro/2026/11/02/020000Z" || a.Kind != Purge || p.Summary["purge"] != 2 || len(p.Warnings) != 0 {
		t.Errorf("action %+v, summary %v, warnings %q", a, p.Summary, p.Warnings)
	}

	p, err = ForgetPlan(cfg, inv, "hydro", "2026/11/02/020000Z", "remote", false)
	if err != nil || !slices.Equal(forgetKeys(p), []string{want[1], want[3]}) || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "stays at local/local") ||
		!strings.Contains(p.Warnings[0], "may transfer it to tier remote again") {
		t.Errorf("--tier remote: %v, %v, %q", err, p, p.Warnings)
	}
}

// The last complete snapshot of an application at a location needs force;
// an unknown application, tier or ID, and a failed listing, refuse.
func TestForgetPlanRefuses(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	d1, d2 := ts("2026-11-01T02:00:00Z"), ts("2026-11-02T02:00:00Z")
	put(inv, cfg, "hydro", loc("local", "local"), d1, d2)
	put(inv, cfg, "hydro", loc("offsite", "offsite"), d1)
	id := "2026-11-01T02:00:00Z"

	if _, err := ForgetPlan(cfg, inv, "hydro", id, "", false); err == nil || !strings.Contains(err.Error(), "last complete snapshot of hydro at offsite/offsite") ||
		!strings.Contains(err.Error(), "--force") {
		t.Errorf("last copy without force: %v", err)
	}
	if p, err := ForgetPlan(cfg, inv, "hydro", id, "", true); err != nil || p.Summary["purge"] != 2 || p.Summary["gc"] != 2 {
		t.Errorf("with force: %v, %+v", err, p)
	}
	for _, c := range []struct{ app, id, tier, want string }{
		{"nope", id, "", `no application "nope"`},
		{"hydro", "yesterday", "", "invalid snapshot ID"},
		{"hydro", id, "cold", `not kept in a tier "cold"`},
		{"hydro", "2026-10-01T02:00:00Z", "", "no copy of hydro 2026-10-01T02:00:00Z"},
	} {
		if _, err := ForgetPlan(cfg, inv, c.app, c.id, c.tier, true); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c, err)
		}
	}
	inv.Failed["backup1"] = "connection refused"
	if _, err := ForgetPlan(cfg, inv, "hydro", "2026-11-02T02:00:00Z", "", false); err == nil || !strings.Contains(err.Error(), "remote/backup1 (connection refused)") {
		t.Errorf("a failed listing: %v", err)
	}
}
