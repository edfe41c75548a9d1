package planner

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// standbyConfig is testConfig with a standby of hydro from tier remote.
func standbyConfig() *spec.Config {
	cfg := testConfig()
	cfg.Standbys = []*spec.Standby{{Name: "hydro-standby", App: "hydro", Tier: "remote", Path: "/srv/hydro-standby", After: []string{"reload"}}}
	return cfg
}

func holding(id time.Time) []StandbyState {
	return []StandbyState{{Path: "/srv/hydro-standby", Held: &StandbyHeld{Standby: "hydro-standby", App: "hydro",
		Snapshot: snapshot.NewID(id).String(), From: remoteLoc, RestoredAt: id.Add(time.Hour)}}}
}

// TestStandbyRefreshesToNewestHealthy: the standby holding nov18 is
// refreshed with the newest healthy copy at remote, read from that copy,
// with the after command; when that copy is corrupt, the refresh follows
// its repair.
func TestStandbyRefreshesToNewestHealthy(t *testing.T) {
	cfg := standbyConfig()
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 3)...)
	put(inv, cfg, "hydro", remoteLoc, daily(nov20, 3)...)
	put(inv, cfg, "hydro", offsiteLoc, nov20)
	AddStandbys(inv, holding(nov20.Add(-2*day)))
	p, err := BuildPlan(cfg, inv, nov20.Add(time.Hour), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := action(t, p, "standby:hydro-standby")
	want := snapshot.NewID(nov20)
	if a.Snapshot != want.String() || a.Location != remoteLoc || a.Dir != snapshot.Path("remote/hydro", want) ||
		a.Standby == nil || a.Standby.Path != "/srv/hydro-standby" || len(a.Standby.After) != 1 || len(a.DependsOn) != 0 {
		t.Errorf("standby action = %+v", a)
	}
	if p.Summary["standby"] != 1 {
		t.Errorf("summary = %v", p.Summary)
	}
	inv.Copies["hydro"][remoteLoc][2].Corrupt = nov20.Add(2 * time.Hour)
	p, err = BuildPlan(cfg, inv, nov20.Add(3*time.Hour), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a = action(t, p, "standby:hydro-standby")
	if a.Snapshot != "" || len(a.DependsOn) != 1 || a.DependsOn[0] != "repair:hydro:remote/backup1:"+want.String() {
		t.Errorf("standby action after a failed check = %+v", a)
	}
}

// TestStandbyUpToDate: a standby holding the newest healthy snapshot plans
// nothing; one holding a newer one than the tier (its copy purged) is not
// taken back.
func TestStandbyUpToDate(t *testing.T) {
	for _, held := range []time.Time{nov20, nov20.Add(day)} {
		cfg := standbyConfig()
		inv := emptyInventory()
		put(inv, cfg, "hydro", localLoc, nov20)
		put(inv, cfg, "hydro", remoteLoc, nov20)
		put(inv, cfg, "hydro", offsiteLoc, nov20)
		AddStandbys(inv, holding(held))
		p, err := BuildPlan(cfg, inv, nov20.Add(time.Hour), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary["standby"] != 0 {
			t.Errorf("held %s: plan %v", held, keys(p))
		}
	}
}

// TestStandbyFollowsTransfer: a snapshot made and transferred by this plan
// is what an empty standby restores, once the transfer into its tier ran
// (ID known after apply); the rendered plan says so.
func TestStandbyFollowsTransfer(t *testing.T) {
	cfg := standbyConfig()
	inv := emptyInventory()
	p, err := BuildPlan(cfg, inv, nov20, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := action(t, p, "standby:hydro-standby")
	if a.Snapshot != "" || a.Dir != "" || len(a.DependsOn) != 1 || !strings.HasPrefix(a.DependsOn[0], "transfer:hydro:remote/backup1:") {
		t.Errorf("standby action = %+v", a)
	}
	b, _ := p.JSON()
	var out bytes.Buffer
	if err := RenderJSON(&out, b, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hydro-standby: /srv/hydro-standby <- remote/backup1 (known after apply)", "because standby hydro-standby is empty", "1 standby."} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("plan lacks %q:\n%s", s, out.String())
		}
	}
}

// TestStandbyForeignPathLeftAlone: a path holding files without a marker
// is never replaced; the plan says why.
func TestStandbyForeignPathLeftAlone(t *testing.T) {
	cfg := standbyConfig()
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, nov20)
	put(inv, cfg, "hydro", remoteLoc, nov20)
	put(inv, cfg, "hydro", offsiteLoc, nov20)
	AddStandbys(inv, []StandbyState{{Path: "/srv/hydro-standby", Foreign: true}})
	p, err := BuildPlan(cfg, inv, nov20.Add(time.Hour), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary["standby"] != 0 || !hasWarning(p, "standby hydro-standby", "strata did not restore") {
		t.Errorf("plan %v, warnings %q", keys(p), p.Warnings)
	}
}

// TestStandbyInterruptedFinished: leftovers of an interrupted refresh beside
// an up-to-date standby plan a standby action that finishes it.
func TestStandbyInterruptedFinished(t *testing.T) {
	cfg := standbyConfig()
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, nov20)
	put(inv, cfg, "hydro", remoteLoc, nov20)
	put(inv, cfg, "hydro", offsiteLoc, nov20)
	st := holding(nov20)
	st[0].Leftovers = []string{"/srv/.hydro-standby.strata-old"}
	before := inv.Fingerprint
	AddStandbys(inv, st)
	if inv.Fingerprint == before {
		t.Error("the standby state is not in the inventory's fingerprint")
	}
	p, err := BuildPlan(cfg, inv, nov20.Add(time.Hour), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := action(t, p, "standby:hydro-standby"); !strings.Contains(a.Reason, "interrupted") {
		t.Errorf("reason = %q", a.Reason)
	}
}
