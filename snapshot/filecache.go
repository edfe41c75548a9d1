package snapshot

// The file cache (restic's idea): for each large file of the last snapshot
// to one destination, its stat — size, mtime, ctime, inode — and the chunks
// its content was cut into. A later snapshot that finds a file with the
// same stat does not cut it again: it reads it (the whole-stream digest
// needs every byte), hashes it along the cached spans and, where every
// span's SHA-256 is its cached ID and every ID is known present at the
// destination, passes those chunks on without cutting, looking up,
// compressing or storing them. Any span that differs sends the rest of the
// file through the ordinary cut (see cutter.cachedSegment), so a lying
// cache costs time, never a different snapshot. Files smaller than
// LargeFileSize are cut together with the tar headers around them and
// have no chunks of their own: they are not cached.
//
// On disk the cache is one binary file, written whole after a successful
// snapshot (temporary name, then rename), mode 0600:
//
//	"strata file cache\n" uvarint(version) uvarint(len) chunker
//	entries: uvarint(len) path uvarint(size) varint(mtime ns) varint(ctime ns)
//	         uvarint(inode) uvarint(n) n × (32-byte chunk ID, uvarint(chunk size))
//	uvarint(0)                         # the end of the entries
//	SHA-256 of everything before       # a file that does not match is ignored
//
// In memory the old cache is each entry's chunk list as in the file (about
// 35 bytes a chunk) and a sorted index of 16 bytes an entry, keyed by a
// 64-bit digest of the path and stamp: no path is held. Two entries whose
// keys collide only cost a cut, since every span is hashed. The new cache
// is streamed to its temporary file as the snapshot goes.

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
)

const (
	cacheMagic   = "strata file cache\n"
	cacheVersion = 1
	// maxCacheFile bounds the cache file read: about 29 million chunks,
	// some 28 TiB of large files.
	maxCacheFile = 1 << 30
)

// fileStamp is what says a file is unchanged since it was cached.
type fileStamp struct {
	Size, MTime, CTime int64 // bytes; nanoseconds since the epoch
	Ino                uint64
}

// FileCache is the file cache of one destination and application: the
// entries of the last successful snapshot, read from its file, and the
// entries of the snapshot being written, streamed to a temporary file
// that Save makes the new cache. A nil *FileCache is a cache that holds
// nothing and records nothing.
type FileCache struct {
	path  string
	slots []cacheSlot // the old cache's entries, sorted by key
	lists []byte      // their chunk lists: uvarint(n) n × (ID, uvarint(size))

	w    *cacheWriter // the new cache, once a snapshot began it
	note error        // why the new cache could not be begun
}

// LoadFileCache reads the cache at path. A missing, unreadable, corrupt or
// foreign file (another chunker, another version) gives an empty cache and
// an error saying why, for a debug log: never a reason to fail a snapshot.
// The returned cache is never nil; Save writes the new cache to path.
func LoadFileCache(path string) (*FileCache, error) {
	c := &FileCache{path: path}
	b, err := readCacheFile(path)
	if err != nil {
		return c, err
	}
	slots, lists, err := indexCache(b)
	if err != nil {
		return c, fmt.Errorf("file cache %s ignored: %w", path, err)
	}
	c.slots, c.lists = slots, lists
	return c, nil
}

// cacheSlot is one entry of the old cache: the key of its path and stamp,
// and where its chunk list starts in lists.
type cacheSlot struct {
	key uint64
	off uint32
}

// stampKey is the key of a path and stamp: the first 8 bytes of the
// SHA-256 of both.
func stampKey(path string, st fileStamp) uint64 {
	b := make([]byte, 0, len(path)+40)
	b = appendBytes(b, path)
	b = binary.AppendUvarint(b, uint64(st.Size))
	b = binary.AppendVarint(b, st.MTime)
	b = binary.AppendVarint(b, st.CTime)
	b = binary.AppendUvarint(b, st.Ino)
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// Len is the number of files the old cache holds.
func (c *FileCache) Len() int {
	if c == nil {
		return 0
	}
	return len(c.slots)
}

func readCacheFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("file cache: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return nil, fmt.Errorf("file cache: %w", err)
	}
	if len(b) > maxCacheFile {
		return nil, fmt.Errorf("file cache %s ignored: larger than %d bytes", path, maxCacheFile)
	}
	return b, nil
}

