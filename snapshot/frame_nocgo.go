//go:build !cgo

package snapshot

import (
	"errors"

	"github.com/klauspost/compress/zstd"
)

// FrameEncoder names the zstd encoder this build compresses chunks with.
const FrameEncoder = "pure Go (github.com/klauspost/compress/zstd)"

// goEncoder is the pure-Go encoder of a build without cgo.
type goEncoder struct{ enc *zstd.Encoder }

func newFrameEncoder(level int) (frameEncoder, error) {
	enc, err := zstd.NewWriter(nil, goEncoderOptions(level)...)
	if err != nil {
		return nil, err
	}
	return goEncoder{enc}, nil
}

func goEncoderOptions(level int) []zstd.EOption {
	if level <= 0 {
		level = defaultLevel
	}
	// A chunk is at most the window, so the history never has to slide:
	// lower memory costs no speed (a window's history, not two). No content
	// checksum, as libzstd's one-shot API writes none: the SHA-256 of the
	// content is the chunk's name, and both builds then judge a damaged
	// frame alike.
	return []zstd.EOption{zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(MaxChunkSize), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderCRC(false)}
}

func (e goEncoder) encode(dst, src []byte) ([]byte, error) { return e.enc.EncodeAll(src, dst[:0]), nil }

func (e goEncoder) close() { e.enc.Close() }

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

func (d goDecoder) decode(frame []byte, size int64) ([]byte, error) {
	data, err := d.dec.DecodeAll(frame, make([]byte, 0, size))
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		return nil, errFrameTooLong
	}
	return data, err
}

func (d goDecoder) close() { d.dec.Close() }
