package snapshot

import (
	"strings"
	"testing"
	"testing/iotest"
)

// TestBufClasses: a buffer holds what was asked for, at most twice that
// (or a frame of the largest chunk), and only buffers of a class go back.
func TestBufClasses(t *testing.T) {
	for _, n := range []int{0, 1, minBufCap - 1, minBufCap, minBufCap + 1, 100_000, 1 << 20, 1<<20 + 1,
		3 << 20, MaxChunkSize - 1, MaxChunkSize, MaxChunkSize + 1, frameBufSize(MaxChunkSize), maxFrameSize} {
		b := getBuf(n)
		if len(b) != 0 || cap(b) < n {
			t.Errorf("getBuf(%d): len %d cap %d", n, len(b), cap(b))
		}
		if n > minBufCap && n <= MaxChunkSize && cap(b) >= 2*n {
			t.Errorf("getBuf(%d): cap %d, twice what was asked or more", n, cap(b))
		}
		if class, c := bufClass(cap(b)); c != cap(b) || class < 0 || class >= bufClasses {
			t.Errorf("getBuf(%d): cap %d is not a class's (%d, %d)", n, cap(b), class, c)
		}
		putBuf(b)
	}
	if frameBufSize(MaxChunkSize) > maxFrameSize || frameBufSize(1000) < 1000 {
		t.Errorf("frameBufSize: %d for the largest chunk, %d for 1000 bytes", frameBufSize(MaxChunkSize), frameBufSize(1000))
	}
}

// TestReadAllInto reads all of a reader into a buffer too small, one byte
// at a time, and keeps a large enough buffer's memory.
func TestReadAllInto(t *testing.T) {
	want := strings.Repeat("chunk ", 5000)
	got, err := readAllInto(make([]byte, 3, 10), iotest.OneByteReader(strings.NewReader(want)))
	if err != nil || string(got) != want {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
	}
	buf := make([]byte, 0, 2*len(want))
	got, err = readAllInto(buf, iotest.HalfReader(strings.NewReader(want)))
	if err != nil || string(got) != want || &got[0] != &buf[:1][0] {
		t.Fatalf("into a large buffer: equal %v, same memory %v, %v", string(got) == want, &got[0] == &buf[:1][0], err)
	}
	if _, err := readAllInto(nil, iotest.ErrReader(iotest.ErrTimeout)); err != iotest.ErrTimeout {
		t.Fatalf("error %v, want the reader's", err)
	}
}
