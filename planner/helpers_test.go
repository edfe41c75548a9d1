package planner

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const day = 24 * time.Hour

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planner -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test ./planner -update rewrites it)\n--- got:\n%s\n--- want:\n%s", name, got, want)
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustSchedule(expr, zone string) *spec.Schedule {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	s, err := spec.ParseSchedule(expr, loc)
	if err != nil {
		panic(err)
	}
	return s
}

// testConfig is DESIGN.md §7's chain: local (last 7) → remote (last 7,
// daily 14, weekly 8, monthly 12, verify every 7d) → offsite (monthly 24),
// with the application hydro on "0 2 * * *" UTC.
func testConfig() *spec.Config {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 7}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"),
		Keep: spec.Keep{Last: 7, Daily: 14, Weekly: 8, Monthly: 12}, Verify: &spec.Verify{Every: 7 * day}}
	offsite := &spec.Tier{Name: "offsite", From: remote, Destinations: dests("offsite"), Keep: spec.Keep{Monthly: 24}}
	return newConfig([]*spec.Tier{local, remote, offsite}, newApp("hydro", local, remote, offsite))
}

func dests(names ...string) []*spec.Destination {
	out := make([]*spec.Destination, len(names))
	for i, n := range names {
		out[i] = &spec.Destination{Name: n}
	}
	return out
}

// newConfig assembles a config; destinations are collected from the tiers.
func newConfig(tiers []*spec.Tier, apps ...*spec.Application) *spec.Config {
	cfg := &spec.Config{Tiers: tiers, Applications: apps}
	for _, t := range tiers {
		for _, d := range t.Destinations {
			if cfg.Destination(d.Name) == nil {
				cfg.Destinations = append(cfg.Destinations, d)
			}
		}
	}
	return cfg
}

// newApp makes an application on "0 2 * * *" whose path at each tier is
// "<tier>/<name>".
func newApp(name string, tiers ...*spec.Tier) *spec.Application {
	a := &spec.Application{Name: name, Schedule: mustSchedule("0 2 * * *", "UTC"), Tiers: tiers, Paths: map[string]string{}}
	for _, t := range tiers {
		a.Paths[t.Name] = t.Name + "/" + name
	}
	return a
}

func loc(tier, dest string) Location { return Location{Tier: tier, Destination: dest} }

// emptyInventory is an inventory with nothing stored.
func emptyInventory() *Inventory {
	return &Inventory{Copies: map[string]map[Location][]Copy{}, Failed: map[string]string{}, Leases: map[string][]Lease{}}
}

// put adds complete copies of app at l, verified at their own time.
func put(inv *Inventory, cfg *spec.Config, app string, l Location, times ...time.Time) {
	for _, t := range times {
		id := snapshot.NewID(t)
		putCopy(inv, app, l, Copy{ID: id, Dir: snapshot.Path(cfg.Application(app).Paths[l.Tier], id),
			Complete: true, Size: 100, ModTime: t, Verified: t})
	}
}

func putCopy(inv *Inventory, app string, l Location, c Copy) {
	if inv.Copies[app] == nil {
		inv.Copies[app] = map[Location][]Copy{}
	}
	cs := append(inv.Copies[app][l], c)
	slices.SortFunc(cs, func(a, b Copy) int { return a.ID.Time().Compare(b.ID.Time()) })
	inv.Copies[app][l] = cs
}

// daily returns n times at 02:00:00 UTC, one a day, ending at last.
func daily(last time.Time, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = last.Add(-time.Duration(n-1-i) * day)
	}
	return out
}

// keys lists the keys of the actions.
func keys(p *Plan) []string {
	out := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		out[i] = a.Key
	}
	return out
}

func action(t *testing.T, p *Plan, key string) Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Key == key {
			return a
		}
	}
	t.Fatalf("no action %s in plan:\n%s", key, strings.Join(keys(p), "\n"))
	return Action{}
}

func hasWarning(p *Plan, parts ...string) bool {
	for _, w := range p.Warnings {
		ok := true
		for _, s := range parts {
			ok = ok && strings.Contains(w, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// simulate applies a plan to an inventory as a perfect executor would.
func simulate(inv *Inventory, cfg *spec.Config, p *Plan) {
	newID := snapshot.NewID(p.Now)
	idOfAction := func(a Action) snapshot.ID {
		if a.Snapshot == "" {
			return newID
		}
		id, err := snapshot.ParseID(a.Snapshot)
		if err != nil {
			panic(err)
		}
		return id
	}
	for _, a := range p.Actions {
		id := idOfAction(a)
		switch a.Kind {
		case Snapshot, Transfer:
			putCopy(inv, a.App, a.Location, Copy{ID: id, Dir: snapshot.Path(a.AppPath, id), Complete: true, Size: 100, ModTime: p.Now})
		case Repair:
			mutate(inv, a, id, func(c *Copy) { c.Corrupt, c.Verified = time.Time{}, time.Time{} })
		case Verify:
			mutate(inv, a, id, func(c *Copy) { c.Verified = p.Now })
		case Purge:
			remove(inv, a, id)
		case Cleanup:
			if a.Dir != "" {
				remove(inv, a, id)
			} else {
				mutate(inv, a, id, func(c *Copy) { c.Temps = nil })
			}
		}
	}
}

func mutate(inv *Inventory, a Action, id snapshot.ID, fn func(*Copy)) {
	cs := inv.Copies[a.App][a.Location]
	for i := range cs {
		if cs[i].ID == id {
			fn(&cs[i])
		}
	}
}

func remove(inv *Inventory, a Action, id snapshot.ID) {
	inv.Copies[a.App][a.Location] = slices.DeleteFunc(inv.Copies[a.App][a.Location], func(c Copy) bool { return c.ID == id })
}

// completeEntries returns the listing entries of one complete, verified
// format-2 snapshot directory of dir whose chunks.txt is 100·n bytes.
func completeEntries(dir string, at time.Time, n int) []Entry {
	return []Entry{
		{Path: dir + "/" + snapshot.ChunkListName, Size: 100 * int64(n), ModTime: at},
		{Path: dir + "/" + snapshot.StreamSumName, Size: 67, ModTime: at},
		{Path: dir + "/" + snapshot.ManifestName, Size: 500, ModTime: at.Add(time.Second)},
		{Path: dir + "/" + snapshot.VerifiedName, Size: 50, ModTime: at.Add(time.Hour)}}
}
