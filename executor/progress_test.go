package executor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

// TestProgressEventsCarryTotals: a snapshot's and a transfer's progress
// says how many bytes are expected — the snapshot's source (measured before
// it starts, plus its hook's output) and the transfer's snapshot size — and
// never reports more done than expected.
func TestProgressEventsCarryTotals(t *testing.T) {
	e := newEnv(t, twoTiers)
	var events []executor.Event
	ex := executor.New(e.stores, executor.Options{Parallel: 1, Now: func() time.Time { return t0 },
		Version: "test", Events: func(ev executor.Event) { events = append(events, ev) }})
	rep := ex.Run(context.Background(), e.plan(t, t0))
	if !rep.OK() {
		t.Fatalf("apply: %+v", rep.Results)
	}
	m, err := executor.ReadManifest(context.Background(), e.stores["primary"], "app/2026/11/21/030000Z")
	if err != nil {
		t.Fatal(err)
	}
	want := map[planner.ActionKind]int64{planner.Snapshot: m.Source.Bytes, planner.Transfer: m.Size}
	last := map[planner.ActionKind]int64{}
	for _, ev := range events {
		k := ev.Result.Action.Kind
		if _, ok := want[k]; !ok || ev.Kind != executor.EventProgress {
			continue
		}
		if ev.Total <= 0 || ev.Bytes > ev.Total {
			t.Fatalf("%s progress: %d of %d bytes", k, ev.Bytes, ev.Total)
		}
		last[k] = ev.Total
	}
	for k, total := range want {
		if last[k] != total {
			t.Errorf("%s: expected total %d, want %d (its source bytes or size)", k, last[k], total)
		}
	}
	for _, ev := range events {
		if ev.Kind == executor.EventStart && ev.Result.Action.Kind == planner.Snapshot && ev.Total <= 0 {
			t.Errorf("the snapshot started with no expected total")
		}
	}
}
