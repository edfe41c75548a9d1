//go:build cgo

package snapshot

import (
	"errors"
	"fmt"
	"sync"

	"github.com/DataDog/zstd"
)

// FrameEncoder names the zstd encoder this build compresses chunks with.
const FrameEncoder = "libzstd (cgo, github.com/DataDog/zstd)"

// smallRegionLevel: on the small-cut chunks between large files' content
// (8–128 KiB of tar headers and small files), libzstd's level 2 compresses
// about 1.4× as fast as level 3 for 0.3% more bytes (docs/benchmarks.md).
const smallRegionLevel = 2

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

// cDecoders are libzstd decompression contexts, one per goroutine that
// decodes at a time. libzstd decodes a whole frame straight into the
// chunk-sized buffer, so a frame cannot make it take more.
type cDecoders struct{ ctxs sync.Pool }

func newFrameDecoder(int) (frameDecoder, error) {
	return &cDecoders{ctxs: sync.Pool{New: func() any { return zstd.NewCtx() }}}, nil
}

func (d *cDecoders) decode(frame []byte, size int64) ([]byte, error) {
	if len(frame) == 0 {
		return nil, errors.New("empty file")
	}
	if size <= 0 || size > MaxChunkSize {
		return nil, fmt.Errorf("chunk size %d out of range", size)
	}
	ctx := d.ctxs.Get().(zstd.Ctx)
	defer d.ctxs.Put(ctx)
	data := make([]byte, size)
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
