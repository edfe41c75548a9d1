package planner

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

var (
	localLoc   = loc("local", "local")
	remoteLoc  = loc("remote", "backup1")
	offsiteLoc = loc("offsite", "offsite")
	nov20      = ts("2026-11-20T02:00:00Z")
	nov21      = ts("2026-11-21T02:00:30Z")
)

func mustPlan(t *testing.T, cfg *spec.Config, inv *Inventory, now time.Time, opts Options) *Plan {
	t.Helper()
	p, err := BuildPlan(cfg, inv, now, opts)
	if err != nil {
		t.Fatalf("BuildPlan: %v", err)
	}
	return p
}

func wantKeys(t *testing.T, p *Plan, want ...string) {
	t.Helper()
	if got := keys(p); !slices.Equal(got, want) {
		t.Errorf("actions:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func wantDeps(t *testing.T, p *Plan, key string, deps ...string) {
	t.Helper()
	if got := action(t, p, key).DependsOn; !slices.Equal(got, deps) {
		t.Errorf("%s depends on %q, want %q", key, got, deps)
	}
}

// steadyInventory holds seven dailies ending Nov 20 at local and remote,
// the newest at offsite, all verified at their own time.
func steadyInventory(cfg *spec.Config) *Inventory {
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 7)...)
	put(inv, cfg, "hydro", remoteLoc, daily(nov20, 7)...)
	put(inv, cfg, "hydro", offsiteLoc, nov20)
	return inv
}

// TestFirstPlan also shows the verify policy: only the remote tier has a
// verify block, so only its new copy is read back after it is written.
func TestFirstPlan(t *testing.T) {
	p := mustPlan(t, testConfig(), emptyInventory(), nov21, Options{})
	wantKeys(t, p,
		"snapshot:hydro:local/local:new",
		"transfer:hydro:remote/backup1:new",
		"verify:hydro:remote/backup1:new",
		"transfer:hydro:offsite/offsite:new")
	wantDeps(t, p, "transfer:hydro:remote/backup1:new", "snapshot:hydro:local/local:new")
	wantDeps(t, p, "transfer:hydro:offsite/offsite:new", "transfer:hydro:remote/backup1:new")
	wantDeps(t, p, "verify:hydro:remote/backup1:new", "transfer:hydro:remote/backup1:new")
	tr := action(t, p, "transfer:hydro:offsite/offsite:new")
	if tr.Snapshot != "" || tr.Source == nil || *tr.Source != remoteLoc {
		t.Errorf("offsite transfer: snapshot %q source %v", tr.Snapshot, tr.Source)
	}
	if got := action(t, p, "snapshot:hydro:local/local:new").Reason; got != "no snapshot yet" {
		t.Errorf("reason %q", got)
	}
}

func TestFirstPlanTwoOriginDestinations(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("a", "b"), Keep: spec.Keep{Last: 3}, Verify: &spec.Verify{}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	p := mustPlan(t, cfg, emptyInventory(), nov21, Options{})
	wantKeys(t, p,
		"snapshot:hydro:local/a:new",
		"transfer:hydro:local/b:new",
		"verify:hydro:local/a:new",
		"verify:hydro:local/b:new")
	wantDeps(t, p, "transfer:hydro:local/b:new", "snapshot:hydro:local/a:new")
}

func TestSteadyState(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), ts("2026-11-21T01:59:59Z"), Options{})
	wantKeys(t, p)
	if SummaryLine(p.Summary) != "No changes. Backups match the configuration." {
		t.Errorf("summary %q", SummaryLine(p.Summary))
	}
}

func TestNextDay(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), nov21, Options{})
	wantKeys(t, p,
		"snapshot:hydro:local/local:new",
		"purge:hydro:local/local:2026-11-14T02:00:00Z",
		"transfer:hydro:remote/backup1:new",
		"verify:hydro:remote/backup1:2026-11-14T02:00:00Z",
		"verify:hydro:remote/backup1:new",
		"transfer:hydro:offsite/offsite:new",
		"purge:hydro:offsite/offsite:2026-11-20T02:00:00Z",
		"gc:local", "gc:offsite")
	wantDeps(t, p, "purge:hydro:local/local:2026-11-14T02:00:00Z", "snapshot:hydro:local/local:new")
	// The only copy at offsite goes only once its replacement is there.
	wantDeps(t, p, "purge:hydro:offsite/offsite:2026-11-20T02:00:00Z", "transfer:hydro:offsite/offsite:new")
	if r := action(t, p, "purge:hydro:local/local:2026-11-14T02:00:00Z").Reason; r != "outside keep { last = 7 }" {
		t.Errorf("purge reason %q", r)
	}
}

