package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// GC deletes the chunks nothing references at one destination (DESIGN.md
// §2). The planner cannot know which those are; the gc action lists the
// whole destination once, reads every chunks.txt the listing found and
// deletes a chunk only when all of these hold:
//
//	(a) the listing succeeded and every chunks.txt was read and parsed
//	    strictly, and none references the chunk;
//	(b) the chunk is older than the grace period and than the oldest live
//	    lease at the destination;
//	(c) this process holds a live lease there (a dry run deletes nothing
//	    and needs none);
//	(d) every other action of the plan at the destination has finished
//	    (the planner makes the gc action depend on all of them).
//
// Anything that fails before the first deletion deletes nothing, and the
// error says why. What a crash leaves (some unreferenced chunks not deleted
// yet) the next gc deletes: gc converges.

// gcReaders bounds how many chunks.txt a gc reads at once, gcDeleters how
// many chunks it deletes at once.
const (
	gcReaders  = 8
	gcDeleters = 8
)

// GCResult is what a gc found and did at its destination.
type GCResult struct {
	Destination string `json:"destination"`
	// Chunks is the number of chunk objects found, ChunkLists the
	// chunks.txt read.
	Chunks     int `json:"chunks"`
	ChunkLists int `json:"chunk_lists"`
	// Referenced counts the chunks present that some chunks.txt names;
	// Missing the references to chunks absent from the store (verify and
	// repair deal with those).
	Referenced int `json:"referenced"`
	Missing    int `json:"missing_references"`
	// Cutoff: only unreferenced chunks older than it are deleted (the
	// grace period and the oldest live lease). KeptYoung counts the
	// unreferenced chunks kept because they are not older.
	Cutoff    time.Time `json:"cutoff"`
	KeptYoung int       `json:"kept_young"`
	// Deleted and DeletedBytes count what was deleted (a dry run: what
	// would be); WouldDelete lists those chunks' paths in a dry run.
	Deleted      int      `json:"deleted"`
	DeletedBytes int64    `json:"deleted_bytes"`
	DryRun       bool     `json:"dry_run,omitempty"`
	WouldDelete  []string `json:"would_delete,omitempty"`
	// Temporary counts the leftovers of interrupted uploads deleted (a dry
	// run: that would be), older than the cutoff like the chunks.
	Temporary int `json:"temporary_deleted,omitempty"`
	// StoredBytes is the size of the chunk store after the gc,
	// LogicalBytes the sum of the stream sizes of every chunks.txt, and
	// DedupRatio LogicalBytes / StoredBytes (0 when nothing is stored).
	StoredBytes  int64   `json:"stored_bytes"`
	LogicalBytes int64   `json:"logical_bytes"`
	DedupRatio   float64 `json:"dedup_ratio"`
}

// chunkObject is one chunk found by the listing: 48 bytes, plus a bit for
// "referenced", per chunk of the destination.
type chunkObject struct {
	id    snapshot.ChunkID
	size  int64
	mtime int64 // unix nanoseconds
}

// gcListing is what gc (and a verification that found bad chunks, to find
// the other copies that share them) needs of one listing of the whole
// destination.
type gcListing struct {
	chunks   []chunkObject // sorted by ID
	lists    []string      // paths of every chunks.txt
	complete []string      // directories holding a manifest.json, sorted
	leases   []string      // paths of the lease objects
	temps    []tempObject  // temporary objects under the chunk store
}

// tempObject is what an interrupted chunk upload left: a temporary name
// under the chunk store. Nothing references it; an apply still writing it
// holds a lease younger than it, so gc deletes it on the chunks' cutoff.
type tempObject struct {
	path  string
	size  int64
	mtime int64 // unix nanoseconds
}

// gcError is a gc that deleted nothing, and why; it is not retried.
func gcError(dest, format string, args ...any) error {
	return permanent{fmt.Errorf("gc at %q deleted nothing: %s", dest, fmt.Sprintf(format, args...))}
}

