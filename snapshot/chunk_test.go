package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
	"github.com/klauspost/compress/zstd"
)

// seededBytes returns n bytes of a deterministic, incompressible sequence.
func seededBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}).Read(b)
	return b
}

// genTree writes a tree of small files (1–30 KiB, some text) in a few
// directories and three large ones, with fixed times: the same tree on
// every run.
func genTree(t testing.TB, root string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 120 {
		name := filepath.Join(root, fmt.Sprintf("d%d/small-%03d.dat", i%5, i))
		data := seededBytes(uint64(1000+i), 1<<10+rng.IntN(29<<10))
		if i%3 == 0 {
			data = []byte(strings.Repeat(fmt.Sprintf("line %d of a text file\n", i), len(data)/24))
		}
		writeFile(t, name, data, 0o644)
	}
	writeFile(t, filepath.Join(root, "big1.bin"), seededBytes(1, 5<<20), 0o600)
	writeFile(t, filepath.Join(root, "d2/big2.bin"), seededBytes(2, 9<<20+12345), 0o600)
	writeFile(t, filepath.Join(root, "d4/big3.bin"), seededBytes(3, 3<<20), 0o600)
	fixDirTimes(t, root)
}

// fixDirTimes gives every directory under root the same modification time.
func fixDirTimes(t testing.TB, root string) {
	t.Helper()
	mtime := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	var dirs []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return err
	})
	for _, d := range dirs {
		mustDo(t, os.Chtimes(d, mtime, mtime))
	}
}

// rewriteAt overwrites part of a file, keeping its modification time.
func rewriteAt(t testing.TB, p string, off int64, data []byte) {
	t.Helper()
	fi, err := os.Stat(p)
	mustDo(t, err)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	mustDo(t, err)
	_, err = f.WriteAt(data, off)
	mustDo(t, err)
	mustDo(t, f.Close())
	mustDo(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
}

func TestChunkRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildTree(t, src)
	genTree(t, filepath.Join(src, "gen"))
	writeFile(t, filepath.Join(src, "zeros.img"), make([]byte, 13<<20), 0o600)
	store := &dirChunkStore{root: t.TempDir()}
	res := writeSnapshot(t, store, src, "app/2026/11/21/020000Z", ChunkOptions{})
	checkChunks(t, store, res)
	dst := t.TempDir()
	stats, err := extractChunks(t, res.List(), store.fetch, dst)
	mustDo(t, err)
	compareTrees(t, src, filepath.Join(dst, archiveName(src)))
	if stats.Bytes != res.Summary.Bytes {
		t.Errorf("extracted %d bytes, summary says %d", stats.Bytes, res.Summary.Bytes)
	}
}

// checkChunks checks a result against the store: sizes add up, no chunk
// exceeds MaxChunkSize (and the zeros, where FastCDC finds no boundary, hit
// it), each distinct chunk is stored once, and every stored frame
// decompresses to the bytes its name is the SHA-256 of.
func checkChunks(t *testing.T, store *dirChunkStore, res *ChunkedResult) {
	t.Helper()
	var total int64
	var atMax int
	for _, c := range res.Chunks {
		total += c.Size
		if c.Size > MaxChunkSize || c.Size <= 0 {
			t.Errorf("chunk %s has %d bytes", c.ID, c.Size)
		}
		if c.Size == MaxChunkSize {
			atMax++
		}
	}
	if total != res.Size || res.Size != res.List().Size() {
		t.Errorf("chunks add up to %d bytes, result says %d", total, res.Size)
	}
	if atMax < 2 {
		t.Errorf("%d chunks of the maximum size; 13 MiB of zeros should give 3", atMax)
	}
	frames := storedFrames(t, store.root)
	if distinct := len(chunkIDs(res.Chunks)); len(frames) != distinct || res.AddedChunks != distinct {
		t.Errorf("%d frames stored, %d added, %d distinct chunks", len(frames), res.AddedChunks, distinct)
	}
	dec, err := zstd.NewReader(nil)
	mustDo(t, err)
	defer dec.Close()
	var stored int64
	for _, p := range frames {
		frame, err := os.ReadFile(p)
		mustDo(t, err)
		stored += int64(len(frame))
		data, err := dec.DecodeAll(frame, nil)
		mustDo(t, err)
		if sum := ChunkID(sha256.Sum256(data)); !strings.HasSuffix(p, "/"+ChunkPath(sum)) {
			t.Errorf("%s holds a chunk of SHA-256 %s", p, sum)
		}
	}
	if stored != res.Added {
		t.Errorf("frames take %d bytes, result says %d added", stored, res.Added)
	}
}

