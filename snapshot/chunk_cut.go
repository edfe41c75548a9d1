package snapshot

import (
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
	// touching one small file rewrites tens of KiB, not a MiB.
	SmallCut = CutParams{Min: 16 << 10, Avg: 64 << 10, Max: 256 << 10}
	// LargeCut cuts the content of each large file on its own.
	LargeCut = CutParams{Min: 512 << 10, Avg: 1 << 20, Max: MaxChunkSize}
)

// LargeFileSize is the smallest file whose content is cut on its own.
const LargeFileSize = 1 << 20

// Chunker names the cut of format 2 for the manifest: the algorithm, both
// parameter sets and the large-file threshold, e.g.
// "fastcdc-v1.0.0/16k-64k-256k/512k-1m-4m@1m".
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

// run cuts the whole stream, calling emit with each chunk in stream order.
// The chunk is valid only during the call.
func (c *cutter) run(emit func([]byte) error) error {
	for {
		ch := c.small
		if c.large {
			ch = c.big
		}
		if err := c.segment(ch, emit); err != nil {
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

// segment cuts one segment with ch.
func (c *cutter) segment(ch *chunkers.Chunker, emit func([]byte) error) error {
	ch.Reset(segmentReader{c})
	for {
		chunk, err := ch.Next()
		if err != nil && err != io.EOF {
			return err
		}
		if len(chunk) > 0 {
			if e := emit(chunk); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
	}
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
