package planner

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/spec"
)

// fleetConfig is testConfig on a fleet: hydro's snapshots on zg-3, the
// remote tier pulled by backup1, offsite (no node) sent by backup1.
func fleetConfig() *spec.Config {
	cfg := testConfig()
	cfg.Application("hydro").Node = "zg-3"
	cfg.Tier("remote").Node = "backup1"
	return cfg
}

func TestOwnerOfEachKind(t *testing.T) {
	cfg := fleetConfig()
	local, remote, offsite := cfg.Tier("local"), cfg.Tier("remote"), cfg.Tier("offsite")
	free := newApp("free", local, remote, offsite) // no node of its own
	cfg.Applications = append(cfg.Applications, free)
	src := localLoc
	tests := []struct {
		name string
		a    Action
		want string
	}{
		{"snapshot: the application's node", Action{Kind: Snapshot, App: "hydro", Location: localLoc}, "zg-3"},
		{"transfer into a pull tier: its node", Action{Kind: Transfer, App: "hydro", Location: remoteLoc, Source: &src}, "backup1"},
		{"transfer into a tier without node: the sender's", Action{Kind: Transfer, App: "hydro", Location: offsiteLoc}, "backup1"},
		{"purge at the origin: the application's node", Action{Kind: Purge, App: "hydro", Location: localLoc}, "zg-3"},
		{"verify at the origin", Action{Kind: Verify, App: "hydro", Location: localLoc}, "zg-3"},
		{"cleanup at the origin", Action{Kind: Cleanup, App: "hydro", Location: localLoc}, "zg-3"},
		{"move at the origin", Action{Kind: Move, App: "hydro", Location: localLoc}, "zg-3"},
		{"repair at the pull tier", Action{Kind: Repair, App: "hydro", Location: remoteLoc, Source: &src}, "backup1"},
		{"purge at the pull tier", Action{Kind: Purge, App: "hydro", Location: remoteLoc}, "backup1"},
		{"verify downstream of the pull tier", Action{Kind: Verify, App: "hydro", Location: offsiteLoc}, "backup1"},
		{"gc: whoever plans it", Action{Kind: GC, Location: Location{Destination: "local"}}, ""},
		{"no node at the origin: any", Action{Kind: Snapshot, App: "free", Location: localLoc}, ""},
		{"no node, but a pull tier", Action{Kind: Transfer, App: "free", Location: remoteLoc}, "backup1"},
		{"a removed application at a pull tier", Action{Kind: Purge, App: "gone", Location: remoteLoc}, "backup1"},
		{"a removed application at the origin", Action{Kind: Purge, App: "gone", Location: localLoc}, ""},
		{"a kind added later: by its location's tier", Action{Kind: ActionKind(99), App: "hydro", Location: offsiteLoc}, "backup1"},
	}
	for _, tt := range tests {
		if got := Owner(cfg, &tt.a); got != tt.want {
			t.Errorf("%s: Owner = %q, want %q", tt.name, got, tt.want)
		}
	}
	local.Node = "nas" // the origin's node: for the applications without one
	if got := Owner(cfg, &Action{Kind: Snapshot, App: "free", Location: localLoc}); got != "nas" {
		t.Errorf("origin tier node: Owner = %q, want nas", got)
	}
	if got := Owner(cfg, &Action{Kind: Snapshot, App: "hydro", Location: localLoc}); got != "zg-3" {
		t.Errorf("application node over origin tier node: Owner = %q, want zg-3", got)
	}
}

func elsewhereKeys(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Owner + " " + a.Key
	}
	return out
}

