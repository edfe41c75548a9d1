package reconcile

import (
	"context"
	"slices"
	"sync"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// HistoryPoint is one snapshot of an application's history, from its
// manifest: what `strata history` shows.
type HistoryPoint struct {
	ID    snapshot.ID `json:"id"`
	Files int64       `json:"files"`
	Bytes int64       `json:"bytes"`
	// Size is the tar stream's (logical) size, Added the compressed bytes
	// the snapshot added where it was made.
	Size  int64 `json:"size"`
	Added int64 `json:"bytes_added"`
	// Error says why the manifest could not be read (it is read again by
	// the next pass).
	Error string `json:"error,omitempty"`
}

// Bounds of the history the status keeps: the newest MaxHistory snapshots
// of each application, their manifests read historyReaders at a time.
const (
	MaxHistory     = 500
	historyReaders = 8
)

// historyCache keeps the points read so far, by application and snapshot
// ID: a manifest never changes, so each is read once per process.
type historyCache map[string]map[snapshot.ID]HistoryPoint

// history is the history of app: its newest complete snapshots (at most
// MaxHistory), oldest first, reading the manifests not in the cache from
// the preferred copy of each. Copies gone from every location leave the
// cache.
func (hc historyCache) history(ctx context.Context, s *Survey, app *spec.Application) []HistoryPoint {
	ids, byID := planner.CompleteCopies(s.Inventory, app, "")
	ids = ids[max(0, len(ids)-MaxHistory):]
	known := hc[app.Name]
	out := make([]HistoryPoint, len(ids))
	var wg sync.WaitGroup
	slots := make(chan struct{}, historyReaders)
	for i, id := range ids {
		ref := byID[id][0]
		if p, ok := known[ref.Copy.ID]; ok {
			out[i] = p
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			out[i] = HistoryPoint{ID: ref.Copy.ID, Error: context.Cause(ctx).Error()}
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			out[i] = readPoint(ctx, s.Stores, ref)
		}()
	}
	wg.Wait()
	next := make(map[snapshot.ID]HistoryPoint, len(out))
	for _, p := range out {
		if p.Error == "" {
			next[p.ID] = p
		}
	}
	hc[app.Name] = next
	return slices.Clip(out)
}

// addLogical sets each location's logical size: the sizes, from a's history,
// of the complete snapshots there (a snapshot older than the history's
// newest MaxHistory, or whose manifest could not be read, is not counted).
func addLogical(a AppStatus, inv *planner.Inventory) {
	size := make(map[snapshot.ID]int64, len(a.History))
	for _, p := range a.History {
		size[p.ID] = p.Size
	}
	for i := range a.Locations {
		l := &a.Locations[i]
		l.Logical = 0
		for _, c := range inv.Copies[a.Name][planner.Location{Tier: l.Tier, Destination: l.Destination}] {
			if c.Complete {
				l.Logical += size[c.ID]
			}
		}
	}
}

func readPoint(ctx context.Context, st executor.Stores, ref planner.CopyRef) HistoryPoint {
	p := HistoryPoint{ID: ref.Copy.ID}
	m, err := executor.ReadManifest(ctx, st[ref.Location.Destination], ref.Copy.Dir)
	if err != nil {
		p.Error = ref.Location.String() + ": " + err.Error()
		return p
	}
	p.Files, p.Bytes, p.Size, p.Added = m.Source.Files, m.Source.Bytes, m.Size, m.Added
	return p
}
