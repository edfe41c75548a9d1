package planner

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// millionSetup is 1000 applications with 500 daily snapshots at each of two
// tiers: 1,000,000 copies, all recently verified, planned the next day.
func millionSetup(apps, perLoc int) (*spec.Config, *Inventory, time.Time) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Daily: perLoc}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"),
		Keep: spec.Keep{Daily: perLoc}, Verify: &spec.Verify{Every: 30 * day}}
	cfg := newConfig([]*spec.Tier{local, remote})
	inv := emptyInventory()
	last := ts("2026-11-20T02:00:00Z")
	now := last.Add(day + time.Minute)
	for i := range apps {
		a := newApp(fmt.Sprintf("app%04d", i), local, remote)
		cfg.Applications = append(cfg.Applications, a)
		inv.Copies[a.Name] = map[Location][]Copy{}
		for _, l := range []Location{localLoc, remoteLoc} {
			cs := make([]Copy, perLoc)
			for j := range cs {
				id := snapshot.NewID(last.Add(-time.Duration(perLoc-1-j) * day))
				cs[j] = Copy{ID: id, Complete: true, Size: 1 << 20, ModTime: id.Time(), Verified: now.Add(-time.Hour)}
			}
			inv.Copies[a.Name][l] = cs
		}
	}
	return cfg, inv, now
}

func BenchmarkPlanMillion(b *testing.B) {
	const apps, perLoc = 1000, 500
	cfg, inv, now := millionSetup(apps, perLoc)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := BuildPlan(cfg, inv, now, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if got := p.Summary["snapshot"]; got != apps {
			b.Fatalf("%d snapshots planned", got)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	perSnapshot := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N) / (2 * apps * perLoc)
	b.ReportMetric(perSnapshot, "B/snapshot")
}

func BenchmarkBuildInventory(b *testing.B) {
	const apps, perApp = 100, 1000
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 7}}
	cfg := newConfig([]*spec.Tier{local})
	var entries []Entry
	last := ts("2026-11-20T02:00:00Z")
	for i := range apps {
		a := newApp(fmt.Sprintf("app%04d", i), local)
		cfg.Applications = append(cfg.Applications, a)
		for j := range perApp {
			at := last.Add(-time.Duration(j) * day)
			entries = append(entries, completeEntries(snapshot.Path(a.Paths["local"], snapshot.NewID(at)), at, 1)...)
		}
	}
	ls := []Listing{{Destination: "local", Entries: entries}}
	b.ReportAllocs()
	for b.Loop() {
		inv := BuildInventory(cfg, ls)
		if len(inv.Copies) != apps {
			b.Fatal("missing apps")
		}
	}
}
