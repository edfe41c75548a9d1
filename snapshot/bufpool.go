package snapshot

import (
	"io"
	"math/bits"
	"sync"
)

// Buffers for stored frames and decoded chunks, reused across the chunks a
// restore, verify or transfer reads: allocating each afresh cost a restore
// about a quarter of its user CPU in zeroing and garbage collection
// (docs/benchmarks.md). A buffer's capacity is a power of two from
// minBufCap up, or maxFrameSize, so that a chunk takes at most twice its
// size and a small-cut chunk never holds a buffer the size of the largest
// frame.
var bufPools [bufClasses]sync.Pool // of *[]byte, by class

const (
	minBufShift = 16 // minBufCap = 64 KiB
	minBufCap   = 1 << minBufShift
	// bufClasses: 64 KiB … 4 MiB (= MaxChunkSize), then maxFrameSize.
	bufClasses = 22 - minBufShift + 2
)

// bufClass returns the class of a buffer for n bytes and its capacity.
func bufClass(n int) (class, capacity int) {
	if n <= minBufCap {
		return 0, minBufCap
	}
	if n > MaxChunkSize {
		return bufClasses - 1, maxFrameSize
	}
	shift := bits.Len(uint(n - 1)) // the smallest power of two ≥ n
	return shift - minBufShift, 1 << shift
}

// getBuf returns an empty buffer of capacity at least n (n ≤ maxFrameSize).
func getBuf(n int) []byte {
	class, c := bufClass(n)
	if b, ok := bufPools[class].Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, c)
}

// putBuf gives b back for reuse; b must not be used after. A buffer of
// another capacity (grown by a frame longer than expected) is left to the
// garbage collector.
func putBuf(b []byte) {
	if class, c := bufClass(cap(b)); cap(b) == c {
		bufPools[class].Put(&b)
	}
}

// frameBufSize is the buffer a stored frame of a chunk of size bytes
// needs: zstd's bound for incompressible content (a few bytes a block).
func frameBufSize(size int64) int {
	return int(min(size+size/128+1024, maxFrameSize))
}

// readAllInto reads r to its end into buf[:0], growing it only if needed,
// as io.ReadAll does into a buffer of its own.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
