package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Mark is the content of verified.json or corrupt.json.
type Mark struct {
	Checked       time.Time `json:"checked"`
	StrataVersion string    `json:"strata_version"`
	OK            bool      `json:"ok"`
	// ChunksRead is how many chunks this check read; ChunksKnown how many
	// more it took as good because the same run had read and checked them
	// already (for another snapshot at the same destination).
	ChunksRead  int `json:"chunks_read,omitempty"`
	ChunksKnown int `json:"chunks_known,omitempty"`
	// StreamChecked says the whole tar stream was read in order and its
	// SHA-256 matched data.tar.sha256 (not when some chunks were known).
	StreamChecked bool `json:"stream_checked,omitempty"`
	// Chunks are the chunks that failed, with rclone's markers: what a
	// repair copies from a healthy copy.
	Chunks  []MarkChunk `json:"chunks,omitempty"`
	Problem string      `json:"problem,omitempty"`
	// FoundBy is set when the last bad chunks this mark names were found
	// by verifying another copy at the same destination (see spread), not
	// this one: that copy's directory and location, "<dir> at <location>".
	FoundBy string `json:"found_by,omitempty"`
}

// MarkChunk is a failed check of one chunk (or of the whole stream, named
// data.tar.sha256), with rclone's marker (* differs, + missing, ! error).
type MarkChunk struct {
	Name   string `json:"name"` // the chunk's path from the destination root
	Marker string `json:"marker"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	// FoundBy is "" when checking this copy found the chunk bad, else the
	// other copy whose verification did (see Mark.FoundBy).
	FoundBy string `json:"found_by,omitempty"`
}

// DamagedError says a verification found a copy damaged.
type DamagedError struct {
	Location, Dir, Problem string
	// Shared are the other complete copies at the destination that
	// reference the bad chunks and were marked damaged too, by directory;
	// Warnings say what could not be read while looking for them (see
	// spread).
	Shared, Warnings []string
	// RecordErr is why writing the copy's own corrupt.json failed, nil
	// when it is written. The copy is then not marked (the copies in
	// Shared are).
	RecordErr error
}

func (e *DamagedError) Error() string {
	s := fmt.Sprintf("copy %s at %s is damaged: %s; ", e.Dir, e.Location, e.Problem)
	if e.RecordErr != nil {
		s += fmt.Sprintf("recording %s failed: %v", snapshot.CorruptName, e.RecordErr)
	} else {
		s += "the next plan repairs it from a healthy copy"
	}
	if len(e.Shared) > 0 {
		s += "; other copies at the destination reference the bad chunks and were marked damaged too: " + Few(e.Shared, 3)
	}
	return s
}

// Few joins the first n of items with ", ", and says how many more there are.
func Few(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// verify re-reads a copy, checks every chunk and the whole stream, and
// records the result next to the snapshot.
func (e *Executor) verify(ctx context.Context, res *Result) error {
	a := res.Action
	dir, _, err := e.dirs(a, res.Snapshot)
	if err != nil {
		return err
	}
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return err
	}
	mark, err := e.check(ctx, st, dir, transfers(a))
	if err != nil {
		return err
	}
	fault(FaultBeforeVerifyRecord)
	err = e.Record(ctx, st, dir, a.Location.String(), mark)
	var damaged *DamagedError
	if errors.As(err, &damaged) {
		res.Warnings = append(res.Warnings, damaged.Warnings...)
	}
	return err
}

// Check re-reads the copy in dir at st — every chunk its chunks.txt names,
// each checked against its ID and size, and the whole stream against
// data.tar.sha256 — and returns its mark; an error means the check itself
// could not run (the copy's state is unknown). A chunk this Executor has
// read and checked at st already is not read again. It writes nothing.
func (e *Executor) Check(ctx context.Context, st providers.Store, dir string) (*Mark, error) {
	return e.check(ctx, st, dir, planner.DefaultTransfers)
}

func (e *Executor) check(ctx context.Context, st providers.Store, dir string, parallel int) (*Mark, error) {
	mark := &Mark{Checked: time.Now().UTC(), StrataVersion: e.opts.Version}
	m, _, err := readManifest(ctx, st, dir)
	if errors.Is(err, providers.ErrNotFound) {
		mark.Problem = "manifest.json is missing"
		return mark, nil
	}
	var p permanent
	if errors.As(err, &p) {
		mark.Problem = err.Error()
		return mark, nil
	}
	if err != nil {
		return nil, err
	}
	l, err := readList(ctx, st, dir, m)
	if errors.Is(err, providers.ErrNotFound) || errors.As(err, &p) {
		mark.Problem = fmt.Sprintf("the chunk list cannot be read: %v", err)
		return mark, nil
	}
	if err != nil {
		return nil, err
	}
	if err := e.checkChunks(ctx, st, l, parallel, mark); err != nil {
		return nil, err
	}
	mark.OK = len(mark.Chunks) == 0
	mark.Problem = chunkProblems(mark.Chunks)
	return mark, nil
}

// checkChunks checks the chunks of l at st into mark. A snapshot none of
// whose chunks was checked yet in this run is read as one stream, in order
// and in parallel, which checks the stream's digest too; after a failure, or
// when some chunks are known good, each remaining distinct chunk is checked
// on its own, so that every bad one is recorded.
func (e *Executor) checkChunks(ctx context.Context, st providers.Store, l snapshot.ChunkList, parallel int, mark *Mark) error {
	good := e.checkedChunks(st.Name())
	cs := &chunkStore{st: st}
	todo := make([]snapshot.ChunkRef, 0, len(l.Chunks))
	for _, r := range distinct(l.Chunks) {
		if good.Has(r.ID) {
			mark.ChunksKnown++
		} else {
			todo = append(todo, r)
		}
	}
	if mark.ChunksKnown == 0 {
		// A verify hashes the stream even of a sealed list: the audit also
		// proves data.tar.sha256, the check the README's recipe relies on.
		l.Sealed = false
		r := snapshot.ReadChunks(ctx, l, cs.fetch, parallel)
		_, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, make([]byte, 1<<20))
		r.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var de *snapshot.DigestError
		switch {
		case err == nil:
			good.AddList(l.Chunks)
			mark.ChunksRead, mark.StreamChecked = len(todo), true
			return nil
		case errors.As(err, &de) && de.Piece == snapshot.StreamSumName:
			// every chunk matched its ID: chunks.txt and data.tar.sha256 disagree
			mark.ChunksRead, mark.StreamChecked = len(todo), true
			mark.Chunks = append(mark.Chunks, MarkChunk{Name: snapshot.StreamSumName, Marker: "*", Status: "differs", Detail: err.Error()})
			return nil
		}
	}
	return e.checkEach(ctx, cs, todo, parallel, good, mark)
}

// checkEach checks each of refs on its own, on parallel goroutines.
func (e *Executor) checkEach(ctx context.Context, cs *chunkStore, refs []snapshot.ChunkRef, parallel int,
	good *snapshot.ChunkSet, mark *Mark) error {
	checker, err := snapshot.NewChunkChecker(parallel)
	if err != nil {
		return err
	}
	defer checker.Close()
	work := make(chan snapshot.ChunkRef)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ref := range work {
				frame, err := checker.Fetch(ctx, ref, cs.fetch)
				if err == nil {
					checker.Release(frame)
					good.Add(ref.ID)
					continue
				}
				st := snapshot.StatusOf(err)
				mu.Lock()
				mark.Chunks = append(mark.Chunks, MarkChunk{Name: snapshot.ChunkPath(ref.ID), Marker: st.Marker(), Status: st.String(), Detail: err.Error()})
				mu.Unlock()
			}
		}()
	}
	feed(ctx, work, refs)
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	mark.ChunksRead = len(refs)
	slices.SortFunc(mark.Chunks, func(a, b MarkChunk) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// checkedChunks is the set of chunks this Executor has read and found good
// at destination dest.
func (e *Executor) checkedChunks(dest string) *snapshot.ChunkSet {
	e.checkedMu.Lock()
	defer e.checkedMu.Unlock()
	return chunkSetAt(&e.checked, dest)
}

// chunkSetAt returns the set of *m at dest, making the map and the set
// when they are missing; the caller holds the lock that guards *m.
func chunkSetAt(m *map[string]*snapshot.ChunkSet, dest string) *snapshot.ChunkSet {
	if *m == nil {
		*m = map[string]*snapshot.ChunkSet{}
	}
	s := (*m)[dest]
	if s == nil {
		s = snapshot.NewChunkSet()
		(*m)[dest] = s
	}
	return s
}

// chunkProblems says what failed, a few chunks by name.
func chunkProblems(bad []MarkChunk) string {
	if len(bad) == 0 {
		return ""
	}
	var out []string
	for i, c := range bad {
		if i == 3 {
			out = append(out, fmt.Sprintf("and %d more (see %s)", len(bad)-3, snapshot.CorruptName))
			break
		}
		out = append(out, c.Marker+" "+c.Detail) // the detail names the chunk
	}
	return strings.Join(out, "; ")
}

// Record writes verified.json (and drops a stale corrupt.json) or
// corrupt.json next to the copy in dir; for a failed check it then marks
// the other copies at st that reference the bad chunks (see spread) — even
// when writing this copy's own mark failed: the damage is real, and their
// repair rewrites the chunks this copy shares — and returns a
// *DamagedError naming loc and them, and the failure to record, if any.
func (e *Executor) Record(ctx context.Context, st providers.Store, dir, loc string, mark *Mark) error {
	err := e.writeMark(ctx, st, dir, mark)
	e.noteOwn(st.Name(), dir, !mark.OK && err == nil)
	if mark.OK {
		return err
	}
	sp := e.spread(ctx, st, dir, loc, mark)
	return permanent{&DamagedError{Location: loc, Dir: dir, Problem: mark.Problem, Shared: sp.Marked, Warnings: sp.Warnings, RecordErr: err}}
}

// writeMark writes mark as verified.json or corrupt.json in dir and drops
// the other one.
func (e *Executor) writeMark(ctx context.Context, st providers.Store, dir string, mark *Mark) error {
	b, _ := json.MarshalIndent(mark, "", "  ")
	name, stale := snapshot.VerifiedName, snapshot.CorruptName
	if !mark.OK {
		name, stale = snapshot.CorruptName, snapshot.VerifiedName
	}
	if _, err := st.Write(ctx, path.Join(dir, name), bytes.NewReader(b), int64(len(b))); err != nil {
		return err
	}
	if err := st.Delete(ctx, path.Join(dir, stale)); err != nil && !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	return nil
}

// purge deletes a copy outside retention.
func (e *Executor) purge(ctx context.Context, res *Result) error {
	st, err := e.store(res.Action.Location.Destination)
	if err != nil {
		return err
	}
	if res.Action.Dir == "" {
		return permanent{fmt.Errorf("%s: no directory to purge", res.Action.Key)}
	}
	fault(FaultBeforePurge)
	// The manifest goes first: a purge cut short leaves an incomplete
	// directory (cleaned up later), never a complete-looking partial copy.
	if err := st.Delete(ctx, path.Join(res.Action.Dir, snapshot.ManifestName)); err != nil {
		return err
	}
	return st.DeleteDir(ctx, res.Action.Dir)
}

// cleanup deletes an incomplete snapshot directory or leftover temporary objects.
func (e *Executor) cleanup(ctx context.Context, res *Result) error {
	st, err := e.store(res.Action.Location.Destination)
	if err != nil {
		return err
	}
	for _, p := range res.Action.Paths {
		if err := st.Delete(ctx, p); err != nil {
			return err
		}
	}
	if res.Action.Dir != "" {
		return st.DeleteDir(ctx, res.Action.Dir)
	}
	return nil
}