func (e *Executor) gc(ctx context.Context, res *Result) error {
	a := res.Action
	dest := a.Location.Destination
	st, err := e.store(dest)
	if err != nil {
		return err
	}
	if a.GC == nil {
		return gcError(dest, "the action carries no gc parameters (a plan from another strata version?)")
	}
	r := &GCResult{Destination: dest, DryRun: a.GC.DryRun}
	res.GC = r
	l, err := listForGC(ctx, st, true)
	if err != nil {
		return gcError(dest, "the listing of the whole destination failed: %v", err)
	}
	r.Chunks, r.ChunkLists = len(l.chunks), len(l.lists)
	if r.Cutoff, err = e.gcCutoff(ctx, st, l.leases, a.GC); err != nil {
		return err
	}
	referenced, err := markReferenced(ctx, st, l, r)
	if err != nil {
		return gcError(dest, "%v", err)
	}
	doomed := r.selectDoomed(l.chunks, referenced)
	temps := r.selectTemps(l.temps)
	if r.DryRun {
		r.dryRun(l.chunks, doomed)
		r.Temporary = len(temps)
	} else {
		err = e.deleteChunks(ctx, st, l.chunks, doomed, r, a.GC)
		if err == nil {
			err = deleteTemps(ctx, st, temps, r)
		}
	}
	r.finish(l.chunks, res)
	return err
}

