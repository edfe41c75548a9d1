package reconcile

import (
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// TierRetention is what one tier's retention decides about an
// application's snapshots, as the planner decides it
// (planner.BuildRetention): which rule keeps each, where each is, which
// the plan purges and which the next snapshot pushes out.
type TierRetention struct {
	Tier      string             `json:"tier"`
	Keep      string             `json:"keep"`
	Snapshots []planner.Retained `json:"snapshots"`
}

// addRetention fills in the retention of each application of apps, with
// the planner's decisions at now; "purged next" counts from each
// application's next snapshot.
func addRetention(apps []AppStatus, cfg *spec.Config, inv *planner.Inventory, now time.Time) {
	rs := planner.BuildRetention(cfg, inv, now)
	for i := range apps {
		a := &apps[i]
		var next time.Time
		if a.NextSnapshot != nil {
			next = *a.NextSnapshot
		}
		for _, r := range rs {
			if r.App == a.Name {
				a.Retention = append(a.Retention, TierRetention{Tier: r.Tier, Keep: planner.KeepString(r.Keep), Snapshots: r.Snapshots(next)})
			}
		}
	}
}
