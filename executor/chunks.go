package executor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// maxChunkLines bounds how many lines of a chunks.txt are read: about 4
// million chunks (16 TiB of stream at 4 MiB a chunk).
const maxChunkLines = 4 << 20

// chunkStore is a destination's chunk store as snapshot.WriteChunks, a
// transfer or a repair sees it. Has answers first from known — the chunks
// named by the chunks.txt of the action's parents (complete copies at that
// destination, whose chunks gc never deletes) and those stored by this
// action — and asks the store only for the rest. Every request to the store
// takes a slot: there are as many as the destination's transfers.
type chunkStore struct {
	st    providers.Store
	known *snapshot.ChunkSet
	bad   *snapshot.ChunkSet // chunks a corrupt.json here names: written again, never taken as present
	slots chan struct{}
}

// newChunkStore returns the chunk store of st with the chunks of parents
// (snapshot directories at st) known. A parent whose chunks.txt cannot be
// read (purged meanwhile, damaged) only makes more questions for the store.
func newChunkStore(ctx context.Context, st providers.Store, parents []string, transfers int) *chunkStore {
	s := &chunkStore{st: st, known: snapshot.NewChunkSet(), bad: snapshot.NewChunkSet(), slots: make(chan struct{}, max(transfers, 1))}
	for _, dir := range parents {
		if chunks, err := readChunkList(ctx, st, dir); err == nil {
			s.known.AddList(chunks)
		}
	}
	return s
}

// distrust marks the chunks that the corrupt.json of the copies in dirs
// names as bad: Has says they are absent, so they are written again.
func (s *chunkStore) distrust(ctx context.Context, dirs []string) {
	for _, dir := range dirs {
		b, err := readSmall(ctx, s.st, path.Join(dir, snapshot.CorruptName), maxMark)
		var mark Mark
		if err != nil || json.Unmarshal(b, &mark) != nil {
			continue
		}
		for _, c := range mark.Chunks {
			if id, ok := chunkIDOfPath(c.Name); ok {
				s.bad.Add(id)
			}
		}
	}
}

// chunkIDOfPath is the ID of a chunk path ".strata/chunks/xx/<id>.zst".
func chunkIDOfPath(p string) (snapshot.ChunkID, bool) {
	name, ok := strings.CutSuffix(path.Base(p), ".zst")
	if !ok {
		return snapshot.ChunkID{}, false
	}
	id, err := snapshot.ParseChunkID(name)
	return id, err == nil && snapshot.ChunkPath(id) == p
}

// transfers is the parallelism an action asks for, or the default.
func transfers(a planner.Action) int {
	if a.Transfers > 0 {
		return a.Transfers
	}
	return planner.DefaultTransfers
}

func (s *chunkStore) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (s *chunkStore) release() { <-s.slots }

// Has reports whether the destination holds chunk id.
func (s *chunkStore) Has(ctx context.Context, id snapshot.ChunkID) (bool, error) {
	if s.bad != nil && s.bad.Has(id) {
		return false, nil
	}
	if s.known.Has(id) {
		return true, nil
	}
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer s.release()
	ok, err := objectExists(ctx, s.st, snapshot.ChunkPath(id))
	if ok {
		s.known.Add(id)
	}
	return ok, err
}

// Known reports whether chunk id is known present without asking the
// store: a parent's chunks.txt names it (or this action found or stored
// it), and no corrupt.json here does. Only such chunks are taken from the
// file cache (snapshot.ChunkKnower).
func (s *chunkStore) Known(id snapshot.ChunkID) bool {
	return !s.bad.Has(id) && s.known.Has(id)
}

// Put stores one zstd frame of chunk id, atomically, at its path.
func (s *chunkStore) Put(ctx context.Context, id snapshot.ChunkID, frame []byte) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	p := snapshot.ChunkPath(id)
	if _, err := s.st.Write(ctx, p, bytes.NewReader(frame), int64(len(frame))); err != nil {
		return fmt.Errorf("writing %s at %s: %w", p, s.st.Name(), err)
	}
	s.known.Add(id)
	fault(FaultAfterChunk)
	return nil
}

// fetch opens chunk id at the store (a snapshot.ChunkFetch).
func (s *chunkStore) fetch(ctx context.Context, id snapshot.ChunkID) (io.ReadCloser, error) {
	return s.st.Open(ctx, snapshot.ChunkPath(id))
}