func TestChunkDedup(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	store := &dirChunkStore{root: t.TempDir()}
	first := writeSnapshot(t, store, src, "app/1", ChunkOptions{})
	store.takePuts()
	prev := first
	step := func(t *testing.T, maxNew int, maxBytes int64) {
		t.Helper()
		res := writeSnapshot(t, store, src, "app/next", ChunkOptions{})
		added, gone := newIDs(prev.Chunks, res.Chunks), newIDs(res.Chunks, prev.Chunks)
		puts := store.takePuts()
		var newBytes int64
		for _, c := range added {
			newBytes += c.Size
		}
		t.Logf("%d of %d chunks new (%d bytes), %d no longer referenced", len(added), len(res.Chunks), newBytes, len(gone))
		if len(puts) != len(added) || res.AddedChunks != len(added) {
			t.Errorf("%d chunks put, %d added, %d new in the list", len(puts), res.AddedChunks, len(added))
		}
		if len(added) > maxNew || len(gone) > maxNew || newBytes > maxBytes {
			t.Errorf("%d chunks (%d bytes) new, %d gone: want at most %d chunks, %d bytes", len(added), newBytes, len(gone), maxNew, maxBytes)
		}
		prev = res
	}
	t.Run("unchanged", func(t *testing.T) {
		step(t, 0, 0)
		if prev.SHA256 != first.SHA256 || !slices.Equal(prev.Chunks, first.Chunks) {
			t.Error("the same tree gave another chunk list")
		}
	})
	t.Run("small-file", func(t *testing.T) {
		rewriteAt(t, filepath.Join(src, "d1/small-011.dat"), 100, []byte("changed"))
		step(t, 2, 2*int64(SmallCut.Max))
	})
	t.Run("append-to-large", func(t *testing.T) {
		f, err := os.OpenFile(filepath.Join(src, "d2/big2.bin"), os.O_APPEND|os.O_WRONLY, 0)
		mustDo(t, err)
		_, err = f.Write(seededBytes(9, 100<<10))
		mustDo(t, err)
		mustDo(t, f.Close())
		// The header (its size), the file's last chunks and the padding after it.
		step(t, 4, 2*int64(LargeCut.Max)+2*int64(SmallCut.Max))
	})
	t.Run("rewrite-middle-of-large", func(t *testing.T) {
		rewriteAt(t, filepath.Join(src, "big1.bin"), 5<<19, seededBytes(10, 4096))
		step(t, 2, 2*int64(LargeCut.Max))
	})
}

// TestChunkFileAware holds the file-aware cut: a large file's content is cut
// on its own, so its chunks are those of the file alone, whatever precedes
// it in the stream.
func TestChunkFileAware(t *testing.T) {
	big := seededBytes(7, 6<<20+777)
	want := cutAlone(t, big, LargeCut)
	for i, lead := range []int{1000, 70_000} {
		src := filepath.Join(t.TempDir(), "src")
		writeFile(t, filepath.Join(src, "a-lead.dat"), seededBytes(uint64(i), lead), 0o644)
		writeFile(t, filepath.Join(src, "b-big.bin"), big, 0o644)
		writeFile(t, filepath.Join(src, "c-tail.dat"), seededBytes(uint64(i+10), lead), 0o644)
		res, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, memStore())
		mustDo(t, err)
		ids := make([]ChunkID, len(res.Chunks))
		for k, c := range res.Chunks {
			ids[k] = c.ID
		}
		at := slices.Index(ids, want[0])
		if at < 0 || len(ids) < at+len(want) || !slices.Equal(ids[at:at+len(want)], want) {
			t.Errorf("lead %d: the large file's %d chunks are not in the stream's %d", lead, len(want), len(ids))
		}
	}
}

// cutAlone cuts b with FastCDC at p, as a segment of its own.
func cutAlone(t *testing.T, b []byte, p CutParams) []ChunkID {
	t.Helper()
	ch, err := chunkers.NewChunker(ChunkerVersion, bytes.NewReader(b), &chunkers.ChunkerOpts{MinSize: p.Min, NormalSize: p.Avg, MaxSize: p.Max})
	mustDo(t, err)
	var ids []ChunkID
	for {
		c, err := ch.Next()
		if len(c) > 0 {
			ids = append(ids, sha256.Sum256(c))
		}
		if err == io.EOF {
			return ids
		}
		mustDo(t, err)
	}
}