func TestFailedListingPlansNoPurgeOrCleanup(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	putCopy(inv, "hydro", localLoc, Copy{ID: snapshot.NewID(ts("2026-11-19T12:00:00Z")), Dir: "local/hydro/2026/11/19/120000Z"})
	inv.Failed["backup1"] = "connection refused"
	delete(inv.Copies["hydro"], remoteLoc)
	p := mustPlan(t, cfg, inv, nov21, Options{})
	for _, a := range p.Actions {
		if a.Kind == Purge || a.Kind == Cleanup {
			t.Errorf("plan with a failed listing has %s", a.Key)
		}
		if a.Location == remoteLoc {
			t.Errorf("plan writes to the failed location: %s", a.Key)
		}
	}
	if !hasWarning(p, `"backup1"`, "connection refused") {
		t.Errorf("no warning names the failed listing: %q", p.Warnings)
	}
	action(t, p, "snapshot:hydro:local/local:new")
}

func TestMassPurge(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 2}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 7)...)
	now := ts("2026-11-20T12:00:00Z") // no snapshot due

	p, err := BuildPlan(cfg, inv, now, Options{})
	var mp *MassPurgeError
	if !errors.As(err, &mp) {
		t.Fatalf("err = %v, want a *MassPurgeError", err)
	}
	want := "would purge 5 of 7 snapshots of hydro at local/local; re-run with --max-purge 5 (or set max_purge in a settings block) to allow it"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if p == nil || p.Summary["purge"] != 5 {
		t.Errorf("the refused plan should still be returned for display")
	}

	five, four := 5, 4
	mustPlan(t, cfg, inv, now, Options{MaxPurge: &five})
	if _, err := BuildPlan(cfg, inv, now, Options{MaxPurge: &four}); !errors.As(err, &mp) || mp.Cap == nil || *mp.Cap != 4 {
		t.Errorf("MaxPurge 4: err = %v", err)
	}
	cfg.Settings.MaxPurge = &five
	mustPlan(t, cfg, inv, now, Options{})
	if _, err := BuildPlan(cfg, inv, now, Options{MaxPurge: &four}); !errors.As(err, &mp) {
		t.Errorf("options must win over settings: err = %v", err)
	}
}

func TestLastOneDayToDay(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 1}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Last: 1}}
	cfg := newConfig([]*spec.Tier{local, remote}, newApp("hydro", local, remote))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, nov20)
	put(inv, cfg, "hydro", remoteLoc, nov20)
	p := mustPlan(t, cfg, inv, nov21, Options{})
	wantDeps(t, p, "purge:hydro:local/local:2026-11-20T02:00:00Z", "snapshot:hydro:local/local:new")
	wantDeps(t, p, "purge:hydro:remote/backup1:2026-11-20T02:00:00Z", "transfer:hydro:remote/backup1:new")
	// The local copy is not read by the new transfer: only the new snapshot is.
	action(t, p, "transfer:hydro:remote/backup1:new")
}

func TestUpstreamPurgeWaitsForDownstreamTransfer(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 2}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Last: 5}}
	cfg := newConfig([]*spec.Tier{local, remote}, newApp("hydro", local, remote))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 3)...)
	one := 1
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{MaxPurge: &one})
	oldest := "2026-11-18T02:00:00Z"
	wantDeps(t, p, "purge:hydro:local/local:"+oldest, "transfer:hydro:remote/backup1:"+oldest)
	tr := action(t, p, "transfer:hydro:remote/backup1:"+oldest)
	if tr.Source == nil || *tr.Source != localLoc || tr.SourceDir != "local/hydro/2026/11/18/020000Z" || tr.Dir != "remote/hydro/2026/11/18/020000Z" {
		t.Errorf("transfer %+v", tr)
	}
}

func TestTierRetentionExcludesSnapshot(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 7}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Monthly: 2}}
	cfg := newConfig([]*spec.Tier{local, remote}, newApp("hydro", local, remote))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(ts("2026-11-04T02:00:00Z"), 6)...) // Oct 30 .. Nov 4
	p := mustPlan(t, cfg, inv, ts("2026-11-04T12:00:00Z"), Options{})
	var got []string
	for _, a := range p.Actions {
		if a.Kind == Transfer {
			got = append(got, a.Snapshot)
		}
	}
	if want := []string{"2026-10-31T02:00:00Z", "2026-11-04T02:00:00Z"}; !slices.Equal(got, want) {
		t.Errorf("transfers %q, want %q", got, want)
	}
}

