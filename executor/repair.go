package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/stratabackup/strata/snapshot"
)

// maxMark bounds how much of a corrupt.json is read.
const maxMark = 64 << 20

// repair heals the damaged copy in dstDir from the healthy copy cj.src: it
// copies only the chunks its corrupt.json names as bad (or, when that mark
// cannot be read or names none, every chunk that fails a check at the
// damaged destination), each checked as it is read, then rewrites the
// copy's chunks.txt, data.tar.sha256 and manifest from the healthy copy
// and drops its verification marks. A repair cut short leaves the damaged
// copy as it was, never deleted: it may still be the only copy of much.
func (e *Executor) repair(ctx context.Context, res *Result, cj *copyJob, dstDir string, m *snapshot.Manifest, raw []byte) error {
	a := res.Action
	cj.parallel = transfers(a)
	cj.chunks = newChunkStore(ctx, cj.dst, nil, cj.parallel)
	bad, how := badChunks(ctx, cj, dstDir)
	if how == "" {
		var err error
		if bad, err = e.failingChunks(ctx, cj, dstDir); err != nil {
			return err
		}
		how = "checked here"
	}
	if err := cj.run(ctx, bad, true); err != nil {
		return err
	}
	if err := commit(ctx, cj.dst, dstDir, cj.l, m, raw); err != nil {
		return err
	}
	res.Bytes = cj.bytes.Load()
	res.Detail = fmt.Sprintf("%d bad chunk(s) (%s) copied (%s), chunk list and manifest rewritten",
		cj.copied.Load(), how, HumanBytes(res.Bytes))
	return clearMarks(ctx, cj.dst, dstDir)
}

// badChunks returns the chunks of the healthy copy's list that the damaged
// copy's corrupt.json names; how is "" when that mark cannot be read or
// names no chunk (the chunks must then be checked).
func badChunks(ctx context.Context, cj *copyJob, dstDir string) (bad []snapshot.ChunkRef, how string) {
	b, err := readSmall(ctx, cj.dst, path.Join(dstDir, snapshot.CorruptName), maxMark)
	if err != nil {
		return nil, ""
	}
	var mark Mark
	if json.Unmarshal(b, &mark) != nil || len(mark.Chunks) == 0 {
		return nil, ""
	}
	named := map[string]bool{}
	for _, c := range mark.Chunks {
		named[c.Name] = true
	}
	for _, r := range distinct(cj.l.Chunks) {
		if named[snapshot.ChunkPath(r.ID)] {
			bad = append(bad, r)
		}
	}
	return bad, "named in " + snapshot.CorruptName
}

// failingChunks checks every chunk of the healthy copy's list at the
// damaged destination and returns the ones that fail.
func (e *Executor) failingChunks(ctx context.Context, cj *copyJob, dstDir string) ([]snapshot.ChunkRef, error) {
	var mark Mark
	refs := distinct(cj.l.Chunks)
	if err := e.checkEach(ctx, &chunkStore{st: cj.dst}, refs, cj.parallel, snapshot.NewChunkSet(), &mark); err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	for _, c := range mark.Chunks {
		failed[c.Name] = true
	}
	var bad []snapshot.ChunkRef
	for _, r := range refs {
		if failed[snapshot.ChunkPath(r.ID)] {
			bad = append(bad, r)
		}
	}
	return bad, nil
}
