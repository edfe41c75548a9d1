package planner

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// millionListings is millionSetup as the listings of two destinations: 1000
// applications × 500 daily snapshots × 2 tiers, four objects per snapshot
// directory (piece, sidecar, manifest, verified.json); the remote copies
// were verified an hour before the plan, as in millionSetup.
func millionListings(apps, perLoc int) (*spec.Config, []Listing, time.Time) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Daily: perLoc}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"),
		Keep: spec.Keep{Daily: perLoc}, Verify: &spec.Verify{Every: 30 * day}}
	cfg := newConfig([]*spec.Tier{local, remote})
	last := ts("2026-11-20T02:00:00Z")
	now := last.Add(day + time.Minute)
	ls := []Listing{{Destination: "local"}, {Destination: "backup1"}}
	for i := range apps {
		a := newApp(fmt.Sprintf("app%04d", i), local, remote)
		cfg.Applications = append(cfg.Applications, a)
		for j := range perLoc {
			at := last.Add(-time.Duration(perLoc-1-j) * day)
			id := snapshot.NewID(at)
			ls[0].Entries = append(ls[0].Entries, completeEntries(snapshot.Path(a.Paths["local"], id), at, 1)...)
			remote := completeEntries(snapshot.Path(a.Paths["remote"], id), at, 1)
			remote[len(remote)-1].ModTime = now.Add(-time.Hour) // verified.json: recently verified
			ls[1].Entries = append(ls[1].Entries, remote...)
		}
	}
	return cfg, ls, now
}

// BenchmarkInventoryPlanMillion classifies the listings of 1,000,000
// snapshot copies into an inventory and plans over it: what `strata plan`
// does once the listings are in. live-B/snapshot is the heap the inventory
// and the plan hold together, per snapshot copy.
func BenchmarkInventoryPlanMillion(b *testing.B) {
	const apps, perLoc = 1000, 500
	cfg, ls, now := millionListings(apps, perLoc)
	var inv *Inventory
	var p *Plan
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		inv, p = nil, nil
		inv = BuildInventory(cfg, ls)
		var err error
		if p, err = BuildPlan(cfg, inv, now, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := p.Summary["snapshot"]; got != apps {
		b.Fatalf("%d snapshots planned, want %d", got, apps)
	}
	held := heapAlloc()
	runtime.KeepAlive(inv)
	runtime.KeepAlive(p)
	p = nil
	invOnly := heapAlloc()
	runtime.KeepAlive(inv)
	inv = nil
	base := heapAlloc()
	b.ReportMetric(float64(invOnly-base)/(2*apps*perLoc), "inv-B/snapshot")
	runtime.KeepAlive(ls)
	b.ReportMetric(float64(held-base)/(2*apps*perLoc), "live-B/snapshot")
}

// heapAlloc returns the bytes of live heap objects after a full collection.
func heapAlloc() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkRetention applies a GFS policy to ten years of hourly snapshots.
func BenchmarkRetention(b *testing.B) {
	const n = 10 * 365 * 24
	last := ts("2026-11-20T02:00:00Z")
	ids := make([]snapshot.ID, n)
	for i := range ids {
		ids[i] = snapshot.NewID(last.Add(-time.Duration(n-1-i) * time.Hour))
	}
	k := spec.Keep{Last: 7, Hourly: 48, Daily: 14, Weekly: 8, Monthly: 12, Yearly: 10, Within: 30 * day}
	b.ReportAllocs()
	for b.Loop() {
		d := ApplyKeep(k, ids, last)
		if len(d) != n {
			b.Fatalf("%d decisions for %d snapshots", len(d), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/snapshot")
}
