package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sync"
	"sync/atomic"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// maxManifest bounds how much of a manifest is read.
const maxManifest = 64 << 20

// dirs returns the snapshot directory of an action at its location and at
// its source, filling in pending IDs from the result.
func (e *Executor) dirs(a planner.Action, id string) (dst, src string, err error) {
	sid, err := snapshot.ParseID(id)
	if err != nil {
		return "", "", permanent{fmt.Errorf("%s: %v", a.Key, err)}
	}
	dst = a.Dir
	if dst == "" {
		if a.AppPath == "" {
			return "", "", permanent{fmt.Errorf("%s: the plan gives no application path at %s", a.Key, a.Location)}
		}
		dst = snapshot.Path(a.AppPath, sid)
	}
	src = a.SourceDir
	if src == "" && a.Source != nil {
		if a.SourceAppPath == "" {
			return "", "", permanent{fmt.Errorf("%s: the plan gives no application path at %s", a.Key, a.Source)}
		}
		src = snapshot.Path(a.SourceAppPath, sid)
	}
	return dst, src, nil
}

// readManifest reads and parses the manifest of the snapshot in dir.
func readManifest(ctx context.Context, st providers.Store, dir string) (*snapshot.Manifest, []byte, error) {
	rc, err := st.Open(ctx, path.Join(dir, snapshot.ManifestName))
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxManifest))
	if err != nil {
		return nil, nil, err
	}
	m, err := snapshot.ParseManifest(raw)
	if err != nil {
		return nil, nil, permanent{fmt.Errorf("%s at %s: %v", dir, st.Name(), err)}
	}
	return m, raw, nil
}

// transfer copies a snapshot from its source location: only the chunks the
// receiving destination lacks, each checked against its ID as it is read,
// in parallel; then chunks.txt, data.tar.sha256 and the manifest last. A
// repair copies only the bad chunks over a damaged copy (repair.go).
func (e *Executor) transfer(ctx context.Context, res *Result) error {
	a := res.Action
	if a.Source == nil {
		return permanent{fmt.Errorf("%s has no source", a.Key)}
	}
	dstDir, srcDir, err := e.dirs(a, res.Snapshot)
	if err != nil {
		return err
	}
	src, err := e.store(a.Source.Destination)
	if err != nil {
		return err
	}
	dst, err := e.store(a.Location.Destination)
	if err != nil {
		return err
	}
	m, raw, err := readManifest(ctx, src, srcDir)
	if err != nil {
		return fmt.Errorf("reading the manifest at %s: %w", a.Source, err)
	}
	l, err := readList(ctx, src, srcDir, m)
	if err != nil {
		return fmt.Errorf("reading the chunk list at %s: %w", a.Source, err)
	}
	progress := e.progress(res)
	progress.total = m.Size // the copy's own size, known now even for a new snapshot's
	progress.start()
	if a.Kind == planner.Repair {
		return e.repair(ctx, res, &copyJob{src: src, dst: dst, l: l, progress: progress}, dstDir, m, raw)
	}
	cj := &copyJob{src: src, dst: dst, l: l, progress: progress,
		chunks: newChunkStore(ctx, dst, a.Parents, transfers(a)), parallel: transfers(a)}
	cj.chunks.distrust(ctx, a.Damaged)
	err = cj.run(ctx, l.Chunks, false)
	if err == nil {
		err = commit(ctx, dst, dstDir, l, m, raw)
	}
	if err != nil {
		deleteQuietly(dst, dstDir, err)
		return err
	}
	res.Bytes = cj.bytes.Load()
	res.Detail = fmt.Sprintf("%s in %d chunks, %d copied (%s)", HumanBytes(m.Size), len(l.Chunks), cj.copied.Load(), HumanBytes(res.Bytes))
	return nil
}

// copyJob copies chunks of one snapshot from src to dst.
type copyJob struct {
	src, dst providers.Store
	l        snapshot.ChunkList
	progress *progressCounter
	chunks   *chunkStore // dst's chunk store
	parallel int

	copied atomic.Int64 // chunks copied
	bytes  atomic.Int64 // compressed bytes copied
}

// run copies each distinct chunk of refs on cj.parallel goroutines: the
// ones dst lacks or, with overwrite, all of them. Each frame read from src
// is checked (it decompresses to the chunk's size and SHA-256) before it is
// written. The first error stops the rest.
func (cj *copyJob) run(ctx context.Context, refs []snapshot.ChunkRef, overwrite bool) error {
	checker, err := snapshot.NewChunkChecker(cj.parallel)
	if err != nil {
		return err
	}
	defer checker.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan snapshot.ChunkRef)
	var wg sync.WaitGroup
	for range max(cj.parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ref := range work {
				if err := cj.one(ctx, checker, ref, overwrite); err != nil {
					cancel(err)
				}
			}
		}()
	}
	feed(ctx, work, distinct(refs))
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// feed sends refs to work until done or ctx ends, then closes work.
func feed(ctx context.Context, work chan<- snapshot.ChunkRef, refs []snapshot.ChunkRef) {
	defer close(work)
	for _, ref := range refs {
		select {
		case work <- ref:
		case <-ctx.Done():
			return
		}
	}
}

// distinct returns refs without repeated chunks, in order.
func distinct(refs []snapshot.ChunkRef) []snapshot.ChunkRef {
	seen := snapshot.NewChunkSet()
	out := make([]snapshot.ChunkRef, 0, len(refs))
	for _, r := range refs {
		if seen.Add(r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// one copies one chunk unless dst has it already (and overwrite is off).
func (cj *copyJob) one(ctx context.Context, checker *snapshot.ChunkChecker, ref snapshot.ChunkRef, overwrite bool) error {
	defer cj.progress.add(int(ref.Size))
	if !overwrite {
		have, err := cj.chunks.Has(ctx, ref.ID)
		if err != nil || have {
			return err
		}
	}
	fetch := func(ctx context.Context, id snapshot.ChunkID) (io.ReadCloser, error) {
		return cj.src.Open(ctx, snapshot.ChunkPath(id))
	}
	frame, err := checker.Fetch(ctx, ref, fetch)
	if err != nil {
		var de *snapshot.DigestError
		if errors.As(err, &de) {
			return permanent{fmt.Errorf("chunk read from %s does not match its ID: %w", cj.src.Name(), err)}
		}
		return fmt.Errorf("reading %s at %s: %w", snapshot.ChunkPath(ref.ID), cj.src.Name(), err)
	}
	if err := cj.chunks.Put(ctx, ref.ID, frame); err != nil {
		return err // frame is left to the collector: an aborted upload may still hold it
	}
	cj.copied.Add(1)
	cj.bytes.Add(int64(len(frame)))
	checker.Release(frame)
	return nil
}

// clearMarks removes the verification marks of a replaced copy.
func clearMarks(ctx context.Context, st providers.Store, dir string) error {
	for _, name := range []string{snapshot.CorruptName, snapshot.VerifiedName} {
		if err := st.Delete(ctx, path.Join(dir, name)); err != nil && !errors.Is(err, providers.ErrNotFound) {
			return err
		}
	}
	return nil
}

// ReadManifest reads the manifest of the snapshot in dir at st.
func ReadManifest(ctx context.Context, st providers.Store, dir string) (*snapshot.Manifest, error) {
	m, _, err := readManifest(ctx, st, dir)
	return m, err
}
