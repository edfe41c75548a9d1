package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/stratabackup/strata/spec"
)

// TestFirstSnapshotCheckedAgainstMinFree: an application with no snapshot
// yet is estimated from its sources' size, so a first snapshot that would
// leave less than min_free is refused; one that fits is planned.
func TestFirstSnapshotCheckedAgainstMinFree(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 3}}
	local.Destinations[0].MinFree = 50 << 20
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	inv.Free = map[string]int64{"local": 100 << 20}
	if !NeedsSourceBytes(cfg.Application("hydro")) {
		t.Fatal("NeedsSourceBytes = false for an application whose origin has a min_free")
	}
	now := ts("2026-11-21T03:00:00Z")
	p, err := BuildPlan(cfg, inv, now, Options{SourceBytes: map[string]int64{"hydro": 60 << 20}})
	var fe *FreeSpaceError
	if !errors.As(err, &fe) || len(p.Actions) != 0 {
		t.Fatalf("a 60 MiB first snapshot with 100 MiB free and min_free 50 MiB: err %v, actions %v", err, keys(p))
	}
	if msg := fe.Error(); !strings.Contains(msg, "60 MiB") || !strings.Contains(msg, "100 MiB free") || !strings.Contains(msg, "min_free of 50 MiB") {
		t.Errorf("the refusal does not say needed, free and min_free: %s", msg)
	}
	p, err = BuildPlan(cfg, inv, now, Options{SourceBytes: map[string]int64{"hydro": 10 << 20}})
	if err != nil || len(p.Actions) != 1 {
		t.Fatalf("a 10 MiB first snapshot: err %v, actions %v", err, keys(p))
	}
}

// TestRefusalShowsExactBytesWhenRoundingHides: "20 MiB would be left, less
// than 20 MiB" must not read as a contradiction.
func TestRefusalShowsExactBytesWhenRoundingHides(t *testing.T) {
	r := Refusal{Key: "snapshot:app:local/d:new", Destination: "d", Needed: 4 << 10, Free: 20 << 20, MinFree: 20 << 20}
	msg := r.String()
	if !strings.Contains(msg, "(20967424 bytes)") || !strings.Contains(msg, "(20971520 bytes)") {
		t.Errorf("refusal: %s", msg)
	}
}
