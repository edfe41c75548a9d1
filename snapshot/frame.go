package snapshot

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
// into the same store and either build reads what the other wrote.
type frameEncoder interface {
	// encode appends src's frame to dst[:0] and returns it.
	encode(dst, src []byte) ([]byte, error)
	close()
}

// defaultLevel is the level of ChunkOptions.Level 0: zstd's own default,
// the level of `zstd -3` that the benchmarks compare with.
const defaultLevel = 3
