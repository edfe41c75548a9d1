package snapshot

import "errors"

// frameEncoder compresses one chunk into one zstd frame that any zstd
// decoder reads alone. An encoder is used by one goroutine at a time.
//
// Two implementations exist, chosen at build time: with cgo (the default
// where a C compiler is present) the reference libzstd, bundled by
// github.com/DataDog/zstd, which compresses this kind of data about 1.45×
// as fast as the pure-Go encoder at the same level and ratio (see
// docs/benchmarks.md); without cgo (CGO_ENABLED=0) the pure-Go
// github.com/klauspost/compress/zstd. Both write standard frames, and a
// chunk's ID is the hash of its uncompressed bytes, so the two can write
// into the same store and either build reads what the other wrote. Frames
// carry no content checksum of their own: the chunk's name is the SHA-256
// of its content, checked on every read.
type frameEncoder interface {
	// encode appends src's frame at zstd level (1 fastest … 22 smallest)
	// to dst[:0] and returns it.
	encode(dst, src []byte, level int) ([]byte, error)
	close()
}

// frameDecoder decompresses one chunk's stored frame, from several
// goroutines at once. decode returns the content if it is exactly size
// bytes (size > 0, at most MaxChunkSize: the chunk list's word), and an
// error saying what it found otherwise; it never takes more memory than a
// chunk of size bytes, whatever the frame claims. The content is in dst's
// memory when its capacity is at least size.
type frameDecoder interface {
	decode(dst, frame []byte, size int64) ([]byte, error)
	close()
}

// errFrameTooLong is a frame whose content is longer than its chunk.
var errFrameTooLong = errors.New("content longer than the chunk list says")
