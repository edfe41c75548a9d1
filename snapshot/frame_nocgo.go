//go:build !cgo

package snapshot

import (
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// FrameEncoder names the zstd encoder this build compresses chunks with.
const FrameEncoder = "pure Go (github.com/klauspost/compress/zstd)"

// defaultLevel: the pure-Go encoder's default, the ratio of `zstd -3`. Its
// nearest faster level (SpeedFastest) compresses headers and small files to
// 0.84 of their size instead of 0.50 (docs/benchmarks.md).
const defaultLevel = 3

// goEncoder is the pure-Go encoder of a build without cgo: one
// klauspost encoder for each of its levels used, made on first use.
type goEncoder struct {
	encs map[zstd.EncoderLevel]*zstd.Encoder
}

func newFrameEncoder() (frameEncoder, error) {
	return &goEncoder{encs: map[zstd.EncoderLevel]*zstd.Encoder{}}, nil
}

func (e *goEncoder) encode(dst, src []byte, level int) ([]byte, error) {
	if level < 1 || level > 22 {
		return nil, fmt.Errorf("zstd level %d: levels are 1 to 22", level)
	}
	l := zstd.EncoderLevelFromZstd(level)
	enc := e.encs[l]
	if enc == nil {
		var err error
		// A chunk is at most the window, so the history never has to
		// slide: lower memory costs no speed (a window's history, not
		// two). No content checksum, as libzstd's one-shot API writes
		// none: the SHA-256 of the content is the chunk's name, and both
		// builds then judge a damaged frame alike.
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(l), zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(MaxChunkSize), zstd.WithLowerEncoderMem(true), zstd.WithEncoderCRC(false))
		if err != nil {
			return nil, err
		}
		e.encs[l] = enc
	}
	return enc.EncodeAll(src, dst[:0]), nil
}

func (e *goEncoder) close() {
	for _, enc := range e.encs {
		enc.Close()
	}
}

// goDecoder is the pure-Go decoder of a build without cgo, bounded to a
// chunk's memory.
type goDecoder struct{ dec *zstd.Decoder }

func newFrameDecoder(parallel int) (frameDecoder, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(max(parallel, 1)),
		zstd.WithDecoderMaxMemory(MaxChunkSize), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return nil, err
	}
	return goDecoder{dec}, nil
}

func (d goDecoder) decode(dst, frame []byte, size int64) ([]byte, error) {
	if int64(cap(dst)) < size {
		dst = make([]byte, 0, size)
	}
	data, err := d.dec.DecodeAll(frame, dst[:0])
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		return nil, errFrameTooLong
	}
	return data, err
}

func (d goDecoder) close() { d.dec.Close() }