// objectExists asks the store whether p exists, without reading it where
// the store can tell.
func objectExists(ctx context.Context, st providers.Store, p string) (bool, error) {
	var err error
	if s, ok := st.(providers.Stater); ok {
		_, err = s.Stat(ctx, p)
	} else {
		var rc io.ReadCloser
		if rc, err = st.Open(ctx, p); err == nil {
			rc.Close()
		}
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, providers.ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// readSmall reads one small object, bounded by limit.
func readSmall(ctx context.Context, st providers.Store, p string, limit int64) ([]byte, error) {
	rc, err := st.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, permanent{fmt.Errorf("%s at %s is larger than %d bytes", p, st.Name(), limit)}
	}
	return b, nil
}

// readChunkList reads and parses the chunks.txt of the snapshot in dir.
func readChunkList(ctx context.Context, st providers.Store, dir string) ([]snapshot.ChunkRef, error) {
	return readChunkListAt(ctx, st, path.Join(dir, snapshot.ChunkListName))
}

// readChunkListAt reads and strictly parses the chunks.txt at p (as
// snapshot.ParseChunkList does) line by line, so that a large list never
// sits whole in memory as text (gc reads several at once). Errors name the
// file and the line; one of the list itself (not of reading it) is
// permanent.
func readChunkListAt(ctx context.Context, st providers.Store, p string) ([]snapshot.ChunkRef, error) {
	rc, err := st.Open(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", p, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 4096)
	var refs []snapshot.ChunkRef
	for n := 1; ; n++ {
		if n > maxChunkLines {
			return nil, permanent{fmt.Errorf("%s has more than %d lines: not a chunk list strata wrote", p, maxChunkLines)}
		}
		line, err := br.ReadSlice('\n')
		switch {
		case err == io.EOF && len(line) == 0 && n == 1:
			return nil, permanent{fmt.Errorf("%s is empty", p)}
		case err == io.EOF && len(line) == 0:
			return refs, nil
		case err == io.EOF:
			return nil, permanent{fmt.Errorf("%s line %d does not end with a newline", p, n)}
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, permanent{fmt.Errorf("%s line %d is too long to be a chunk line", p, n)}
		case err != nil:
			return nil, fmt.Errorf("cannot read %s: %w", p, err)
		}
		ref, err := snapshot.ParseChunkList(line)
		if err != nil {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner
			}
			return nil, permanent{fmt.Errorf("%s line %d: %v (it must be strata's chunk list; fix or remove it)", p, n, err)}
		}
		refs = append(refs, ref[0])
	}
}

// readList reads a snapshot's chunks.txt and data.tar.sha256 and checks
// them against its manifest m; the list is sealed when m records the
// digest of chunks.txt (and so it matched).
func readList(ctx context.Context, st providers.Store, dir string, m *snapshot.Manifest) (snapshot.ChunkList, error) {
	chunks, err := readChunkList(ctx, st, dir)
	if err != nil {
		return snapshot.ChunkList{}, err
	}
	b, err := readSmall(ctx, st, path.Join(dir, snapshot.StreamSumName), 1024)
	if err != nil {
		return snapshot.ChunkList{}, err
	}
	sum, err := snapshot.ParseStreamSum(b)
	if err != nil {
		return snapshot.ChunkList{}, permanent{fmt.Errorf("%s at %s: %v", dir, st.Name(), err)}
	}
	l := snapshot.ChunkList{Chunks: chunks, SHA256: sum}
	if err := m.CheckList(l); err != nil {
		return l, permanent{fmt.Errorf("%s at %s: %v", dir, st.Name(), err)}
	}
	l.Sealed = m.ChunksSHA256 != ""
	return l, nil
}

// commit writes chunks.txt and data.tar.sha256, then the manifest: the
// manifest is written last and its presence is what makes the snapshot
// complete. Call it only once every chunk of l is at st.
func commit(ctx context.Context, st providers.Store, dir string, l snapshot.ChunkList, m *snapshot.Manifest, raw []byte) error {
	for name, b := range map[string][]byte{
		snapshot.ChunkListName: snapshot.FormatChunkList(l.Chunks),
		snapshot.StreamSumName: snapshot.FormatStreamSum(l.SHA256),
	} {
		if _, err := st.Write(ctx, path.Join(dir, name), bytes.NewReader(b), int64(len(b))); err != nil {
			return err
		}
	}
	if raw == nil {
		var err error
		if raw, err = m.Marshal(); err != nil {
			return err
		}
	}
	fault(FaultBeforeManifest)
	if _, err := st.Write(ctx, path.Join(dir, snapshot.ManifestName), bytes.NewReader(raw), int64(len(raw))); err != nil {
		return err
	}
	fault(FaultAfterManifest)
	return nil
}
