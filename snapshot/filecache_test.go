package snapshot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
)

// knowingStore is a chunk store in memory that knows the chunks of the
// snapshots added to known, as the executor knows its parents' chunks.txt.
// It counts the chunks put and the existence checks.
type knowingStore struct {
	*memChunkStore
	known      *ChunkSet
	puts, hass atomic.Int64
}

func newKnowingStore() *knowingStore {
	return &knowingStore{memChunkStore: memStore(), known: NewChunkSet()}
}

func (s *knowingStore) Known(id ChunkID) bool { return s.known.Has(id) }

func (s *knowingStore) Has(ctx context.Context, id ChunkID) (bool, error) {
	s.hass.Add(1)
	return s.memChunkStore.Has(ctx, id)
}

func (s *knowingStore) Put(ctx context.Context, id ChunkID, frame []byte) error {
	s.puts.Add(1)
	return s.memChunkStore.Put(ctx, id, frame)
}

// snapWith writes a snapshot of src with the file cache at path (none if
// path is ""), saves the cache and returns the result.
func snapWith(t *testing.T, src, path string, store ChunkSink) *ChunkedResult {
	t.Helper()
	var c *FileCache
	if path != "" {
		c, _ = LoadFileCache(path)
		defer c.Close()
	}
	res, err := WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{Cache: c}, store)
	mustDo(t, err)
	mustDo(t, c.Save())
	return res
}

// sameStream fails unless got is, chunk for chunk and digest, want: what
// chunks.txt and data.tar.sha256 record.
func sameStream(t *testing.T, what string, got, want *ChunkedResult) {
	t.Helper()
	if !bytes.Equal(FormatChunkList(got.Chunks), FormatChunkList(want.Chunks)) {
		t.Errorf("%s: chunks.txt differs from a snapshot's without a cache (%d chunks, want %d)", what, len(got.Chunks), len(want.Chunks))
	}
	if got.SHA256 != want.SHA256 {
		t.Errorf("%s: stream digest %s, want %s as without a cache", what, got.SHA256, want.SHA256)
	}
}

// genTree's large files, in bytes.
const genTreeLarge = 5<<20 + 9<<20 + 12345 + 3<<20

func TestFileCacheSkipsTheCutOfUnchangedFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	want := snapWith(t, src, "", memStore())
	if want.CachedBytes != 0 || want.CutBytes != want.Size {
		t.Fatalf("without a cache: %d bytes cached, %d of %d cut", want.CachedBytes, want.CutBytes, want.Size)
	}

	path := filepath.Join(t.TempDir(), "cache", "strata", "app.cache")
	store := newKnowingStore()
	first := snapWith(t, src, path, store)
	sameStream(t, "first snapshot with a cache", first, want)
	checkCacheFile(t, path, 3) // the large files only
	store.known.AddList(first.Chunks)

	puts, hass := store.puts.Load(), store.hass.Load()
	second := snapWith(t, src, path, store)
	sameStream(t, "second snapshot", second, want)
	if second.CachedBytes != genTreeLarge || second.CutBytes != second.Size-genTreeLarge || second.CacheFallbacks != 0 {
		t.Errorf("second snapshot: %d bytes from the cache (want the large files' %d), %d of %d cut, %d fallbacks",
			second.CachedBytes, genTreeLarge, second.CutBytes, second.Size, second.CacheFallbacks)
	}
	if n := store.puts.Load() - puts; n != 0 {
		t.Errorf("second snapshot stored %d chunks", n)
	}
	// The small-file part is cut and looked up again; the large files' chunks are not.
	if n, large := store.hass.Load()-hass, cachedChunks(t, path); n == 0 || large < 3 || n > int64(len(second.Chunks)-large) {
		t.Errorf("second snapshot asked the store about %d of %d chunks (%d of the large files)", n, len(second.Chunks), large)
	}
	checkCacheFile(t, path, 3)

	// Chunks not known present at the destination are never taken from it.
	unknown := newKnowingStore()
	if got := snapWith(t, src, path, unknown); got.CachedBytes != 0 {
		t.Errorf("with no chunk known: %d bytes from the cache", got.CachedBytes)
	} else {
		sameStream(t, "with no chunk known", got, want)
	}
}

// cacheEntries reads the entries of the cache file at path: chunks by path.
func cacheEntries(t *testing.T, path string) map[string][]ChunkRef {
	t.Helper()
	b, err := os.ReadFile(path)
	mustDo(t, err)
	d := &cacheDecoder{b: b[:len(b)-32]}
	mustDo(t, d.header())
	out := map[string][]ChunkRef{}
	for {
		p := d.bytes()
		if len(p) == 0 {
			mustDo(t, d.err)
			return out
		}
		st, _ := d.stamp()
		refs, ok := d.chunks(st.Size)
		if !ok {
			t.Fatal(d.err)
		}
		out[string(p)] = refs
	}
}