func TestChunkDeterminism(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	writeFile(t, filepath.Join(src, "zeros.img"), make([]byte, 5<<20), 0o600)
	base, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{Concurrency: 1}, memStore())
	mustDo(t, err)
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, conc := range []int{0, 3} {
			res, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{Concurrency: conc}, memStore())
			mustDo(t, err)
			if res.SHA256 != base.SHA256 || !slices.Equal(res.Chunks, base.Chunks) {
				t.Errorf("GOMAXPROCS %d, concurrency %d: another chunk list", procs, conc)
			}
		}
		runtime.GOMAXPROCS(old)
	}
	if want := "fastcdc-v1.0.0/8k-32k-128k/512k-1m-4m@1m"; Chunker() != want {
		t.Errorf("Chunker() = %q, want %q", Chunker(), want)
	}
}

func TestChunkCorruption(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	store := &dirChunkStore{root: t.TempDir()}
	res := writeSnapshot(t, store, src, "app/1", ChunkOptions{})
	victim := res.Chunks[len(res.Chunks)/2]
	path := filepath.Join(store.root, ChunkPath(victim.ID))
	good, err := os.ReadFile(path)
	mustDo(t, err)
	enc, err := zstd.NewWriter(nil)
	mustDo(t, err)
	defer enc.Close()
	other := seededBytes(99, int(victim.Size))
	for _, tc := range []struct {
		name   string
		frame  []byte // nil: remove the chunk
		reason Reason
	}{
		{"flipped-byte", flipAt(good, len(good)/2), ReasonDigest},
		{"other-content", enc.EncodeAll(other, nil), ReasonDigest},
		{"short-content", enc.EncodeAll(other[:len(other)-1], nil), ReasonSize},
		{"missing", nil, ReasonMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustDo(t, os.Remove(path))
			if tc.frame != nil {
				mustDo(t, os.WriteFile(path, tc.frame, 0o600))
			}
			_, err := extractChunks(t, res.List(), store.fetch, t.TempDir())
			var de *DigestError
			if !errors.As(err, &de) || de.Piece != ChunkPath(victim.ID) || de.Reason != tc.reason {
				t.Errorf("got %v, want a %s DigestError naming %s", err, tc.reason, ChunkPath(victim.ID))
			}
		})
	}
	mustDo(t, os.WriteFile(path, good, 0o600))
	t.Run("stream-digest", func(t *testing.T) {
		list := res.List()
		list.SHA256 = strings.Repeat("0", 64)
		_, err := io.Copy(io.Discard, ReadChunks(context.Background(), list, store.fetch, 2))
		var de *DigestError
		if !errors.As(err, &de) || de.Piece != StreamSumName {
			t.Errorf("got %v, want a DigestError naming %s", err, StreamSumName)
		}
	})
	t.Run("sealed", func(t *testing.T) {
		// A sealed list's chunks prove the stream: it is not hashed again.
		list := res.List()
		list.SHA256, list.Sealed = strings.Repeat("0", 64), true
		if _, err := io.Copy(io.Discard, ReadChunks(context.Background(), list, store.fetch, 2)); err != nil {
			t.Errorf("sealed list: %v", err)
		}
	})
	t.Run("intact", func(t *testing.T) {
		_, err := extractChunks(t, res.List(), store.fetch, t.TempDir())
		mustDo(t, err)
	})
}

func flipAt(b []byte, i int) []byte {
	out := slices.Clone(b)
	out[i] ^= 0x40
	return out
}

// failingStore fails every Put after the first few.
type failingStore struct {
	*memChunkStore
	left int
}

var errStoreFull = errors.New("store is full")

func (s *failingStore) Put(ctx context.Context, id ChunkID, frame []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left == 0 {
		return errStoreFull
	}
	s.left--
	s.chunks[id] = slices.Clone(frame)
	return nil
}

func TestWriteChunksStops(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	t.Run("store-error", func(t *testing.T) {
		s := &failingStore{memChunkStore: memStore(), left: 3}
		_, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, s)
		if !errors.Is(err, errStoreFull) {
			t.Errorf("got %v, want the store's error", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := WriteChunks(ctx, Source{Paths: []string{src}}, ChunkOptions{}, memStore())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
}