func wantList(t *testing.T, what string, got []Action, want ...string) {
	t.Helper()
	if g := elsewhereKeys(got); !slices.Equal(g, want) {
		t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestFleetFirstPlan: the node that snapshots runs only its snapshot; the
// pull node's transfers of the new snapshot wait for it, and are planned
// once it exists.
func TestFleetFirstPlan(t *testing.T) {
	cfg, inv := fleetConfig(), emptyInventory()
	zg3 := mustPlan(t, cfg, inv, nov21, Options{Node: "zg-3"})
	wantKeys(t, zg3, "snapshot:hydro:local/local:new")
	wantList(t, "zg-3's elsewhere", zg3.Elsewhere,
		"backup1 transfer:hydro:remote/backup1:new",
		"backup1 verify:hydro:remote/backup1:new",
		"backup1 transfer:hydro:offsite/offsite:new")
	wantList(t, "zg-3's waiting", zg3.Waiting)
	if zg3.Node != "zg-3" || zg3.Actions[0].Owner != "zg-3" || zg3.Summary["snapshot"] != 1 || zg3.Summary["transfer"] != 0 {
		t.Errorf("node %q, owner %q, summary %v", zg3.Node, zg3.Actions[0].Owner, zg3.Summary)
	}

	b1 := mustPlan(t, cfg, inv, nov21, Options{Node: "backup1"})
	wantKeys(t, b1)
	wantList(t, "backup1's elsewhere", b1.Elsewhere, "zg-3 snapshot:hydro:local/local:new")
	wantList(t, "backup1's waiting", b1.Waiting,
		"backup1 transfer:hydro:remote/backup1:new",
		"backup1 verify:hydro:remote/backup1:new",
		"backup1 transfer:hydro:offsite/offsite:new")
	if w := b1.NextWakeup; w == nil || !w.At.Equal(nov21.Add(FleetPoll)) || !strings.Contains(w.Reason, "owned by zg-3") {
		t.Errorf("backup1's wake-up = %+v, want %s for zg-3's actions", w, nov21.Add(FleetPoll))
	}

	simulate(inv, cfg, zg3)
	b1 = mustPlan(t, cfg, inv, nov21, Options{Node: "backup1"})
	id := "2026-11-21T02:00:30Z"
	wantKeys(t, b1, "transfer:hydro:remote/backup1:"+id, "verify:hydro:remote/backup1:"+id, "transfer:hydro:offsite/offsite:"+id)
	if len(b1.Elsewhere) > 0 || len(b1.Waiting) > 0 {
		t.Errorf("backup1 after zg-3 ran: elsewhere %v, waiting %v", elsewhereKeys(b1.Elsewhere), elsewhereKeys(b1.Waiting))
	}
	simulate(inv, cfg, b1)
	for _, node := range []string{"zg-3", "backup1"} {
		p := mustPlan(t, cfg, inv, nov21, Options{Node: node})
		if len(p.Actions)+len(p.Elsewhere)+len(p.Waiting) > 0 {
			t.Errorf("%s: second round plans %v, elsewhere %v, waiting %v", node, keys(p), elsewhereKeys(p.Elsewhere), elsewhereKeys(p.Waiting))
		}
	}
}

// TestFleetPurgeWaitsForPull: a purge at the origin that waits for the pull
// node's transfer of the copy is not planned on the origin's node until the
// transfer is done; no gc follows another node's purge.
func TestFleetPurgeWaitsForPull(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 1}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Last: 3}, Node: "backup1"}
	app := newApp("hydro", local, remote)
	app.Node = "zg-3"
	cfg := newConfig([]*spec.Tier{local, remote}, app)
	inv := emptyInventory()
	d := daily(nov20, 2)
	put(inv, cfg, "hydro", localLoc, d...)
	put(inv, cfg, "hydro", remoteLoc, d[0].Add(-day))
	now := nov20.Add(3 * 3600e9) // not due: the snapshot of nov20 is there

	zg3 := mustPlan(t, cfg, inv, now, Options{Node: "zg-3"})
	purge := "purge:hydro:local/local:2026-11-19T02:00:00Z"
	wantKeys(t, zg3)
	wantList(t, "zg-3's waiting", zg3.Waiting, "zg-3 "+purge)
	wantList(t, "zg-3's elsewhere", zg3.Elsewhere,
		"backup1 transfer:hydro:remote/backup1:2026-11-19T02:00:00Z",
		"backup1 transfer:hydro:remote/backup1:2026-11-20T02:00:00Z")

	b1 := mustPlan(t, cfg, inv, now, Options{Node: "backup1"})
	wantKeys(t, b1, "transfer:hydro:remote/backup1:2026-11-19T02:00:00Z", "transfer:hydro:remote/backup1:2026-11-20T02:00:00Z")
	wantList(t, "backup1's elsewhere", b1.Elsewhere, "zg-3 "+purge)
	simulate(inv, cfg, b1)

	zg3 = mustPlan(t, cfg, inv, now, Options{Node: "zg-3"})
	wantKeys(t, zg3, purge, GCKey("local"))
	b1 = mustPlan(t, cfg, inv, now, Options{Node: "backup1"})
	wantKeys(t, b1)
	wantList(t, "backup1's elsewhere", b1.Elsewhere, "zg-3 "+purge) // and no gc of zg-3's
}

