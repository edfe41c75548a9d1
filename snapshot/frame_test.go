package snapshot

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// frameSamples are contents of the kinds a chunk holds: text that
// compresses, random bytes that do not, one byte, and a chunk at the limit.
func frameSamples() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("strata keeps the only copy of your data; "), 30000)
	full := append(bytes.Repeat(random, 3), text[:1<<20]...) // MaxChunkSize
	return map[string][]byte{"text": text, "random": random, "one byte": {'x'}, "largest chunk": full[:MaxChunkSize]}
}

// TestFrameRoundTrip: what this build's encoder writes, this build's
// decoder and the pure-Go stream decoder (the one extract and `zstd -d`
// stand for) both read back; what the pure-Go encoder wrote, this build's
// decoder reads too, so stores written by either build stay readable.
func TestFrameRoundTrip(t *testing.T) {
	enc, err := newFrameEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.close()
	dec, err := newFrameDecoder(2)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.close()
	goEnc, _ := zstd.NewWriter(nil)
	defer goEnc.Close()
	goDec, _ := zstd.NewReader(nil)
	defer goDec.Close()
	var frame []byte
	for _, level := range []int{2, 3} { // the two builds' default levels
		for sample, want := range frameSamples() {
			name := fmt.Sprintf("%s at level %d", sample, level)
			frame, err = enc.encode(frame, want, level)
			if err != nil {
				t.Fatalf("%s: encode: %v", name, err)
			}
			if got, err := dec.decode(nil, frame, int64(len(want))); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: this build's frame, this build's decoder: equal %v, %v", name, bytes.Equal(got, want), err)
			}
			if got, err := goDec.DecodeAll(frame, nil); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: this build's frame, pure-Go decoder: equal %v, %v", name, bytes.Equal(got, want), err)
			}
			other := goEnc.EncodeAll(want, nil)
			if got, err := dec.decode(nil, other, int64(len(want))); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: pure-Go frame, this build's decoder: equal %v, %v", name, bytes.Equal(got, want), err)
			}
		}
	}
}

// TestFrameDecodeRefuses: a frame that is not the chunk the list names is
// a DigestError naming the chunk, never a panic, whatever the frame claims.
func TestFrameDecodeRefuses(t *testing.T) {
	dec, err := newFrameDecoder(1)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.close()
	enc, _ := newFrameEncoder()
	defer enc.close()
	content := bytes.Repeat([]byte("0123456789"), 1000)
	frame, _ := enc.encode(nil, content, defaultLevel)
	bomb, _ := enc.encode(nil, make([]byte, MaxChunkSize), defaultLevel) // 4 MiB of zeros in a few hundred bytes
	n := int64(len(content))
	cases := map[string]struct {
		frame []byte
		size  int64
	}{
		"empty file":      {nil, n},
		"not zstd":        {[]byte("this is not a zstd frame"), n},
		"truncated":       {frame[:len(frame)/2], n},
		"content longer":  {frame, n - 1},
		"content shorter": {frame, n + 1},
		"two frames":      {append(append([]byte{}, frame...), frame...), n},
		"a bomb":          {bomb, n},
	}
	id := ChunkID(sha256.Sum256(content))
	for name, c := range cases {
		got, err := decodeChunk(dec, ChunkRef{ID: id, Size: c.size}, c.frame)
		var de *DigestError
		if !errors.As(err, &de) || de.Piece != ChunkPath(id) {
			t.Errorf("%s: %d bytes, %v; want a DigestError naming the chunk", name, len(got), err)
		}
	}
}

// TestDecodeChunkSaysWhy: decodeChunk turns each refusal into a
// DigestError that names the chunk, as verify and restore report it.
func TestDecodeChunkSaysWhy(t *testing.T) {
	dec, _ := newFrameDecoder(1)
	defer dec.close()
	enc, _ := newFrameEncoder()
	defer enc.close()
	content := []byte("a chunk of a snapshot")
	frame, _ := enc.encode(nil, content, defaultLevel)
	ref := ChunkRef{ID: ChunkID(sha256.Sum256(content)), Size: int64(len(content)) - 1}
	_, err := decodeChunk(dec, ref, frame)
	var de *DigestError
	if !errors.As(err, &de) || de.Reason != ReasonSize || de.Piece != ChunkPath(ref.ID) {
		t.Fatalf("longer content: %v, want a size DigestError naming %s", err, ChunkPath(ref.ID))
	}
	ref.Size = int64(len(content))
	if got, err := decodeChunk(dec, ref, frame); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the right chunk: %q, %v", got, err)
	}
}

// TestFrameEncoderIsTheBuilds: under CI the cgo build must really be one
// (the Makefile tests the pure-Go build on its own): a machine without a C
// compiler would otherwise test the pure-Go encoder twice, silently.
func TestFrameEncoderIsTheBuilds(t *testing.T) {
	want := os.Getenv("CGO_ENABLED") != "0"
	if got := strings.HasPrefix(FrameEncoder, "libzstd"); got != want && os.Getenv("CI") == "true" {
		t.Fatalf("encoder %q with CGO_ENABLED=%q: is a C compiler (gcc) installed? scripts/install-test-deps.sh installs one",
			FrameEncoder, os.Getenv("CGO_ENABLED"))
	}
}

// TestFrameLevels: a level zstd does not have is an error, not a frame.
func TestFrameLevels(t *testing.T) {
	enc, _ := newFrameEncoder()
	defer enc.close()
	for _, level := range []int{0, 23} {
		if _, err := enc.encode(nil, []byte("x"), level); err == nil {
			t.Errorf("level %d: no error", level)
		}
	}
}
