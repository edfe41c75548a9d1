package planner

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/spec"
)

// TestNextWakeupNeverSpins runs what `watch` does for 30 days — plan, apply
// (simulated), sleep until the plan's next_wakeup — and holds issue 11's
// property: every wake-up finds something to do (no reconcile for nothing,
// as with verification sampling before, which woke every second), nothing
// falls due before the wake-up, and the wake-ups stay few.
func TestNextWakeupNeverSpins(t *testing.T) {
	for name, cfg := range map[string]*spec.Config{
		"sample-25":      sampleConfig(25),
		"sample-10":      sampleConfig(10),
		"no-sample":      sampleConfig(0),
		"three-tiers-7d": testConfig(),
	} {
		t.Run(name, func(t *testing.T) {
			inv := emptyInventory()
			now := ts("2026-11-01T05:00:00Z")
			end := now.Add(30 * day)
			wakes := 0
			for ; now.Before(end); wakes++ {
				p := mustPlan(t, cfg, inv, now, Options{})
				if wakes > 0 && len(p.Actions) == 0 {
					t.Fatalf("woke at %s for %q and found nothing to do", now, p.NextWakeup.Reason)
				}
				simulate(inv, cfg, p)
				if p.NextWakeup == nil {
					t.Fatalf("no next wake-up with a daily schedule")
				}
				next := p.NextWakeup.At
				if !next.After(now) {
					t.Fatalf("at %s the next wake-up %+v is not later", now, p.NextWakeup)
				}
				if before := mustPlan(t, cfg, inv, next.Add(-time.Second), Options{}); len(before.Actions) > 0 {
					t.Fatalf("a second before the wake-up %+v, %s is already due", p.NextWakeup, before.Actions[0].Key)
				}
				now = next
			}
			t.Logf("%d wake-ups in 30 days", wakes)
			// A daily schedule, plus at most a few verification days a day.
			if wakes > 30*4 {
				t.Errorf("%d wake-ups in 30 days", wakes)
			}
		})
	}
}
