package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Chunks are stored once per destination and shared by every copy there
// (DESIGN.md §2), so a chunk one verification finds missing or damaged is
// missing or damaged for every other copy that references it. spread finds
// those copies — one listing of the whole destination, as gc lists it, then
// their chunks.txt — and writes a corrupt.json in each, naming the chunks
// and the copy whose verification found them: the next plan repairs them
// too, rather than taking them as healthy sources. It runs only when a
// verification found bad chunks; a clean one costs nothing more.

// spreadResult is what spread did at one destination.
type spreadResult struct {
	// Marked are the directories (from the destination root) of the other
	// complete copies that reference a bad chunk and now carry a
	// corrupt.json naming it, sorted.
	Marked []string
	// Warnings name what could not be read or written (a chunks.txt that
	// cannot be read, a listing that failed): copies there may reference
	// the bad chunks and are not marked.
	Warnings []string
}

// spread records the bad chunks that mark (the result of verifying the copy
// in dir at st, location loc) names in every other complete copy at st
// whose chunks.txt references any of them, unless that copy's own check in
// this run found it damaged or is still to come (see noteOwn), or another
// spread of this Executor has marked these chunks at st already.
// A mark with no bad chunk does nothing and reads nothing. What cannot be
// read is a warning, never an error; it stops early when ctx ends.
func (e *Executor) spread(ctx context.Context, st providers.Store, dir, loc string, mark *Mark) spreadResult {
	bad := badChunkIDs(mark)
	if len(bad) == 0 {
		return spreadResult{}
	}
	select {
	case e.spreading <- struct{}{}:
		defer func() { <-e.spreading }()
	case <-ctx.Done():
		return spreadResult{Warnings: []string{fmt.Sprintf("interrupted before marking the other copies at %s that reference the bad chunks: %v", st.Name(), ctx.Err())}}
	}
	done := e.spreadChunks(st.Name())
	for id := range bad {
		if done.Has(id) {
			delete(bad, id)
		}
	}
	if len(bad) == 0 {
		return spreadResult{}
	}
	l, err := listForGC(ctx, st, false)
	if err != nil {
		return spreadResult{Warnings: []string{fmt.Sprintf("listing %s to find the other copies that reference the bad chunks failed: %v; they are not marked damaged", st.Name(), err)}}
	}
	for id := range bad {
		done.Add(id)
	}
	s := &spreader{e: e, st: st, bad: bad, foundBy: dir + " at " + loc}
	s.run(ctx, e.otherLists(st.Name(), dir, l))
	slices.Sort(s.out.Marked)
	return s.out
}

// spreader is one spread at work.
type spreader struct {
	e       *Executor
	st      providers.Store
	bad     map[snapshot.ChunkID]MarkChunk // the bad chunks, as the verified copy's mark names them
	foundBy string                         // the verified copy: "<dir> at <location>"
	mu      sync.Mutex
	out     spreadResult
}

