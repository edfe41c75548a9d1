//go:build cgo

package snapshot

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/DataDog/zstd"
)

// FrameEncoder names the zstd encoder this build compresses chunks with.
const FrameEncoder = "libzstd (cgo, github.com/DataDog/zstd)"

// defaultLevel: libzstd's level 2 compresses this kind of data about 1.15×
// as fast as its level 3, for 0.2% more bytes in all (1.2% on text, 0.3% on
// headers and small files, nothing on incompressible content), which keeps
// the first snapshot's CPU at or under tar|zstd -3's (docs/benchmarks.md).
const defaultLevel = 2

// cEncoder is the reference libzstd, one compression context. libzstd
// sizes the context's window to the chunk, so its memory follows the
// chunk (at most MaxChunkSize), not the level's default window.
type cEncoder struct{ ctx zstd.Ctx }

func newFrameEncoder() (frameEncoder, error) { return &cEncoder{ctx: zstd.NewCtx()}, nil }

func (e *cEncoder) encode(dst, src []byte, level int) ([]byte, error) {
	if level < 1 || level > 22 {
		return nil, fmt.Errorf("zstd level %d: levels are 1 to 22", level)
	}
	return e.ctx.CompressLevel(dst[:cap(dst)], src, level)
}

// close leaves the context to its finalizer: DataDog/zstd frees it there.
func (e *cEncoder) close() {}

// cDecoders are libzstd decompression contexts, one per core: a goroutine
// holds one only while it decodes. More would not decode faster, and C
// code the Go scheduler cannot preempt would then crowd out the goroutines
// that consume the chunks (a restore's tar reader). libzstd decodes a whole
// frame straight into the chunk-sized buffer, so a frame cannot make it
// take more.
type cDecoders struct{ ctxs chan zstd.Ctx }

func newFrameDecoder(int) (frameDecoder, error) {
	n := runtime.GOMAXPROCS(0)
	d := &cDecoders{ctxs: make(chan zstd.Ctx, n)}
	for range n {
		d.ctxs <- zstd.NewCtx()
	}
	return d, nil
}

func (d *cDecoders) decode(dst, frame []byte, size int64) ([]byte, error) {
	if len(frame) == 0 {
		return nil, errors.New("empty file")
	}
	if size <= 0 || size > MaxChunkSize {
		return nil, fmt.Errorf("chunk size %d out of range", size)
	}
	ctx := <-d.ctxs
	defer func() { d.ctxs <- ctx }()
	data := dst[:0]
	if int64(cap(data)) < size {
		data = make([]byte, size)
	}
	data = data[:size]
	n, err := ctx.DecompressInto(data, frame)
	if zstd.IsDstSizeTooSmallError(err) {
		return nil, errFrameTooLong
	}
	if err != nil {
		return nil, err
	}
	return data[:n], nil
}

func (d *cDecoders) close() {}