// indexCache checks a whole cache file — its checksum, header and every
// entry — and returns its entries' slots, sorted, and chunk lists.
func indexCache(b []byte) ([]cacheSlot, []byte, error) {
	if len(b) < sha256.Size {
		return nil, nil, errors.New("truncated")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, nil, errors.New("checksum mismatch")
	}
	d := &cacheDecoder{b: body}
	if err := d.header(); err != nil {
		return nil, nil, err
	}
	var slots []cacheSlot
	var lists []byte
	for {
		p := d.bytes()
		if d.err != nil || len(p) == 0 {
			break
		}
		st, _ := d.stamp()
		start := d.off
		if !d.checkChunks(st.Size) {
			break
		}
		slots = append(slots, cacheSlot{key: stampKey(string(p), st), off: uint32(len(lists))})
		lists = append(lists, body[start:d.off]...)
	}
	switch {
	case d.err != nil:
		return nil, nil, d.err
	case d.off != len(body):
		return nil, nil, errors.New("data after the last entry")
	}
	slices.SortFunc(slots, func(a, b cacheSlot) int { return cmp.Compare(a.key, b.key) })
	return slices.Clone(slots), bytes.Clone(lists), nil // at their size
}

// lookup returns the cached chunks of the file at path if its stamp is st.
func (c *FileCache) lookup(path string, st fileStamp) []ChunkRef {
	if c == nil || len(c.slots) == 0 {
		return nil
	}
	key := stampKey(path, st)
	i, ok := slices.BinarySearchFunc(c.slots, key, func(s cacheSlot, k uint64) int { return cmp.Compare(s.key, k) })
	if !ok {
		return nil
	}
	d := &cacheDecoder{b: c.lists, off: int(c.slots[i].off)}
	if refs, ok := d.chunks(st.Size); ok {
		return refs
	}
	return nil
}

// begin starts the new cache of a snapshot, in a temporary file next to
// the cache's own. If the directory cannot be made or written, the
// snapshot records nothing and Save says why.
func (c *FileCache) begin() {
	c.discard()
	c.note = nil
	if c.path == "" {
		return
	}
	w, err := newCacheWriter(c.path)
	if err != nil {
		c.note = fmt.Errorf("file cache %s not written: %w", c.path, err)
		return
	}
	c.w = w
}

// record adds a file of the snapshot being written to the new cache.
func (c *FileCache) record(f *fileRun) {
	if c != nil && c.w != nil && !f.spoiled.Load() {
		c.w.entry(f.path, f.stamp, f.chunks)
	}
}

// Save makes the new cache — the large files of the snapshot WriteChunks
// wrote with it — the cache at its path, atomically. Call it only once the
// snapshot is complete. Nothing to save is not an error.
func (c *FileCache) Save() error {
	if c == nil || c.w == nil {
		return c.noteOrNil()
	}
	w := c.w
	c.w = nil
	if err := w.commit(c.path); err != nil {
		return fmt.Errorf("file cache %s not saved: %w", c.path, err)
	}
	return nil
}

func (c *FileCache) noteOrNil() error {
	if c == nil {
		return nil
	}
	return c.note
}

// Close drops the new cache if Save did not take it.
func (c *FileCache) Close() {
	if c != nil {
		c.discard()
	}
}

func (c *FileCache) discard() {
	if c.w != nil {
		c.w.abort()
		c.w = nil
	}
}

// cacheWriter streams a cache file to a temporary file, hashing it.
type cacheWriter struct {
	f   *os.File
	bw  *bufio.Writer
	sum hash.Hash
	buf []byte
	err error // the first write error: commit fails with it
}

func newCacheWriter(path string) (*cacheWriter, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return nil, err
	}
	w := &cacheWriter{f: f, sum: sha256.New()}
	w.bw = bufio.NewWriterSize(io.MultiWriter(f, w.sum), 64<<10)
	w.buf = append(w.buf, cacheMagic...)
	w.buf = binary.AppendUvarint(w.buf, cacheVersion)
	w.buf = appendBytes(w.buf, Chunker())
	w.flush()
	return w, nil
}

func (w *cacheWriter) entry(path string, st fileStamp, chunks []ChunkRef) {
	w.buf = appendBytes(w.buf, path)
	w.buf = binary.AppendUvarint(w.buf, uint64(st.Size))
	w.buf = binary.AppendVarint(w.buf, st.MTime)
	w.buf = binary.AppendVarint(w.buf, st.CTime)
	w.buf = binary.AppendUvarint(w.buf, st.Ino)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(chunks)))
	for _, ch := range chunks {
		w.buf = append(w.buf, ch.ID[:]...)
		w.buf = binary.AppendUvarint(w.buf, uint64(ch.Size))
		if len(w.buf) >= 32<<10 {
			w.flush()
		}
	}
	w.flush()
}

