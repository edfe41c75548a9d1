package executor

import (
	"context"
	"encoding/json"
	"io"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Gather lists every store once, recursively, and reads the leases found under
// .strata/locks. It never reads a manifest: the plan needs only listings. The
// chunk store (.strata/chunks) is no part of a plan's listing: it is never
// walked (it is gc's to list), so a plan costs what the snapshot directories
// hold, not what the chunk store holds.
func Gather(ctx context.Context, stores Stores) []planner.Listing {
	return gather(ctx, stores, nil)
}

// Regather is Gather for the second look of one run (the check after the
// leases): each destination's free space is taken from prev, the listings
// the plan was made from, instead of being asked again. A destination that
// prev has no listing of is asked.
func Regather(ctx context.Context, stores Stores, prev []planner.Listing) []planner.Listing {
	known := map[string]planner.Listing{}
	for _, l := range prev {
		if l.Err == "" {
			known[l.Destination] = l
		}
	}
	return gather(ctx, stores, known)
}

// gather lists every store at once; free space is asked of the stores that
// known (by destination name) has no listing of.
func gather(ctx context.Context, stores Stores, known map[string]planner.Listing) []planner.Listing {
	names := stores.names()
	out := make([]planner.Listing, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev, ok := known[stores[name].Name()]
			out[i] = listOne(ctx, stores[name], !ok)
			if ok && out[i].Err == "" {
				out[i].Free, out[i].FreeKnown = prev.Free, prev.FreeKnown
			}
		}()
	}
	wg.Wait()
	return out
}

// listOne lists s for a plan, and asks for its free space when askFree.
func listOne(ctx context.Context, s providers.Store, askFree bool) planner.Listing {
	l := planner.Listing{Destination: s.Name()}
	detached, err := Attachment(ctx, s)
	if err != nil {
		return planner.Listing{Destination: s.Name(), Err: err.Error()}
	}
	if detached != "" {
		l.Detached = detached
		return l
	}
	var leasePaths []string
	err = listPlanned(ctx, s, func(e providers.Entry) error {
		if strings.HasPrefix(e.Path, snapshot.LocksDir+"/") {
			if isLease(e.Path) {
				leasePaths = append(leasePaths, e.Path)
			}
			return nil
		}
		if strings.HasPrefix(e.Path, snapshot.ChunkDir+"/") {
			return nil
		}
		l.Entries = append(l.Entries, planner.Entry{Path: e.Path, Size: e.Size, ModTime: e.ModTime})
		return nil
	})
	if err != nil {
		return planner.Listing{Destination: s.Name(), Err: err.Error()}
	}
	for _, p := range leasePaths {
		l.Leases = append(l.Leases, readLease(ctx, s, p))
	}
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Path < l.Entries[j].Path })
	if askFree {
		l.Free, l.FreeKnown = freeSpace(ctx, s)
	}
	return l
}

// listPlanned lists what a plan reads: every object below the root but the
// chunk store, which it does not even walk where the store can list its
// root alone (the top directories are listed one by one, .strata only for
// its leases).
func listPlanned(ctx context.Context, s providers.Store, fn func(providers.Entry) error) error {
	top, ok := s.(providers.TopLister)
	if !ok {
		return s.List(ctx, fn)
	}
	dirs, files, err := top.Top(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := fn(f); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		if d == snapshot.StrataDir {
			d = snapshot.LocksDir
		}
		if err := s.ListDir(ctx, d, fn); err != nil {
			return err
		}
	}
	return nil
}

// isLease tells a lease object from a temporary one (a write cut short).
func isLease(p string) bool { return !strings.Contains(p, snapshot.TempMarker) }

// listLeases lists and reads only the leases of a store: taking a lease must
// not cost a listing of every snapshot.
func listLeases(ctx context.Context, s providers.Store) ([]planner.Lease, error) {
	var paths []string
	err := s.ListDir(ctx, snapshot.LocksDir, func(e providers.Entry) error {
		if isLease(e.Path) {
			paths = append(paths, e.Path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	leases := make([]planner.Lease, 0, len(paths))
	for _, p := range paths {
		leases = append(leases, readLease(ctx, s, p))
	}
	return leases, nil
}

// freeSpace asks the store once how much space is free (for min_free). A
// backend that cannot tell, or fails to, leaves it unknown.
func freeSpace(ctx context.Context, s providers.Store) (int64, bool) {
	u, ok, err := s.Usage(ctx)
	if err != nil || !ok || u.Free < 0 {
		return 0, false
	}
	return u.Free, true
}

// readLease reads one lease object. An unreadable lease fails closed: it is
// reported as a live lease that never expires, so nobody cleans up under it.
func readLease(ctx context.Context, s providers.Store, p string) planner.Lease {
	id := strings.TrimSuffix(path.Base(p), ".json")
	closed := planner.Lease{ID: id, Host: "(unreadable lease)", Expires: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}
	rc, err := s.Open(ctx, p)
	if err != nil {
		return closed
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return closed
	}
	var l planner.Lease
	if err := json.Unmarshal(b, &l); err != nil || l.ID == "" {
		return closed
	}
	l.Dead = isDead(l)
	return l
}
