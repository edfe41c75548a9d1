package reconcile

import (
	"context"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// sourceSizes measures the sources of the applications whose snapshots the
// free-space preflight must estimate (a min_free at the origin): a
// stat-only walk, no file is read. The plan's snapshot carries the figure,
// so the executor's progress does not walk again. A source that cannot be
// walked is left out; its snapshot then fails with the reason. Only the
// sources of the applications whose snapshots node makes are walked:
// another node's are not on this host.
func sourceSizes(ctx context.Context, s *Survey, node string) map[string]int64 {
	sizes := map[string]int64{}
	for _, app := range s.Config.Applications {
		if !planner.NeedsSourceBytes(app) || !planner.MakesSnapshots(s.Config, app, node) {
			continue
		}
		sum, err := snapshot.Measure(ctx, snapshot.Source{Paths: app.Source.Paths, Exclude: app.Source.Exclude})
		if err == nil {
			sizes[app.Name] = sum.Bytes
		}
	}
	return sizes
}