func TestTransferPrefersVerifiedSource(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("a", "b", "c"), Keep: spec.Keep{Last: 3}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Last: 3}}
	cfg := newConfig([]*spec.Tier{local, remote}, newApp("hydro", local, remote))
	inv := emptyInventory()
	id := snapshot.NewID(nov20)
	for _, c := range []struct {
		dest     string
		verified time.Time
	}{{"a", time.Time{}}, {"b", nov20.Add(time.Hour)}, {"c", nov20.Add(2 * time.Hour)}} {
		putCopy(inv, "hydro", loc("local", c.dest), Copy{ID: id, Dir: "local/hydro/" + id.Dir(), Complete: true, Verified: c.verified})
	}
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	if src := action(t, p, "transfer:hydro:remote/backup1:2026-11-20T02:00:00Z").Source; *src != loc("local", "c") {
		t.Errorf("source %v, want the most recently verified local/c", src)
	}
}

func corruptCopy(cfg *spec.Config, l Location, at time.Time) Copy {
	id := snapshot.NewID(at)
	return Copy{ID: id, Dir: snapshot.Path(cfg.Application("hydro").Paths[l.Tier], id), Complete: true, Size: 100,
		Verified: at.Add(time.Hour), Corrupt: at.Add(48 * time.Hour)}
}

func TestRepairFromHealthyCopy(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	bad := ts("2026-11-18T02:00:00Z")
	remove(inv, Action{App: "hydro", Location: remoteLoc}, snapshot.NewID(bad))
	putCopy(inv, "hydro", remoteLoc, corruptCopy(cfg, remoteLoc, bad))
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	key := "repair:hydro:remote/backup1:2026-11-18T02:00:00Z"
	r := action(t, p, key)
	if r.Source == nil || *r.Source != localLoc || r.SourceDir != "local/hydro/2026/11/18/020000Z" {
		t.Errorf("repair %+v", r)
	}
	wantDeps(t, p, "verify:hydro:remote/backup1:2026-11-18T02:00:00Z", key)
	if !strings.Contains(r.Reason, "remote") && !strings.Contains(r.Reason, "local/local") {
		t.Errorf("repair reason %q", r.Reason)
	}
}

// TestRepairReasonSaysWhoFoundTheChunks: a corrupt.json newer than a
// verified.json that is still there was written by verifying another copy
// sharing the chunks (a copy's own failed verification removes its
// verified.json), and the repair's reason says so; without a verified.json
// it names both possibilities.
func TestRepairReasonSaysWhoFoundTheChunks(t *testing.T) {
	cfg := testConfig()
	bad := ts("2026-11-18T02:00:00Z")
	for _, tc := range []struct {
		verified bool
		want     string
	}{
		{true, "verifying another copy at backup1 found chunks it shares damaged since this copy last verified ok"},
		{false, "its last verification failed, or verifying another copy at backup1 found chunks it shares damaged"},
	} {
		inv := steadyInventory(cfg)
		remove(inv, Action{App: "hydro", Location: remoteLoc}, snapshot.NewID(bad))
		c := corruptCopy(cfg, remoteLoc, bad)
		if !tc.verified {
			c.Verified = time.Time{}
		}
		putCopy(inv, "hydro", remoteLoc, c)
		p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
		if r := action(t, p, "repair:hydro:remote/backup1:2026-11-18T02:00:00Z"); !strings.HasPrefix(r.Reason, tc.want) {
			t.Errorf("verified.json there %v: reason %q, want it to start %q", tc.verified, r.Reason, tc.want)
		}
	}
}

