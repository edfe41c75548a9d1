package planner

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
)

// planCases are the plans whose JSON and human forms are golden files.
func planCases(t *testing.T) map[string]*Plan {
	cfg := testConfig()
	first, _ := BuildPlan(cfg, emptyInventory(), nov21, Options{})

	inv := steadyInventory(cfg)
	inv.Fingerprint = "sha256:test"
	nextDay, _ := BuildPlan(cfg, inv, nov21, Options{})

	inv = steadyInventory(cfg)
	bad := ts("2026-11-18T02:00:00Z")
	remove(inv, Action{App: "hydro", Location: remoteLoc}, snapshot.NewID(bad))
	putCopy(inv, "hydro", remoteLoc, corruptCopy(cfg, remoteLoc, bad))
	incomplete := snapshot.NewID(ts("2026-11-20T14:00:00Z"))
	putCopy(inv, "hydro", localLoc, Copy{ID: incomplete, Dir: "local/hydro/" + incomplete.Dir()})
	inv.Orphans = []Orphan{{Destination: "local", Dir: "local/gone/" + incomplete.Dir(), ID: incomplete}}
	inv.Failed["offsite"] = "timeout"
	mixed, _ := BuildPlan(cfg, inv, ts("2026-11-20T15:00:00Z"), Options{})

	nothing, _ := BuildPlan(cfg, steadyInventory(cfg), ts("2026-11-20T15:00:00Z"), Options{})
	return map[string]*Plan{"first": first, "next-day": nextDay, "repair-failed-listing": mixed, "no-changes": nothing}
}

func TestPlanGolden(t *testing.T) {
	for name, p := range planCases(t) {
		t.Run(name, func(t *testing.T) {
			b, err := p.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "plans/"+name+".json.golden", b)
			var human bytes.Buffer
			if err := RenderJSON(&human, b, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "plans/"+name+".txt.golden", human.Bytes())
			if strings.Contains(human.String(), "\x1b[") {
				t.Errorf("colors without Color")
			}
		})
	}
}

func TestRenderColor(t *testing.T) {
	b, _ := planCases(t)["next-day"].JSON()
	var out bytes.Buffer
	if err := RenderJSON(&out, b, RenderOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	golden(t, "plans/next-day.color.golden", out.Bytes())
	if !strings.Contains(out.String(), ansiRed+"- purge") {
		t.Errorf("purges are not red")
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	for name, p := range planCases(t) {
		b, err := p.JSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ReadPlanJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Actions) == 0 {
			p.Actions = []Action{}
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v", name, p, q)
		}
		if !strings.Contains(string(b), `"action": "`) && len(p.Actions) > 0 {
			t.Errorf("%s: kinds are not serialised as \"action\"", name)
		}
	}
	if _, err := ReadPlanJSON([]byte(`{"format_version": "2.0"}`)); err == nil {
		t.Errorf("a version 2 plan was accepted")
	}
	if _, err := ReadPlanJSON([]byte(`{"format_version": "1.0", "actions": [{"action": "explode"}]}`)); err == nil {
		t.Errorf("an unknown action kind was accepted")
	}
}

func TestSummaryLine(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		want string
	}{
		{Summary{"snapshot": 1, "transfer": 3, "purge": 2, "verify": 1}, "Plan: 1 snapshot, 3 transfers, 2 purges, 1 verify."},
		{Summary{"verify": 2, "repair": 2, "cleanup": 1, "snapshot": 0}, "Plan: 2 verifies, 2 repairs, 1 cleanup."},
		{Summary{"snapshot": 2, "repair": 1, "cleanup": 3}, "Plan: 2 snapshots, 1 repair, 3 cleanups."},
		{Summary{"purge": 0}, "No changes. Backups match the configuration."},
		{nil, "No changes. Backups match the configuration."},
	} {
		if got := SummaryLine(tc.s); got != tc.want {
			t.Errorf("SummaryLine(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestPlanNowIsUTC(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	p, _ := BuildPlan(testConfig(), emptyInventory(), nov21.In(zurich), Options{})
	if p.Now.Location() != time.UTC {
		t.Errorf("now %v", p.Now)
	}
}
