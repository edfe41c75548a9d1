//go:build cgo

package snapshot

import (
	"fmt"

	"github.com/DataDog/zstd"
)

// FrameEncoder names the zstd encoder this build compresses chunks with.
const FrameEncoder = "libzstd (cgo, github.com/DataDog/zstd)"

// cEncoder is the reference libzstd, one compression context. libzstd
// sizes the context's window to the chunk, so its memory follows the
// chunk (at most MaxChunkSize), not the level's default window.
type cEncoder struct {
	ctx   zstd.Ctx
	level int
}

func newFrameEncoder(level int) (frameEncoder, error) {
	if level <= 0 {
		level = defaultLevel
	}
	if level > 22 {
		return nil, fmt.Errorf("zstd level %d: the highest is 22", level)
	}
	return &cEncoder{ctx: zstd.NewCtx(), level: level}, nil
}

func (e *cEncoder) encode(dst, src []byte) ([]byte, error) {
	return e.ctx.CompressLevel(dst[:cap(dst)], src, e.level)
}

// close leaves the context to its finalizer: DataDog/zstd frees it there.
func (e *cEncoder) close() {}