func TestRepairWithoutHealthyCopy(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	bad := ts("2026-11-18T02:00:00Z")
	for _, l := range []Location{localLoc, remoteLoc} {
		remove(inv, Action{App: "hydro", Location: l}, snapshot.NewID(bad))
		putCopy(inv, "hydro", l, corruptCopy(cfg, l, bad))
	}
	p, err := BuildPlan(cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	var nh *NoHealthyCopyError
	if !errors.As(err, &nh) || p == nil {
		t.Fatalf("err = %v, plan %v; want a plan and a *NoHealthyCopyError", err, p)
	}
	if len(nh.Copies) != 2 || nh.Copies[0].ID != "2026-11-18T02:00:00Z" {
		t.Errorf("missing copies %+v", nh.Copies)
	}
	if !hasWarning(p, "no healthy copy of hydro 2026-11-18T02:00:00Z anywhere", "kept as is") {
		t.Errorf("warnings %q", p.Warnings)
	}
	for _, a := range p.Actions {
		if a.Snapshot == "2026-11-18T02:00:00Z" {
			t.Errorf("unexpected action on the corrupt snapshot: %s", a.Key)
		}
	}
}

func TestCorruptOutsideRetentionWithoutHealthyCopyIsKept(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 2}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 2)...)
	putCopy(inv, "hydro", localLoc, corruptCopy(cfg, localLoc, ts("2026-11-10T02:00:00Z")))
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	wantKeys(t, p)
	if !hasWarning(p, "no healthy copy of hydro 2026-11-10T02:00:00Z anywhere") {
		t.Errorf("warnings %q", p.Warnings)
	}
}

func TestCleanup(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	incomplete := snapshot.NewID(ts("2026-11-20T14:00:00Z"))
	putCopy(inv, "hydro", localLoc, Copy{ID: incomplete, Dir: "local/hydro/" + incomplete.Dir(), Size: 10, ModTime: ts("2026-11-20T14:05:00Z")})
	cs := inv.Copies["hydro"][remoteLoc]
	cs[6].Temps = []string{cs[6].Dir + "/verified.json.strata-tmp-1"}
	now := ts("2026-11-20T15:00:00Z")
	p := mustPlan(t, cfg, inv, now, Options{})
	wantKeys(t, p,
		"cleanup:hydro:local/local:2026-11-20T14:00:00Z",
		"cleanup:hydro:remote/backup1:2026-11-20T02:00:00Z")
	c := action(t, p, "cleanup:hydro:local/local:2026-11-20T14:00:00Z")
	if c.Dir != "local/hydro/2026/11/20/140000Z" || len(c.Paths) != 0 {
		t.Errorf("cleanup of the incomplete dir: %+v", c)
	}
	if c := action(t, p, "cleanup:hydro:remote/backup1:2026-11-20T02:00:00Z"); c.Dir != "" || len(c.Paths) != 1 {
		t.Errorf("cleanup of temps: %+v", c)
	}

	inv.Leases["local"] = []Lease{{ID: "L1", Host: "zg-3", PID: 42, Expires: now.Add(time.Hour)}}
	p = mustPlan(t, cfg, inv, now, Options{})
	wantKeys(t, p, "cleanup:hydro:remote/backup1:2026-11-20T02:00:00Z")
	if !hasWarning(p, "waits for lease L1") {
		t.Errorf("warnings %q", p.Warnings)
	}

	inv.Leases["local"][0].Dead = true
	p = mustPlan(t, cfg, inv, now, Options{})
	action(t, p, "cleanup:hydro:local/local:2026-11-20T14:00:00Z")
}

func TestTransferIntoIncompleteDirWaitsForCleanup(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	id := snapshot.NewID(nov20)
	remove(inv, Action{App: "hydro", Location: remoteLoc}, id)
	putCopy(inv, "hydro", remoteLoc, Copy{ID: id, Dir: "remote/hydro/" + id.Dir()})
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	wantDeps(t, p, "transfer:hydro:remote/backup1:2026-11-20T02:00:00Z", "cleanup:hydro:remote/backup1:2026-11-20T02:00:00Z")
}

func TestLastCopyIsNotPurgedWithoutReplacement(t *testing.T) {
	// At a, the only copy X is outside retention (last 1 wants the newer Y),
	// but Y cannot reach a: its only copy, at b, is corrupt. X must stay.
	local := &spec.Tier{Name: "local", Destinations: dests("a", "b"), Keep: spec.Keep{Last: 1}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	put(inv, cfg, "hydro", loc("local", "a"), ts("2026-11-19T02:00:00Z"))
	putCopy(inv, "hydro", loc("local", "b"), corruptCopy(cfg, loc("local", "b"), nov20))
	p, err := BuildPlan(cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	var nh *NoHealthyCopyError
	if !errors.As(err, &nh) {
		t.Errorf("err = %v", err)
	}
	for _, a := range p.Actions {
		if a.Kind == Purge {
			t.Errorf("unexpected %s", a.Key)
		}
	}
	if !hasWarning(p, "kept hydro 2026-11-19T02:00:00Z at local/a", "last complete snapshot") {
		t.Errorf("warnings %q", p.Warnings)
	}
}

func TestForce(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), ts("2026-11-20T12:00:00Z"), Options{Force: []string{"hydro"}})
	if r := action(t, p, "snapshot:hydro:local/local:new").Reason; r != "requested with --force" {
		t.Errorf("reason %q", r)
	}
}

