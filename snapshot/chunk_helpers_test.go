package snapshot

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// dirChunkStore is a chunk store in a local destination root, laid out as
// format 2 says: ChunkPath(id) under root. It counts the chunks put.
type dirChunkStore struct {
	root string
	mu   sync.Mutex
	puts []ChunkID
}

func (s *dirChunkStore) Has(ctx context.Context, id ChunkID) (bool, error) {
	_, err := os.Stat(filepath.Join(s.root, ChunkPath(id)))
	if os.IsNotExist(err) {
		return false, nil
	}
	return err == nil, err
}

// Put writes the frame under a temporary name, then renames it.
func (s *dirChunkStore) Put(ctx context.Context, id ChunkID, frame []byte) error {
	p := filepath.Join(s.root, ChunkPath(id))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(p+".partial", frame, 0o600); err != nil {
		return err
	}
	s.mu.Lock()
	s.puts = append(s.puts, id)
	s.mu.Unlock()
	return os.Rename(p+".partial", p)
}

func (s *dirChunkStore) fetch(ctx context.Context, id ChunkID) (io.ReadCloser, error) {
	return os.Open(filepath.Join(s.root, ChunkPath(id)))
}

// takePuts returns the chunks put since the last call.
func (s *dirChunkStore) takePuts() []ChunkID {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.puts
	s.puts = nil
	return p
}

// writeSnapshot writes the chunks of src to store and chunks.txt and
// data.tar.sha256 to snapDir (relative to the store's root), as the
// executor will.
func writeSnapshot(t testing.TB, store *dirChunkStore, src, snapDir string, opts ChunkOptions) *ChunkedResult {
	t.Helper()
	res, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, opts, store)
	mustDo(t, err)
	dir := filepath.Join(store.root, filepath.FromSlash(snapDir))
	mustDo(t, os.MkdirAll(dir, 0o700))
	mustDo(t, os.WriteFile(filepath.Join(dir, ChunkListName), FormatChunkList(res.Chunks), 0o600))
	mustDo(t, os.WriteFile(filepath.Join(dir, StreamSumName), FormatStreamSum(res.SHA256), 0o600))
	return res
}

// extractChunks reads list from store with ReadChunks and extracts it into
// dir. Extract takes a zstd stream, so the tar stream is compressed again
// on the way.
func extractChunks(t testing.TB, list ChunkList, fetch ChunkFetch, dir string) (*ExtractStats, error) {
	t.Helper()
	rc := ReadChunks(context.Background(), list, fetch, 4)
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		enc, err := zstd.NewWriter(pw, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err == nil {
			_, err = io.Copy(enc, rc)
			if cerr := enc.Close(); err == nil {
				err = cerr
			}
		}
		pw.CloseWithError(err)
	}()
	stats, err := Extract(context.Background(), pr, dir, ExtractOptions{})
	pr.Close()
	<-done
	rc.Close()
	return stats, err
}

// chunkIDs returns the set of IDs of a chunk list.
func chunkIDs(chunks []ChunkRef) map[ChunkID]bool {
	m := make(map[ChunkID]bool, len(chunks))
	for _, c := range chunks {
		m[c.ID] = true
	}
	return m
}

// newIDs returns the IDs of b that a lacks, in b's order.
func newIDs(a, b []ChunkRef) []ChunkRef {
	old := chunkIDs(a)
	var out []ChunkRef
	for _, c := range b {
		if !old[c.ID] {
			out = append(out, c)
			old[c.ID] = true
		}
	}
	return out
}

// storedFrames lists the chunk files under root's chunk store.
func storedFrames(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, ChunkDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	mustDo(t, err)
	return out
}

// memChunkStore is a chunk store in memory.
type memChunkStore struct {
	mu     sync.Mutex
	chunks map[ChunkID][]byte
}

func memStore() *memChunkStore { return &memChunkStore{chunks: make(map[ChunkID][]byte)} }

func (s *memChunkStore) Has(ctx context.Context, id ChunkID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.chunks[id]
	return ok, nil
}

func (s *memChunkStore) Put(ctx context.Context, id ChunkID, frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chunks[id] = bytes.Clone(frame)
	return nil
}
