package snapshot

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
	_ "github.com/PlakarKorp/go-cdc-chunkers/chunkers/fastcdc" // registers ChunkerVersion
)

// ChunkerVersion is the frozen FastCDC variant of go-cdc-chunkers that cuts
// format 2 streams: its library promises that a versioned name never
// changes its boundaries. It is used unkeyed, so that every host and tier
// cuts the same data the same way. TestChunkerGolden pins its boundaries.
//
// Why this library: it is maintained (Plakar's own store runs on it),
// ships versioned variants whose boundaries are frozen, lets the caller
// own the scan buffer, and cuts at about 1.3 GB/s here. jotfs/fastcdc-go is
// as fast but unmaintained since 2020 and has no versioned variants, so a
// fix there could move boundaries silently; restic/chunker is very well
// tested but a Rabin chunker at about a third of the speed, designed
// around a random per-repository polynomial (keyed), which format 2 does
// not want.
const ChunkerVersion = "fastcdc-v1.0.0"

// CutParams are the minimum, average and maximum sizes of one kind of cut.
type CutParams struct{ Min, Avg, Max int }

func (p CutParams) String() string {
	return fmt.Sprintf("%s-%s-%s", sizeLabel(p.Min), sizeLabel(p.Avg), sizeLabel(p.Max))
}

// The parameters of format 2's cut: part of the format.
var (
	// SmallCut cuts tar headers, padding and the content of small files:
	// touching one small file rewrites tens of KiB, not a MiB. Chosen by
	// measuring P10 (docs/benchmarks.md): 8k-32k-128k stores 17% less a
	// day than 16k-64k-256k for 1.6× the objects (8.5 M per TB).
	SmallCut = CutParams{Min: 8 << 10, Avg: 32 << 10, Max: 128 << 10}
	// LargeCut cuts the content of each large file on its own.
	LargeCut = CutParams{Min: 512 << 10, Avg: 1 << 20, Max: MaxChunkSize}
)

// LargeFileSize is the smallest file whose content is cut on its own.
const LargeFileSize = 1 << 20

// Chunker names the cut of format 2 for the manifest: the algorithm, both
// parameter sets and the large-file threshold, e.g.
// "fastcdc-v1.0.0/8k-32k-128k/512k-1m-4m@1m".
func Chunker() string {
	return fmt.Sprintf("%s/%s/%s@%s", ChunkerVersion, SmallCut, LargeCut, sizeLabel(LargeFileSize))
}

// sizeLabel writes a power-of-two size as "16k" or "4m".
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dm", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dk", n>>10)
	}
	return fmt.Sprint(n)
}

// cutter cuts a tar stream into chunks, file-aware: it reads the stream
// into a buffer of its own and hands it to one of two FastCDC chunkers one
// segment at a time — the content of a large file to the large one, what
// lies between to the small one — so that each segment ends on a boundary.
// Spans only move boundaries: the bytes of the stream are passed on as
// read, whatever the spans say.
type cutter struct {
	src   io.Reader     // the tar stream
	buf   []byte        // read from src and not yet passed on: buf[r:w]
	r, w  int           //
	pos   int64         // stream offset of buf[r]
	err   error         // src's sticky error or io.EOF
	spans []ContentSpan // large files whose content is not passed yet, in order
	large bool          // the segment is spans[0]'s content

	small, big *chunkers.Chunker

	known     func(ChunkID) bool // the chunks known present at the destination; nil: none
	spare     [2][]byte          // a cached span held back and the one being read
	cut       int64              // bytes cut by the chunkers
	cached    int64              // bytes passed on along cached spans
	fallbacks int                // files whose cached spans did not match
}

// cutBufferSize is how much of the stream the cutter reads at a time.
const cutBufferSize = 1 << 20

func newCutter(src io.Reader) (*cutter, error) {
	c := &cutter{src: src, buf: make([]byte, cutBufferSize)}
	var err error
	if c.small, err = newFastCDC(SmallCut); err != nil {
		return nil, err
	}
	if c.big, err = newFastCDC(LargeCut); err != nil {
		return nil, err
	}
	return c, nil
}

func newFastCDC(p CutParams) (*chunkers.Chunker, error) {
	opts := &chunkers.ChunkerOpts{MinSize: p.Min, NormalSize: p.Avg, MaxSize: p.Max}
	ch, err := chunkers.NewChunkerBuffer(ChunkerVersion, nil, opts, make([]byte, 2*p.Max))
	if err != nil {
		return nil, fmt.Errorf("chunker %s %s: %w", ChunkerVersion, p, err)
	}
	return ch, nil
}

// span is the archiver's callback: it queues the span of a large file.
// The archiver calls it from within Read, before any byte of the span is
// returned, so the cutter always knows a boundary before it reaches it.
func (c *cutter) span(s ContentSpan) {
	if s.End-s.Start >= LargeFileSize {
		c.spans = append(c.spans, s)
	}
}

// chunkMeta is what the cutter knows of a chunk besides its bytes.
type chunkMeta struct {
	file   *fileRun // the large file whose content the chunk is; nil for the rest
	id     ChunkID  // the chunk's ID, when cached
	cached bool     // the chunk is a cached span of file, hashed to id and known present
}

// run cuts the whole stream, calling emit with each chunk in stream order.
// The chunk is valid only during the call.
func (c *cutter) run(emit func([]byte) error) error {
	return c.runMeta(func(b []byte, _ chunkMeta) error { return emit(b) })
}

