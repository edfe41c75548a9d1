package reconcile

import (
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/executor"
)

// StoredStatus is what a destination's chunk store held at the end of the
// last gc there (the watch lists no chunk store itself: gc does, DESIGN §2).
type StoredStatus struct {
	Destination  string    `json:"destination"`
	At           time.Time `json:"at"`
	Chunks       int       `json:"chunks"`
	StoredBytes  int64     `json:"stored_bytes"`
	LogicalBytes int64     `json:"logical_bytes"`
	DedupRatio   float64   `json:"dedup_ratio"`
}

// storedAfter is stored updated with the gcs of rep that succeeded, one a
// destination, by name.
func storedAfter(stored []StoredStatus, rep *executor.Report, at time.Time) []StoredStatus {
	if rep == nil {
		return stored
	}
	for _, r := range rep.Results {
		if r.GC == nil || r.Status != executor.Done || r.GC.DryRun {
			continue
		}
		g := r.GC
		s := StoredStatus{Destination: g.Destination, At: at.UTC(), Chunks: g.Chunks - g.Deleted,
			StoredBytes: g.StoredBytes, LogicalBytes: g.LogicalBytes, DedupRatio: g.DedupRatio}
		i := slices.IndexFunc(stored, func(o StoredStatus) bool { return o.Destination == s.Destination })
		if i >= 0 {
			stored[i] = s
		} else {
			stored = append(stored, s)
		}
	}
	slices.SortFunc(stored, func(a, b StoredStatus) int { return strings.Compare(a.Destination, b.Destination) })
	return stored
}
