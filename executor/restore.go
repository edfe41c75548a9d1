package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// CopyAt is one copy of a snapshot: its directory at an opened store.
type CopyAt struct {
	Store providers.Store
	Dir   string
}

// restoreParallel is how many chunks a restore fetches at once.
const restoreParallel = planner.DefaultTransfers

// Restore extracts the snapshot whose copies are copies (in order of
// preference, e.g. planner.CompleteCopies') into target. Its manifest and
// chunk list come from the first copy that has readable ones; its chunks
// are fetched in parallel, each checked against its ID, and a chunk that is
// missing or damaged at one copy's destination is fetched from the next
// copy's instead (each such fallback is a warning in the stats). The whole
// stream is checked against its digest, or, when the manifest seals the
// chunk list (snapshot.ChunkList.Sealed), the list against the manifest
// before anything is written, which proves the same. Nothing
// is ever written outside target. When no copy holds a good chunk, it stops
// with the *snapshot.DigestError of the last.
func Restore(ctx context.Context, copies []CopyAt, target string, opts snapshot.ExtractOptions) (*snapshot.Manifest, *snapshot.ExtractStats, error) {
	m, l, healed, err := firstList(ctx, copies)
	if err != nil {
		return nil, nil, err
	}
	stores, fetch := fetches(copies)
	var mu sync.Mutex
	fallback := func(id snapshot.ChunkID, i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		healed = append(healed, fmt.Sprintf("chunk %s could not be read at %s (%v); read from %s instead "+
			"('strata verify' marks the copies at %s that use it, and the next apply repairs them)",
			snapshot.ChunkPath(id), stores[i], err, stores[i+1], stores[i]))
	}
	r := snapshot.ReadChunksFallback(ctx, l, fetch, restoreParallel, fallback)
	defer r.Close()
	stats, err := snapshot.ExtractTar(ctx, r, target, opts)
	if stats != nil {
		mu.Lock()
		stats.Warnings = append(stats.Warnings, healed...)
		mu.Unlock()
	}
	return m, stats, err
}

// firstList reads the manifest and chunk list of the first copy that has
// good ones. Each copy passed over is a warning: a restore that heals
// itself says so, never silently.
func firstList(ctx context.Context, copies []CopyAt) (*snapshot.Manifest, snapshot.ChunkList, []string, error) {
	var errs []error
	for _, c := range copies {
		m, _, err := readManifest(ctx, c.Store, c.Dir)
		if err == nil {
			var l snapshot.ChunkList
			if l, err = readList(ctx, c.Store, c.Dir, m); err == nil {
				return m, l, passedOver(copies, errs, c.Store.Name()), nil
			}
		}
		if ctx.Err() != nil {
			return nil, snapshot.ChunkList{}, nil, ctx.Err()
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, snapshot.ChunkList{}, nil, errors.New("no copy to restore from")
	}
	return nil, snapshot.ChunkList{}, nil, errors.Join(errs...)
}

// passedOver words the warnings for the first len(errs) copies, whose
// manifest or chunk list could not be used, the list at used being used
// instead.
func passedOver(copies []CopyAt, errs []error, used string) []string {
	var out []string
	for i, err := range errs {
		out = append(out, fmt.Sprintf("the manifest or chunk list of the copy at %s could not be used (%v); the one at %s was used instead "+
			"('strata verify' marks that copy, and the next apply repairs it)", copies[i].Store.Name(), err, used))
	}
	return out
}

// fetches are the chunk stores of copies' destinations, in their order,
// each once (tiers may share a destination, and so its chunks), with the
// destinations' names.
func fetches(copies []CopyAt) (names []string, out []snapshot.ChunkFetch) {
	seen := map[string]bool{}
	for _, c := range copies {
		if !seen[c.Store.Name()] {
			seen[c.Store.Name()] = true
			names = append(names, c.Store.Name())
			out = append(out, (&chunkStore{st: c.Store}).fetch)
		}
	}
	return names, out
}