func TestOrphansReported(t *testing.T) {
	cfg := testConfig()
	inv := BuildInventory(cfg, []Listing{{Destination: "local", Entries: slices.Concat(
		completeEntries("local/hydro/2026/11/20/020000Z", nov20, 1),
		completeEntries("local/gone/2026/11/19/020000Z", nov20, 1),
		completeEntries("local/gone/2026/11/20/020000Z", nov20, 1))}})
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{})
	if len(p.Orphans) != 2 || p.Orphans[0].Dir != "local/gone/2026/11/19/020000Z" {
		t.Errorf("orphans %+v", p.Orphans)
	}
	if !hasWarning(p, "orphaned", "local:local/gone", "left alone") {
		t.Errorf("warnings %q", p.Warnings)
	}
	for _, a := range p.Actions {
		if strings.Contains(a.Dir, "gone") {
			t.Errorf("plan touches orphaned data: %s", a.Key)
		}
	}
}

func TestDeterministic(t *testing.T) {
	cfg := testConfig()
	cfg.Applications = append(cfg.Applications, newApp("alpha", cfg.Tiers...))
	inv := steadyInventory(cfg)
	put(inv, cfg, "alpha", remoteLoc, daily(nov20, 20)...)
	var first []byte
	for i := range 5 {
		p, _ := BuildPlan(cfg, inv, nov21, Options{})
		b, err := p.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			if p.Actions[0].App != "alpha" {
				t.Errorf("actions not sorted by application")
			}
		} else if !bytes.Equal(first, b) {
			t.Fatalf("plan %d differs from the first", i)
		}
	}
}

func TestUniqueKeysAndKnownDependencies(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	put(inv, cfg, "hydro", localLoc, daily(ts("2026-11-01T02:00:00Z"), 5)...)
	ten := 10
	p := mustPlan(t, cfg, inv, nov21, Options{MaxPurge: &ten})
	checkWellFormed(t, p)
}

// checkWellFormed: unique keys, dependencies that exist, sorted, no cycle.
func checkWellFormed(t *testing.T, p *Plan) {
	t.Helper()
	byKey := map[string]Action{}
	for _, a := range p.Actions {
		if _, dup := byKey[a.Key]; dup {
			t.Errorf("duplicate key %s", a.Key)
		}
		byKey[a.Key] = a
	}
	for _, a := range p.Actions {
		if !slices.IsSorted(a.DependsOn) {
			t.Errorf("%s: depends_on not sorted", a.Key)
		}
		for _, d := range a.DependsOn {
			if _, ok := byKey[d]; !ok {
				t.Errorf("%s depends on unknown %s", a.Key, d)
			}
		}
	}
	state := map[string]int{}
	var visit func(k string) bool
	visit = func(k string) bool {
		switch state[k] {
		case 1:
			return false
		case 2:
			return true
		}
		state[k] = 1
		for _, d := range byKey[k].DependsOn {
			if !visit(d) {
				t.Errorf("cycle through %s", k)
				return false
			}
		}
		state[k] = 2
		return true
	}
	for k := range byKey {
		visit(k)
	}
}

// TestSimulatedYear runs plan and a perfect apply every few hours for a year
// with the DESIGN.md config: no error ever, a re-plan right after an apply
// is empty, and every location keeps what its retention says.
func TestSimulatedYear(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	start := ts("2026-01-01T00:00:00Z")
	for now := start; now.Before(start.AddDate(1, 0, 0)); now = now.Add(5 * time.Hour) {
		p, err := BuildPlan(cfg, inv, now, Options{})
		if err != nil {
			t.Fatalf("%s: %v", now, err)
		}
		checkWellFormed(t, p)
		simulate(inv, cfg, p)
		again, err := BuildPlan(cfg, inv, now, Options{})
		if err != nil || len(again.Actions) > 0 {
			t.Fatalf("%s: re-plan after apply: %v %v", now, keys(again), err)
		}
	}
	counts := map[Location]int{}
	for l, cs := range inv.Copies["hydro"] {
		counts[l] = len(cs)
	}
	if counts[localLoc] != 7 || counts[remoteLoc] < 14+6+9 || counts[offsiteLoc] != 12 {
		t.Errorf("after a year: %v", counts)
	}
}