// runMeta is run, with what the cutter knows of each chunk.
func (c *cutter) runMeta(emit func([]byte, chunkMeta) error) error {
	for {
		var err error
		switch {
		case !c.large:
			err = c.segment(c.small, segmentReader{c}, chunkMeta{}, emit)
		case c.usable(c.spans[0].file):
			err = c.cachedSegment(c.spans[0].file, emit)
		default:
			err = c.segment(c.big, segmentReader{c}, chunkMeta{file: c.spans[0].file}, emit)
		}
		if err != nil {
			return err
		}
		if c.large {
			c.spans, c.large = c.spans[1:], false
			continue
		}
		if c.r == c.w && c.err != nil {
			if c.err == io.EOF {
				return nil
			}
			return c.err
		}
		c.large = true // the small segment stopped at the next span
	}
}

// segment cuts one segment, read from r, with ch.
func (c *cutter) segment(ch *chunkers.Chunker, r io.Reader, m chunkMeta, emit func([]byte, chunkMeta) error) error {
	ch.Reset(r)
	for {
		chunk, err := ch.Next()
		if err != nil && err != io.EOF {
			return err
		}
		if len(chunk) > 0 {
			c.cut += int64(len(chunk))
			if e := emit(chunk, m); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// usable says whether the file cache's chunks of f may stand in for its
// cut: there are some, and every one is known present at the destination.
func (c *cutter) usable(f *fileRun) bool {
	if f == nil || f.cached == nil || c.known == nil {
		return false
	}
	for _, ref := range f.cached {
		if !c.known(ref.ID) {
			return false
		}
	}
	return true
}

// cachedSegment passes the content of the large file f on along its cached
// spans instead of cutting it: it reads each span, hashes it and compares
// the digest with the cached ID. Where they all match, the chunks are those
// the cut would give, since the cut of a large file starts afresh at its
// content's start and the cache holds only what it gave for this stamp and
// chunker. At the first span that differs, the cut takes over, from the
// start of the span before it (held back until then) — the same chunks as
// a cut of the whole file, because FastCDC starts afresh at each boundary:
// where the chunk before a boundary ends depends only on its own bytes,
// the first byte after it, and how much of the file is left, and all of
// these are unchanged up to the held-back span (TestCutRestartsAtBoundary).
func (c *cutter) cachedSegment(f *fileRun, emit func([]byte, chunkMeta) error) error {
	if c.spare[0] == nil {
		c.spare = [2][]byte{make([]byte, MaxChunkSize), make([]byte, MaxChunkSize)}
	}
	held, cur := c.spare[0][:0], c.spare[1]
	var heldID ChunkID
	for _, ref := range f.cached {
		n, err := io.ReadFull(segmentReader{c}, cur[:ref.Size])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
		if int64(n) != ref.Size || sha256.Sum256(cur[:n]) != ref.ID {
			c.fallbacks++
			rest := io.MultiReader(bytes.NewReader(held), bytes.NewReader(cur[:n]), segmentReader{c})
			return c.segment(c.big, rest, chunkMeta{file: f}, emit)
		}
		if err := c.emitCached(held, heldID, f, emit); err != nil {
			return err
		}
		held, cur, heldID = cur[:n], held[:cap(held)], ref.ID
	}
	if left, _ := c.left(); left != 0 { // cannot be (the spans cover the file's size), but if so: cut
		c.fallbacks++
		return c.segment(c.big, io.MultiReader(bytes.NewReader(held), segmentReader{c}), chunkMeta{file: f}, emit)
	}
	return c.emitCached(held, heldID, f, emit)
}

// emitCached passes on a cached span, if any.
func (c *cutter) emitCached(span []byte, id ChunkID, f *fileRun, emit func([]byte, chunkMeta) error) error {
	if len(span) == 0 {
		return nil
	}
	c.cached += int64(len(span))
	return emit(span, chunkMeta{file: f, id: id, cached: true})
}

// segmentReader reads the cutter's current segment, ending with io.EOF at
// its boundary (or at the stream's end).
type segmentReader struct{ c *cutter }

func (s segmentReader) Read(p []byte) (int, error) { return s.c.read(p) }

func (c *cutter) read(p []byte) (int, error) {
	if c.r == c.w {
		if c.err != nil {
			if c.err == io.EOF && c.large {
				return 0, errors.New("tar stream ended inside a file's content")
			}
			return 0, c.err
		}
		n, err := c.src.Read(c.buf) // may announce spans
		c.r, c.w, c.err = 0, n, err
	}
	c.dropPassedSpans()
	n := min(len(p), c.w-c.r)
	if left, ok := c.left(); ok {
		if left == 0 {
			return 0, io.EOF
		}
		n = int(min(int64(n), left))
	}
	copy(p, c.buf[c.r:c.r+n])
	c.r += n
	c.pos += int64(n)
	return n, nil
}

// left returns how many bytes remain before the segment's boundary, if one
// is known: the end of the large file's content, or the start of the next.
func (c *cutter) left() (int64, bool) {
	switch {
	case c.large:
		return c.spans[0].End - c.pos, true
	case len(c.spans) > 0:
		return c.spans[0].Start - c.pos, true
	}
	return 0, false
}

// dropPassedSpans forgets spans that start before the current position
// outside a large segment. The archiver never announces one late; if it
// did, that file would only be cut less well, never wrongly.
func (c *cutter) dropPassedSpans() {
	if c.large {
		return
	}
	for len(c.spans) > 0 && c.spans[0].Start < c.pos {
		c.spans = c.spans[1:]
	}
}