// cachedChunks counts the chunks of the entries of the cache at path.
func cachedChunks(t *testing.T, path string) int {
	n := 0
	for _, refs := range cacheEntries(t, path) {
		n += len(refs)
	}
	return n
}

// checkCacheFile checks that the cache at path holds files entries and is
// private: 0600 in a 0700 directory.
func checkCacheFile(t *testing.T, path string, files int) {
	t.Helper()
	c, err := LoadFileCache(path)
	mustDo(t, err)
	if c.Len() != files {
		t.Errorf("the cache holds %d files, want %d", c.Len(), files)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		mustDo(t, err)
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A damaged, truncated, foreign or missing cache file is ignored, with a
// reason; the snapshot is what it would be without it.
func TestFileCacheDamagedIsIgnored(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	want := snapWith(t, src, "", memStore())
	path := filepath.Join(t.TempDir(), "app.cache")
	store := newKnowingStore()
	store.known.AddList(snapWith(t, src, path, store).Chunks)
	good, err := os.ReadFile(path)
	mustDo(t, err)
	damages := map[string][]byte{
		"magic":    flipAt(good, 3),
		"chunker":  flipAt(good, len(cacheMagic)+5),
		"an entry": flipAt(good, len(good)/2),
		"checksum": flipAt(good, len(good)-1),
		"cut":      good[:len(good)-40],
		"empty":    nil,
		"garbage":  bytes.Repeat([]byte{0xff}, 100),
	}
	for what, b := range damages {
		mustDo(t, os.WriteFile(path, b, 0o600))
		c, err := LoadFileCache(path)
		if err == nil || c.Len() != 0 {
			t.Errorf("%s damaged: loaded %d files, error %v", what, c.Len(), err)
		}
		got := snapWith(t, src, path, store)
		if got.CachedBytes != 0 {
			t.Errorf("%s damaged: %d bytes from the cache", what, got.CachedBytes)
		}
		sameStream(t, what+" damaged", got, want)
	}
	mustDo(t, os.Remove(path))
	if got := snapWith(t, src, path, store); got.CachedBytes != 0 {
		t.Errorf("deleted: %d bytes from the cache", got.CachedBytes)
	} else {
		sameStream(t, "deleted", got, want)
	}
	// Each of those snapshots wrote the cache anew: it is good again.
	if got := snapWith(t, src, path, store); got.CachedBytes != genTreeLarge {
		t.Errorf("rewritten: %d bytes from the cache, want %d", got.CachedBytes, genTreeLarge)
	}
}

// TestFileCacheStructureIsChecked damages a cache file and seals it with a
// good checksum again, so that each check behind the checksum — magic,
// version, chunker, entries, chunk sizes — is what must refuse it.
func TestFileCacheStructureIsChecked(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	genTree(t, src)
	path := filepath.Join(t.TempDir(), "app.cache")
	store := newKnowingStore()
	store.known.AddList(snapWith(t, src, path, store).Chunks)
	good, err := os.ReadFile(path)
	mustDo(t, err)
	body := good[:len(good)-sha256.Size]
	chunkerAt := len(cacheMagic) + 2 // after the version and the chunker's length
	entryAt := chunkerAt + len(Chunker())
	damages := []struct {
		what, want string
		b          []byte
	}{
		{"magic", "not a strata file cache", flipAt(body, 3)},
		{"version", "version", flipAt(body, len(cacheMagic))},
		{"chunker", "written for chunker", flipAt(body, chunkerAt+1)},
		{"an entry's path length", "", flipAt(body, entryAt)},
		{"data after the end", "data after the last entry", append(slices.Clone(body), 1)},
		{"a chunk size", "a chunk size out of range", setChunkSize(t, body, entryAt)},
	}
	for _, d := range damages {
		sealed := sha256.Sum256(d.b)
		mustDo(t, os.WriteFile(path, append(slices.Clone(d.b), sealed[:]...), 0o600))
		c, err := LoadFileCache(path)
		if err == nil || c.Len() != 0 || !strings.Contains(err.Error(), d.want) {
			t.Errorf("%s damaged: loaded %d files, error %v (want one saying %q)", d.what, c.Len(), err, d.want)
		}
		if got := snapWith(t, src, path, store); got.CachedBytes != 0 {
			t.Errorf("%s damaged: %d bytes from the cache", d.what, got.CachedBytes)
		}
	}
}

// setChunkSize returns body with the size of the first entry's first chunk
// made 0 (out of range), the entry starting at off.
func setChunkSize(t *testing.T, body []byte, off int) []byte {
	t.Helper()
	d := &cacheDecoder{b: body, off: off}
	d.bytes()
	d.stamp()
	d.count()
	if d.err != nil {
		t.Fatalf("decoding the first entry: %v", d.err)
	}
	d.off += sha256.Size // the chunk's ID; its size's uvarint follows
	out := slices.Clone(body)
	out[d.off] = 0
	return out
}

// largeSizes cuts b alone with the large parameters, as a large file's
// content is cut, and returns the chunk sizes.
func largeSizes(t *testing.T, b []byte) []int {
	t.Helper()
	p := LargeCut
	ch, err := chunkers.NewChunker(ChunkerVersion, bytes.NewReader(b), &chunkers.ChunkerOpts{MinSize: p.Min, NormalSize: p.Avg, MaxSize: p.Max})
	mustDo(t, err)
	var sizes []int
	for {
		c, err := ch.Next()
		if len(c) > 0 {
			sizes = append(sizes, len(c))
		}
		if err == io.EOF {
			return sizes
		}
		mustDo(t, err)
	}
}

// TestCutRestartsAtBoundary holds the property the file cache's fallback
// rests on: cut from any of its boundaries, a large file's content gives
// the same chunks from there on. And it shows why the fallback starts one
// span early: where a chunk ends depends on the first byte after it.
func TestCutRestartsAtBoundary(t *testing.T) {
	data := seededBytes(11, 12<<20)
	sizes := largeSizes(t, data)
	if len(sizes) < 6 {
		t.Fatalf("%d chunks: too few to test", len(sizes))
	}
	off := 0
	for k := range sizes {
		if got := largeSizes(t, data[off:]); !slices.Equal(got, sizes[k:]) {
			t.Fatalf("cut from boundary %d (offset %d): %v, want %v", k, off, got, sizes[k:])
		}
		off += sizes[k]
	}
	k, v := boundaryByte(t, data, sizes)
	changed := bytes.Clone(data)
	changed[offsetOf(sizes, k)] = v
	if got := largeSizes(t, changed); got[k-1] == sizes[k-1] {
		t.Fatalf("changing the first byte of chunk %d left chunk %d as it was", k, k-1)
	}
}

// boundaryByte finds a chunk k > 1 and a value for its first byte that
// moves the end of chunk k-1.
func boundaryByte(t *testing.T, data []byte, sizes []int) (int, byte) {
	t.Helper()
	for k := 2; k < len(sizes)-1; k++ {
		off := offsetOf(sizes, k)
		for v := range 8 {
			b := data[off] ^ byte(1<<v)
			changed := bytes.Clone(data[offsetOf(sizes, k-1):])
			changed[sizes[k-1]] = b
			if largeSizes(t, changed)[0] != sizes[k-1] {
				return k, b
			}
		}
	}
	t.Fatal("no first byte of a chunk moves the end of the chunk before it")
	return 0, 0
}

func offsetOf(sizes []int, k int) int {
	off := 0
	for _, s := range sizes[:k] {
		off += s
	}
	return off
}

// forgeCache rewrites the cache at path so that its entry of file carries
// the file's current stamp, keeping its chunks but for edit: a cache whose
// spans lie, with a valid checksum.
func forgeCache(t *testing.T, path, file string, edit func([]ChunkRef)) []ChunkRef {
	t.Helper()
	refs, ok := cacheEntries(t, path)[file]
	if !ok {
		t.Fatalf("%s not in the cache", file)
	}
	edit(refs)
	fi, err := os.Stat(file)
	mustDo(t, err)
	now, _ := stampOf(fi)
	w, err := newCacheWriter(path)
	mustDo(t, err)
	w.entry(file, now, refs)
	mustDo(t, w.commit(path))
	return refs
}

// A cache whose chunks do not match the file (its content changed, its
// stamp forged the same; or its IDs altered) costs a cut, never a
// different snapshot: the result is the one without a cache, and the
// spans before the held-back one are still used.
func TestFileCacheLyingSpansFallBack(t *testing.T) {
	data := seededBytes(11, 12<<20)
	sizes := largeSizes(t, data)
	k, v := boundaryByte(t, data, sizes)
	cases := []struct {
		name   string
		change func(p string)            // the file on disk
		edit   func(refs []ChunkRef)     // its cached chunks
		cached func(refs []ChunkRef) int // the bytes still taken from the cache; nil: the cache is not used
	}{
		{"the first byte of a middle chunk changed", func(p string) { rewriteAt(t, p, int64(offsetOf(sizes, k)), []byte{v}) },
			func([]ChunkRef) {}, func([]ChunkRef) int { return offsetOf(sizes, k-1) }},
		{"the last byte changed", func(p string) { rewriteAt(t, p, int64(len(data)-1), []byte{^data[len(data)-1]}) },
			func([]ChunkRef) {}, func([]ChunkRef) int { return offsetOf(sizes, len(sizes)-2) }},
		{"the first ID another known one", func(string) {}, func(refs []ChunkRef) { refs[0].ID = refs[1].ID },
			func([]ChunkRef) int { return 0 }},
		{"an ID unknown", func(string) {}, func(refs []ChunkRef) { refs[4].ID[7] ^= 1 }, nil},
		{"two sizes swapped", func(string) {}, func(refs []ChunkRef) { refs[2].Size, refs[3].Size = refs[3].Size, refs[2].Size },
			func([]ChunkRef) int { return offsetOf(sizes, 1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if sizes[2] == sizes[3] && tc.name == "two sizes swapped" {
				t.Fatal("chunks 2 and 3 are the same size: pick another seed")
			}
			src := filepath.Join(t.TempDir(), "src")
			genTree(t, src)
			big := filepath.Join(src, "d3", "big.bin")
			writeFile(t, big, data, 0o644)
			fixDirTimes(t, src)
			path := filepath.Join(t.TempDir(), "app.cache")
			store := newKnowingStore()
			store.known.AddList(snapWith(t, src, path, store).Chunks)
			tc.change(big)
			fixDirTimes(t, src)
			refs := forgeCache(t, path, big, tc.edit)
			want := snapWith(t, src, "", memStore())
			got := snapWith(t, src, path, store)
			sameStream(t, tc.name, got, want)
			// The forged cache holds big.bin alone.
			fallbacks, cached := 0, int64(0)
			if tc.cached != nil {
				fallbacks, cached = 1, int64(tc.cached(refs))
			}
			if got.CacheFallbacks != fallbacks || got.CachedBytes != cached {
				t.Errorf("%d fallbacks, %d bytes from the cache; want %d, %d", got.CacheFallbacks, got.CachedBytes, fallbacks, cached)
			}
		})
	}
}

// TestFileCacheMemory holds issue 17's bound for the file cache: loaded,
// it costs at most 64 bytes per chunk it names (files of 1 MiB, the
// smallest large ones, have the most files per chunk: here 2 each).
func TestFileCacheMemory(t *testing.T) {
	const files, per = 1 << 16, 2
	path := filepath.Join(t.TempDir(), "big.cache")
	w, err := newCacheWriter(path)
	mustDo(t, err)
	rng := seededBytes(9, files*per*32)
	for i := range files {
		refs := make([]ChunkRef, per)
		for k := range refs {
			copy(refs[k].ID[:], rng[(i*per+k)*32:])
			refs[k].Size = LargeFileSize / per
		}
		p := filepath.Join("/srv/data/some/deeper/directory", strconv.Itoa(i)+".bin")
		w.entry(p, fileStamp{Size: LargeFileSize, MTime: int64(i), CTime: int64(i), Ino: uint64(i)}, refs)
	}
	mustDo(t, w.commit(path))
	before := heapInUse()
	c, err := LoadFileCache(path)
	mustDo(t, err)
	used := float64(heapInUse()-before) / (files * per)
	if c.Len() != files {
		t.Fatalf("%d files loaded, want %d", c.Len(), files)
	}
	runtime.KeepAlive(c)
	t.Logf("%.1f bytes per chunk", used)
	if used > 64 {
		t.Errorf("%.1f bytes per chunk, want at most 64", used)
	}
}

// Hook output (an extra directory, made anew for every snapshot) and small
// files have no entries: only the large files of the sources do.
func TestFileCacheLeavesOutHookOutputAndSmallFiles(t *testing.T) {
	src, hook := filepath.Join(t.TempDir(), "src"), t.TempDir()
	writeFile(t, filepath.Join(src, "big.bin"), seededBytes(1, 2<<20), 0o644)
	writeFile(t, filepath.Join(src, "almost.bin"), seededBytes(2, LargeFileSize-1), 0o644)
	writeFile(t, filepath.Join(hook, "dump.sql"), seededBytes(3, 2<<20), 0o644)
	path := filepath.Join(t.TempDir(), "app.cache")
	c, _ := LoadFileCache(path)
	s := Source{Paths: []string{src}, Extra: []ExtraDir{{Prefix: "hooks/dump", Dir: hook}}}
	_, err := WriteChunks(context.Background(), s, ChunkOptions{Cache: c}, memStore())
	mustDo(t, err)
	mustDo(t, c.Save())
	got := cacheEntries(t, path)
	if _, ok := got[filepath.Join(src, "big.bin")]; !ok || len(got) != 1 {
		t.Errorf("cache entries %v, want big.bin's alone", slices.Collect(maps.Keys(got)))
	}
}