func (w *cacheWriter) flush() {
	if w.err == nil {
		_, w.err = w.bw.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// commit ends the file, syncs it and renames it to path.
func (w *cacheWriter) commit(path string) error {
	w.buf = binary.AppendUvarint(w.buf, 0)
	w.flush()
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		_, w.err = w.f.Write(w.sum.Sum(nil))
	}
	if w.err == nil {
		w.err = w.f.Sync()
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	if w.err == nil {
		w.err = os.Rename(w.f.Name(), path)
	}
	if w.err != nil {
		os.Remove(w.f.Name())
	}
	return w.err
}

func (w *cacheWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func appendBytes(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cacheDecoder reads a cache file; its first error sticks.
type cacheDecoder struct {
	b   []byte
	off int
	err error
}

var errCacheTruncated = errors.New("truncated or malformed")

func (d *cacheDecoder) uvarint() uint64 { return decodeVarint(d, binary.Uvarint) }

func (d *cacheDecoder) varint() int64 { return decodeVarint(d, binary.Varint) }

// decodeVarint reads one varint of d with read (binary.Uvarint or
// binary.Varint).
func decodeVarint[T uint64 | int64](d *cacheDecoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b[d.off:])
	if n <= 0 {
		d.err = errCacheTruncated
		return 0
	}
	d.off += n
	return v
}

// bytes reads a length-prefixed string (at most 64 KiB: a path).
func (d *cacheDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err == nil && (n > 64<<10 || n > uint64(len(d.b)-d.off)) {
		d.err = errCacheTruncated
	}
	if d.err != nil {
		return nil
	}
	s := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *cacheDecoder) header() error {
	if !bytes.HasPrefix(d.b, []byte(cacheMagic)) {
		return errors.New("not a strata file cache")
	}
	d.off = len(cacheMagic)
	if v := d.uvarint(); d.err == nil && v != cacheVersion {
		return fmt.Errorf("version %d, not %d", v, cacheVersion)
	}
	if ch := string(d.bytes()); d.err == nil && ch != Chunker() {
		return fmt.Errorf("written for chunker %q, not %q", ch, Chunker())
	}
	return d.err
}

func (d *cacheDecoder) stamp() (fileStamp, bool) {
	size := d.uvarint()
	st := fileStamp{MTime: d.varint(), CTime: d.varint(), Ino: d.uvarint()}
	if d.err == nil && (size < LargeFileSize || size > 1<<62) {
		d.err = errors.New("an entry of a small file")
	}
	st.Size = int64(size)
	return st, d.err == nil
}

// chunks reads an entry's chunks, which must cover size bytes exactly,
// none larger than MaxChunkSize.
func (d *cacheDecoder) chunks(size int64) ([]ChunkRef, bool) {
	n := d.count()
	if d.err != nil {
		return nil, false
	}
	refs := make([]ChunkRef, n)
	var total int64
	for i := range refs {
		refs[i] = d.chunk()
		total += refs[i].Size
	}
	return refs, d.covers(total, size)
}

// checkChunks is chunks without keeping them.
func (d *cacheDecoder) checkChunks(size int64) bool {
	n := d.count()
	var total int64
	for range n {
		total += d.chunk().Size
	}
	return d.covers(total, size)
}

// count reads the number of an entry's chunks: at least one, and no more
// than the bytes left could hold.
func (d *cacheDecoder) count() uint64 {
	n := d.uvarint()
	if d.err == nil && (n == 0 || n > uint64(len(d.b)-d.off)/(sha256.Size+1)) {
		d.err = errCacheTruncated
	}
	if d.err != nil {
		return 0
	}
	return n
}

// chunk reads one chunk's ID and size, from 1 to MaxChunkSize.
func (d *cacheDecoder) chunk() ChunkRef {
	var r ChunkRef
	if d.err != nil {
		return r
	}
	if len(d.b)-d.off < sha256.Size {
		d.err = errCacheTruncated
		return r
	}
	copy(r.ID[:], d.b[d.off:])
	d.off += sha256.Size
	s := d.uvarint()
	if d.err == nil && (s == 0 || s > MaxChunkSize) {
		d.err = errors.New("a chunk size out of range")
	}
	r.Size = int64(s)
	return r
}

// covers checks that an entry's chunks add up to its file's size.
func (d *cacheDecoder) covers(total, size int64) bool {
	if d.err == nil && total != size {
		d.err = errors.New("chunks that do not cover their file")
	}
	return d.err == nil
}

// fileRun is one large file of the snapshot being written: its stamp, the
// chunks the cache gives it (if any) and those it was cut into.
type fileRun struct {
	path    string
	stamp   fileStamp
	cached  []ChunkRef  // from the old cache, unverified; nil if none
	chunks  []ChunkRef  // as cut in this run, filled in stream order by the collector
	spoiled atomic.Bool // the file changed while read: not cached
}