// run reads each chunks.txt of lists, then marks the copies that reference
// a bad chunk, gcDeleters at a time.
func (s *spreader) run(ctx context.Context, lists []string) {
	type hit struct {
		dir    string
		chunks []MarkChunk
	}
	var todo []hit
	err := eachChunkList(ctx, s.st, lists, func(p string, refs []snapshot.ChunkRef, err error) bool {
		if err != nil {
			s.warnf("%v; if that copy references the bad chunks, it is not marked damaged", err)
		} else if hits := s.hits(refs); len(hits) > 0 {
			todo = append(todo, hit{path.Dir(p), hits})
		}
		return true
	})
	if err != nil {
		s.warnf("finding the other copies at %s that reference the bad chunks stopped: %v", s.st.Name(), err)
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, gcDeleters)
	for _, h := range todo {
		if ctx.Err() != nil {
			s.warnf("marking the other copies at %s that reference the bad chunks stopped: %v", s.st.Name(), ctx.Err())
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() { defer func() { <-sem; wg.Done() }(); s.mark(ctx, h.dir, h.chunks) }()
	}
	wg.Wait()
}

// hits returns the bad chunks refs references, each once.
func (s *spreader) hits(refs []snapshot.ChunkRef) []MarkChunk {
	var out []MarkChunk
	seen := map[snapshot.ChunkID]bool{}
	for _, r := range refs {
		if c, bad := s.bad[r.ID]; bad && !seen[r.ID] {
			seen[r.ID] = true
			c.FoundBy = s.foundBy
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b MarkChunk) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// mark writes the corrupt.json of the copy in dir.
func (s *spreader) mark(ctx context.Context, dir string, hits []MarkChunk) {
	written, err := s.e.markShared(ctx, s.st, dir, hits, s.foundBy)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.out.Warnings = append(s.out.Warnings, fmt.Sprintf("%s references the bad chunks, but marking it damaged failed: %v", dir, err))
	case written:
		s.out.Marked = append(s.out.Marked, dir)
	}
}

func (s *spreader) warnf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.Warnings = append(s.out.Warnings, fmt.Sprintf(format, args...))
}

// markShared writes the corrupt.json of the copy in dir at st: the chunks
// hits, found by verifying foundBy, added to those its current corrupt.json
// names. A corrupt.json that cannot be parsed or names no chunk is left as
// it is (written is false): its repair checks every chunk anyway; so is a
// copy whose manifest is gone since the listing (a purge: writing would
// leave an incomplete directory behind). The copy's verified.json, if any,
// stays: it says when the copy itself last passed, and the newer
// corrupt.json makes it damaged all the same.
func (e *Executor) markShared(ctx context.Context, st providers.Store, dir string, hits []MarkChunk, foundBy string) (written bool, err error) {
	if ok, err := objectExists(ctx, st, path.Join(dir, snapshot.ManifestName)); !ok || err != nil {
		return false, err
	}
	p := path.Join(dir, snapshot.CorruptName)
	mark := &Mark{StrataVersion: e.opts.Version}
	b, err := readSmall(ctx, st, p, maxMark)
	switch {
	case err == nil:
		if json.Unmarshal(b, mark) != nil || len(mark.Chunks) == 0 {
			return false, nil
		}
	case !errors.Is(err, providers.ErrNotFound):
		return false, err
	}
	problem := fmt.Sprintf("verifying %s found %s it references damaged: %s", foundBy, count(len(hits), "chunk"), chunkProblems(hits))
	if mark.Problem != "" {
		problem = mark.Problem + "; " + problem
	}
	mark.Checked, mark.OK, mark.FoundBy, mark.Problem = time.Now().UTC(), false, foundBy, problem
	mark.Chunks = mergeChunks(mark.Chunks, hits)
	out, _ := json.MarshalIndent(mark, "", "  ")
	if _, err := st.Write(ctx, p, bytes.NewReader(out), int64(len(out))); err != nil {
		return false, err
	}
	return true, nil
}

// mergeChunks adds to have the chunks of add it does not name, sorted by name.
func mergeChunks(have, add []MarkChunk) []MarkChunk {
	for _, c := range add {
		if !slices.ContainsFunc(have, func(h MarkChunk) bool { return h.Name == c.Name }) {
			have = append(have, c)
		}
	}
	slices.SortFunc(have, func(a, b MarkChunk) int { return strings.Compare(a.Name, b.Name) })
	return have
}

// badChunkIDs returns the chunks mark names as failed, by ID (a mismatch of
// the whole stream is the copy's own, not a chunk's).
func badChunkIDs(mark *Mark) map[snapshot.ChunkID]MarkChunk {
	bad := map[snapshot.ChunkID]MarkChunk{}
	if mark == nil || mark.OK {
		return bad
	}
	for _, c := range mark.Chunks {
		if id, ok := chunkIDOf(c.Name); ok && c.FoundBy == "" {
			bad[id] = c
		}
	}
	return bad
}

// otherLists returns the chunks.txt of the complete copies of l other than
// dir and than those a spread leaves alone at dest (see noteOwn).
func (e *Executor) otherLists(dest, dir string, l *gcListing) []string {
	e.checkedMu.Lock()
	defer e.checkedMu.Unlock()
	own := e.own[dest]
	var out []string
	for _, p := range l.lists {
		d := path.Dir(p)
		if _, complete := slices.BinarySearch(l.complete, d); complete && d != dir && !own[d] {
			out = append(out, p)
		}
	}
	return out
}

// spreadChunks is the set of chunks a spread of this Executor has looked
// for at dest (after a listing that worked): another verification finding
// them bad does not look again.
func (e *Executor) spreadChunks(dest string) *snapshot.ChunkSet {
	e.checkedMu.Lock()
	defer e.checkedMu.Unlock()
	return chunkSetAt(&e.spreadIDs, dest)
}

// WillVerify tells e which copies the caller checks and records itself in
// this run (Check, then Record, one after another as `strata verify`
// does): a spread from a copy checked before them leaves them to their own
// check, which reads the bad chunk again and records it, rather than
// marking them first (a write their own result replaces, and a copy
// reported as "marked damaged too" that the same run reports as checked).
// Incomplete copies are left out: a spread never marks them.
//
// A copy named here whose own check then cannot run (or never runs: the
// run was interrupted) is not marked by those spreads; the repair of the
// copy that found the chunk rewrites the chunk, which heals it too.
func (e *Executor) WillVerify(targets []planner.VerifyTarget) {
	for _, t := range targets {
		if t.Copy.Complete {
			e.noteOwn(t.Location.Destination, t.Copy.Dir, true)
		}
	}
}

// noteOwn says whether a spread leaves the copy in dir at dest alone (own):
// while its own check in this run is still to come, and once that check
// has recorded it damaged (its corrupt.json names what it found itself).
// A copy whose check passed is not left alone: it put every chunk it
// references among those this run knows good, which no later check reads
// again, so a later check can find one of them bad only when it was read
// at the same time, before and after damage — and then the copy is
// damaged. Nor is one whose own mark could not be written.
func (e *Executor) noteOwn(dest, dir string, own bool) {
	e.checkedMu.Lock()
	defer e.checkedMu.Unlock()
	if !own {
		delete(e.own[dest], dir)
		return
	}
	if e.own == nil {
		e.own = map[string]map[string]bool{}
	}
	if e.own[dest] == nil {
		e.own[dest] = map[string]bool{}
	}
	e.own[dest][dir] = true
}