// TestFleetMassPurgeOfAnotherNode: the mass-deletion refusal is the owning
// node's; another node's plan goes on.
func TestFleetMassPurgeOfAnotherNode(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 1}}
	mine, theirs := newApp("mine", local), newApp("theirs", local)
	mine.Node, theirs.Node = "a", "b"
	cfg := newConfig([]*spec.Tier{local}, mine, theirs)
	inv := emptyInventory()
	put(inv, cfg, "theirs", localLoc, daily(nov20, 4)...)
	put(inv, cfg, "mine", localLoc, nov20)
	now := nov20.Add(3600e9)
	if _, err := BuildPlan(cfg, inv, now, Options{Node: "a"}); err != nil {
		t.Errorf("node a: %v, want no error for b's purges", err)
	}
	var mass *MassPurgeError
	if _, err := BuildPlan(cfg, inv, now, Options{Node: "b"}); !errors.As(err, &mass) || mass.App != "theirs" {
		t.Errorf("node b: %v, want a *MassPurgeError for theirs", err)
	}
}

// TestNoNodesPlansAsBefore: without any node, a plan for a node is the plan
// of every node: same actions, nothing elsewhere, no node recorded.
func TestNoNodesPlansAsBefore(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	all := mustPlan(t, cfg, inv, nov21, Options{})
	one := mustPlan(t, cfg, inv, nov21, Options{Node: "somehost"})
	a, _ := all.JSON()
	b, _ := one.JSON()
	if !bytes.Equal(a, b) {
		t.Errorf("plan for a node differs without nodes:\n%s\n---\n%s", b, a)
	}
	if strings.Contains(string(b), `"owner"`) || strings.Contains(string(b), `"node"`) {
		t.Errorf("plan without nodes names owners or a node:\n%s", b)
	}
	// Options.Node "" plans as every node: everything is owned.
	fleet := mustPlan(t, fleetConfig(), emptyInventory(), nov21, Options{})
	if len(fleet.Actions) != 4 || fleet.Elsewhere != nil || fleet.Node != "" {
		t.Errorf("fleet planned as every node: %v, elsewhere %v, node %q", keys(fleet), fleet.Elsewhere, fleet.Node)
	}
}

func TestRenderFleet(t *testing.T) {
	cfg, inv := fleetConfig(), emptyInventory()
	var out bytes.Buffer
	for _, n := range []struct {
		node   string
		others int
	}{{"zg-3", 3}, {"backup1", 4}} {
		node, others := n.node, n.others
		p := mustPlan(t, cfg, inv, nov21, Options{Node: node})
		data, err := p.JSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadPlanJSON(data)
		if err != nil || len(back.Elsewhere)+len(back.Waiting) != others || back.Node != node {
			t.Fatalf("read back: %v, %+v", err, back)
		}
		out.WriteString("$ strata plan --node " + node + "\n")
		if err := RenderJSON(&out, data, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "render/fleet.txt", out.Bytes())
}

func TestFleetWarnings(t *testing.T) {
	cfg := fleetConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), nov21.Add(-12*3600e9), Options{Node: "zg3", Force: []string{"hydro"}})
	if !hasWarning(p, `node "zg3"`, "named by no application or tier", "backup1 and zg-3") {
		t.Errorf("no warning of the unknown node: %q", p.Warnings)
	}
	if !hasWarning(p, "a snapshot of hydro was asked for, but node zg-3 makes its snapshots") {
		t.Errorf("no warning of the snapshot asked for on the wrong node: %q", p.Warnings)
	}
	p = mustPlan(t, cfg, steadyInventory(cfg), nov21.Add(-12*3600e9), Options{Node: "zg-3", Force: []string{"hydro"}})
	if len(p.Warnings) > 0 || len(p.Actions) == 0 || p.Actions[0].Kind != Snapshot {
		t.Errorf("on its node: warnings %q, actions %v", p.Warnings, keys(p))
	}
}