// listForGC lists the whole destination once; withChunks keeps the chunk
// objects and temporary objects under the chunk store (gc needs them, a
// search for the copies that reference some chunks does not). Any error
// fails the listing: providers' List already fails on any directory it
// could not read.
func listForGC(ctx context.Context, st providers.Store, withChunks bool) (*gcListing, error) {
	l := &gcListing{}
	err := st.List(ctx, func(e providers.Entry) error {
		switch {
		case path.Base(e.Path) == snapshot.ChunkListName:
			l.lists = append(l.lists, e.Path)
		case path.Base(e.Path) == snapshot.ManifestName:
			l.complete = append(l.complete, path.Dir(e.Path))
		case strings.HasPrefix(e.Path, snapshot.LocksDir+"/"):
			if isLease(e.Path) {
				l.leases = append(l.leases, e.Path)
			}
		case withChunks && strings.HasPrefix(e.Path, snapshot.ChunkDir+"/"):
			if id, ok := chunkIDOf(e.Path); ok {
				l.chunks = append(l.chunks, chunkObject{id: id, size: e.Size, mtime: e.ModTime.UnixNano()})
			} else if isTemporary(e.Path) {
				l.temps = append(l.temps, tempObject{path: e.Path, size: e.Size, mtime: e.ModTime.UnixNano()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(l.chunks, func(a, b chunkObject) int { return bytes.Compare(a.id[:], b.id[:]) })
	slices.Sort(l.lists)
	slices.Sort(l.complete)
	return l, nil
}

// isTemporary says whether p is a temporary object (strata's marker, or
// rclone's ".partial" of an interrupted copy).
func isTemporary(p string) bool {
	return strings.Contains(path.Base(p), snapshot.TempMarker) || strings.HasSuffix(p, ".partial")
}

// chunkIDOf parses ".strata/chunks/<2 hex>/<sha256>.zst"; anything else
// under the chunk store (a temporary object) is not a chunk, and gc leaves
// it alone (temporary objects older than the cutoff aside: see tempObject).
func chunkIDOf(p string) (snapshot.ChunkID, bool) {
	rest := strings.TrimPrefix(p, snapshot.ChunkDir+"/")
	name, ok := strings.CutSuffix(rest, ".zst")
	if !ok || len(name) != 3+64 || name[2] != '/' || name[:2] != name[3:5] {
		return snapshot.ChunkID{}, false
	}
	id, err := snapshot.ParseChunkID(name[3:])
	return id, err == nil && snapshot.ChunkPath(id) == p
}

// gcCutoff is the time an unreferenced chunk must be older than: now less
// the grace period, or the creation of the oldest live lease if earlier
// (an unreadable lease counts as live since forever). Unless it is a dry
// run, this process must hold one of those live leases.
func (e *Executor) gcCutoff(ctx context.Context, st providers.Store, leasePaths []string, p *planner.GCParams) (time.Time, error) {
	now := time.Now()
	cutoff := now.Add(-p.Grace)
	held := false
	for _, lp := range leasePaths {
		l := readLease(ctx, st, lp)
		if !l.Live(now) {
			continue
		}
		if l.Created.Before(cutoff) {
			cutoff = l.Created
		}
		held = held || (l.Host == e.host && l.PID == os.Getpid())
	}
	if ctx.Err() != nil {
		return time.Time{}, ctx.Err()
	}
	if !held && !p.DryRun {
		return time.Time{}, gcError(st.Name(), "this apply holds no live lease there (found %d lease object(s))", len(leasePaths))
	}
	return cutoff, nil
}

// markReferenced reads every chunks.txt of the listing, strictly, and marks
// the chunks they reference (a bit per chunk). The first file that cannot
// be read or parsed, or that fails its manifest's seal (checkSeal), stops
// it, named in the error.
func markReferenced(ctx context.Context, st providers.Store, l *gcListing, r *GCResult) ([]bool, error) {
	referenced := make([]bool, len(l.chunks))
	var firstErr error
	read := func(ctx context.Context, p string) ([]snapshot.ChunkRef, error) {
		refs, err := readChunkListAt(ctx, st, p)
		if err == nil {
			if _, complete := slices.BinarySearch(l.complete, path.Dir(p)); complete {
				err = checkSeal(ctx, st, path.Dir(p), refs)
			}
		}
		return refs, err
	}
	err := eachList(ctx, l.lists, read, func(_ string, refs []snapshot.ChunkRef, err error) bool {
		if err != nil {
			firstErr = err
			return false
		}
		for _, ref := range refs {
			r.mark(l.chunks, referenced, ref)
		}
		return true
	})
	if firstErr == nil {
		firstErr = err
	}
	return referenced, firstErr
}

// checkSeal checks the chunks refs of the chunks.txt in the complete
// snapshot directory dir against the digest its manifest records of it
// (chunks_sha256). A list that parses but fails its seal is damaged, and
// may no longer name chunks the snapshot needs: gc must not take it at its
// word. A manifest without a seal, or one this strata cannot parse (another
// version's), has nothing to check; one that cannot be read fails, as an
// unreadable chunks.txt does.
func checkSeal(ctx context.Context, st providers.Store, dir string, refs []snapshot.ChunkRef) error {
	m, _, err := readManifest(ctx, st, dir)
	var p permanent
	switch {
	case errors.Is(err, providers.ErrNotFound) || errors.As(err, &p):
		return nil // purged meanwhile, or not a manifest this strata reads
	case err != nil:
		return fmt.Errorf("cannot read %s: %w", path.Join(dir, snapshot.ManifestName), err)
	case m.ChunksSHA256 == "" || snapshot.ChunkListDigest(refs) == m.ChunksSHA256:
		return nil
	}
	return permanent{fmt.Errorf("%s does not match the chunks_sha256 of its %s: the list is damaged "+
		"('strata verify' marks the copy, and the next apply repairs it from a healthy one)",
		path.Join(dir, snapshot.ChunkListName), snapshot.ManifestName)}
}

// eachChunkList reads the chunks.txt at each of paths, gcReaders at a time,
// and calls fn (serially, in no set order) with each one's chunks or the
// error that reading or parsing it gave. fn returning false stops the
// reading. It returns ctx's error when ctx ended before every list was
// given to fn.
func eachChunkList(ctx context.Context, st providers.Store, paths []string,
	fn func(p string, refs []snapshot.ChunkRef, err error) bool) error {
	read := func(ctx context.Context, p string) ([]snapshot.ChunkRef, error) { return readChunkListAt(ctx, st, p) }
	return eachList(ctx, paths, read, fn)
}

// eachList is eachChunkList with its own way to read a list.
func eachList(ctx context.Context, paths []string, read func(context.Context, string) ([]snapshot.ChunkRef, error),
	fn func(p string, refs []snapshot.ChunkRef, err error) bool) error {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		stopped bool
	)
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, gcReaders)
	for _, p := range paths {
		if inner.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			refs, err := read(inner, p)
			mu.Lock()
			defer mu.Unlock()
			if stopped || inner.Err() != nil {
				return
			}
			if !fn(p, refs, err) {
				stopped = true
				cancel()
			}
		}()
	}
	wg.Wait()
	if !stopped {
		return ctx.Err()
	}
	return nil
}

// mark records one reference: the chunk it names is kept.
func (r *GCResult) mark(chunks []chunkObject, referenced []bool, ref snapshot.ChunkRef) {
	r.LogicalBytes += ref.Size
	i, found := slices.BinarySearchFunc(chunks, ref.ID, func(c chunkObject, id snapshot.ChunkID) int {
		return bytes.Compare(c.id[:], id[:])
	})
	if !found {
		r.Missing++
		return
	}
	if !referenced[i] {
		referenced[i] = true
		r.Referenced++
	}
}

// selectDoomed returns the indexes of the chunks gc deletes: unreferenced and
// older than the cutoff.
func (r *GCResult) selectDoomed(chunks []chunkObject, referenced []bool) []int {
	cut := r.Cutoff.UnixNano()
	var doomed []int
	for i, c := range chunks {
		switch {
		case referenced[i]:
		case c.mtime < cut:
			doomed = append(doomed, i)
		default:
			r.KeptYoung++
		}
	}
	return doomed
}

// selectTemps returns the temporary objects older than the cutoff.
func (r *GCResult) selectTemps(temps []tempObject) []tempObject {
	cut := r.Cutoff.UnixNano()
	var old []tempObject
	for _, t := range temps {
		if t.mtime < cut {
			old = append(old, t)
		}
	}
	return old
}

// deleteTemps deletes the leftovers of interrupted uploads, after the
// chunks (whose deletion re-checked the leases). They do not count in the
// store's totals.
func deleteTemps(ctx context.Context, st providers.Store, temps []tempObject, r *GCResult) error {
	for _, t := range temps {
		if err := st.Delete(ctx, t.path); err != nil {
			return fmt.Errorf("gc at %q deleted %d leftover temporary objects, then: %w", st.Name(), r.Temporary, err)
		}
		r.Temporary++
	}
	return nil
}

// deleteChunks deletes the doomed chunks, after checking once more that
// this apply still holds its lease and no older live lease appeared (the
// cutoff only ever moves earlier). fault(FaultBeforeGCDelete) comes before
// each deletion.
func (e *Executor) deleteChunks(ctx context.Context, st providers.Store, chunks []chunkObject, doomed []int, r *GCResult, p *planner.GCParams) error {
	if len(doomed) == 0 {
		return nil
	}
	leases, err := listLeasePaths(ctx, st)
	if err != nil {
		return gcError(st.Name(), "listing the leases again before deleting failed: %v", err)
	}
	cutoff, err := e.gcCutoff(ctx, st, leases, p)
	if err != nil {
		return err
	}
	if cutoff.Before(r.Cutoff) {
		return gcError(st.Name(), "a lease older than this apply's appeared meanwhile (live since %s)", cutoff.UTC().Format(time.RFC3339))
	}
	return deleteAll(ctx, st, chunks, doomed, r)
}

// deleteAll deletes the doomed chunks, gcDeleters at a time, and counts them
// in r as they go; the first error stops it.
func deleteAll(ctx context.Context, st providers.Store, chunks []chunkObject, doomed []int, r *GCResult) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	sem := make(chan struct{}, gcDeleters)
	for _, i := range doomed {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fault(FaultBeforeGCDelete)
			c := chunks[i]
			if err := st.Delete(ctx, snapshot.ChunkPath(c.id)); err != nil {
				cancel(err)
				return
			}
			mu.Lock()
			r.Deleted++
			r.DeletedBytes += c.size
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("gc at %q deleted %d of %d unreferenced chunks, then: %w", st.Name(), r.Deleted, len(doomed), err)
	}
	return nil
}

// dryRun records what a gc would delete.
func (r *GCResult) dryRun(chunks []chunkObject, doomed []int) {
	for _, i := range doomed {
		r.Deleted++
		r.DeletedBytes += chunks[i].size
		r.WouldDelete = append(r.WouldDelete, snapshot.ChunkPath(chunks[i].id))
	}
}

// finish computes the destination's totals and the action's outcome.
func (r *GCResult) finish(chunks []chunkObject, res *Result) {
	for _, c := range chunks {
		r.StoredBytes += c.size
	}
	r.StoredBytes -= r.DeletedBytes
	if r.StoredBytes > 0 {
		r.DedupRatio = float64(r.LogicalBytes) / float64(r.StoredBytes)
	}
	res.Bytes = r.DeletedBytes
	res.Detail = r.String()
}

// String is the outcome for a person: "deleted 3 chunks (1.2 MiB); kept 2
// unreferenced chunks not older than …; 10 chunks referenced by 4
// chunks.txt; stored 3.4 MiB for 10 MiB of snapshots (dedup 2.94×)".
func (r *GCResult) String() string {
	verb := "deleted"
	if r.DryRun {
		verb = "would delete"
	}
	s := fmt.Sprintf("%s %s (%s) of %s", verb, count(r.Deleted, "unreferenced chunk"), HumanBytes(r.DeletedBytes), count(r.Chunks, "chunk"))
	if r.KeptYoung > 0 {
		s += fmt.Sprintf("; kept %s not older than %s (grace period, leases)",
			count(r.KeptYoung, "unreferenced chunk"), r.Cutoff.UTC().Format(time.RFC3339))
	}
	s += fmt.Sprintf("; %s referenced by %s", count(r.Referenced, "chunk"), fmt.Sprintf("%d %s", r.ChunkLists, snapshot.ChunkListName))
	if r.Temporary > 0 {
		s += fmt.Sprintf("; %s %s", verb, count(r.Temporary, "leftover temporary object"))
	}
	if r.Missing > 0 {
		s += fmt.Sprintf("; %s to chunks that are missing (run strata verify)", count(r.Missing, "reference"))
	}
	s += fmt.Sprintf("; stored %s for %s of snapshots", HumanBytes(r.StoredBytes), HumanBytes(r.LogicalBytes))
	if r.StoredBytes > 0 {
		s += fmt.Sprintf(" (dedup %.2f×)", r.DedupRatio)
	}
	return s
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// listLeasePaths lists the lease objects of a store.
func listLeasePaths(ctx context.Context, st providers.Store) ([]string, error) {
	var paths []string
	err := st.ListDir(ctx, snapshot.LocksDir, func(e providers.Entry) error {
		if isLease(e.Path) {
			paths = append(paths, e.Path)
		}
		return nil
	})
	return paths, err
}

// ChunkStoreSize is what a destination's chunk store holds, counted as gc
// counts it: the chunk objects under .strata/chunks (temporary objects
// left out) and their stored (compressed) bytes. It lists .strata/chunks
// only; any error of the listing is returned.
func ChunkStoreSize(ctx context.Context, st providers.Store) (chunks int, bytes int64, err error) {
	err = st.ListDir(ctx, snapshot.ChunkDir, func(e providers.Entry) error {
		if _, ok := chunkIDOf(e.Path); ok {
			chunks++
			bytes += e.Size
		}
		return nil
	})
	return chunks, bytes, err
}
