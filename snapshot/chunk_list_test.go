package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

const (
	hexA = "0000000000000000000000000000000000000000000000000000000000000000"
	hexB = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

func TestChunkListRoundTrip(t *testing.T) {
	a, err := ParseChunkID(hexA)
	mustDo(t, err)
	b, err := ParseChunkID(hexB)
	mustDo(t, err)
	chunks := []ChunkRef{{a, 1}, {b, MaxChunkSize}, {a, 1}}
	text := FormatChunkList(chunks)
	want := hexA + " 1\n" + hexB + " 4194304\n" + hexA + " 1\n"
	if string(text) != want {
		t.Fatalf("FormatChunkList = %q, want %q", text, want)
	}
	got, err := ParseChunkList(text)
	mustDo(t, err)
	if len(got) != 3 || got[1] != chunks[1] || got[2] != chunks[2] {
		t.Errorf("ParseChunkList = %v", got)
	}
	if ChunkPath(b) != ".strata/chunks/9f/"+hexB+".zst" {
		t.Errorf("ChunkPath = %s", ChunkPath(b))
	}
}

// TestChunkListDigest: the digest is that of chunks.txt as written.
func TestChunkListDigest(t *testing.T) {
	for _, chunks := range [][]ChunkRef{
		{{ID: ChunkID{1}, Size: 1}},
		{{ID: ChunkID{0xff}, Size: MaxChunkSize}, {ID: ChunkID{2, 3}, Size: 4096}, {ID: ChunkID{0xff}, Size: MaxChunkSize}},
	} {
		want := sha256.Sum256(FormatChunkList(chunks))
		if got := ChunkListDigest(chunks); got != hex.EncodeToString(want[:]) {
			t.Errorf("ChunkListDigest = %s, the SHA-256 of chunks.txt is %x", got, want)
		}
	}
}

func TestParseChunkListRefuses(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", "empty"},
		{"no-final-newline", hexA + " 1", "newline"},
		{"blank-line", hexA + " 1\n\n", "line 2"},
		{"crlf", hexA + " 1\r\n", "line 1"},
		{"upper-hex", strings.ToUpper(hexB) + " 1\n", "line 1: invalid chunk ID"},
		{"short-hex", hexA[1:] + " 1\n", "line 1"},
		{"two-spaces", hexA + "  1\n", "invalid chunk size"},
		{"zero-size", hexA + " 0\n", "invalid chunk size"},
		{"leading-zero", hexA + " 01\n", "invalid chunk size"},
		{"sign", hexA + " +1\n", "invalid chunk size"},
		{"too-large", hexA + " 4194305\n", "exceeds"},
		{"huge", hexA + " 99999999999\n", "invalid chunk size"},
		{"trailing", hexA + " 1 x\n", "invalid chunk size"},
		{"second-line", hexA + " 1\n" + hexA + "\n", "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseChunkList([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestStreamSum(t *testing.T) {
	if got := string(FormatStreamSum(hexB)); got != hexB+"  -\n" {
		t.Errorf("FormatStreamSum = %q", got)
	}
	sum, err := ParseStreamSum(FormatStreamSum(hexB))
	if err != nil || sum != hexB {
		t.Errorf("ParseStreamSum = %q, %v", sum, err)
	}
	for _, bad := range []string{"", hexB, hexB + "  -", hexB + " *-\n", hexB + "  data.tar\n", strings.ToUpper(hexB) + "  -\n", hexB + "  -\n\n"} {
		if _, err := ParseStreamSum([]byte(bad)); err == nil {
			t.Errorf("ParseStreamSum(%q) accepted", bad)
		}
	}
}

func TestChunkSet(t *testing.T) {
	s := NewChunkSet()
	var ids []ChunkID
	for i := range 5000 {
		ids = append(ids, sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
	}
	for i, id := range ids {
		if !s.Add(id) {
			t.Fatalf("id %d not new", i)
		}
		if s.Add(id) || !s.Has(id) {
			t.Fatalf("id %d added twice or lost", i)
		}
	}
	for i, id := range ids {
		if !s.Has(id) {
			t.Fatalf("id %d lost after merges", i)
		}
	}
	if s.Has(sha256.Sum256([]byte("absent"))) || s.Len() != len(ids) {
		t.Errorf("Len = %d, want %d", s.Len(), len(ids))
	}
}

// TestChunkSetMemory holds the bound of issue 17: a set of chunk IDs held
// in memory costs at most 64 bytes per chunk.
func TestChunkSetMemory(t *testing.T) {
	const n = 1 << 20
	rng := rand.NewChaCha8([32]byte{42})
	before := heapInUse()
	s := NewChunkSet()
	var id ChunkID
	for range n {
		rng.Read(id[:])
		s.Add(id)
	}
	per := float64(heapInUse()-before) / n
	runtime.KeepAlive(s)
	t.Logf("%.1f bytes per chunk", per)
	if per > 64 {
		t.Errorf("%.1f bytes per chunk, want at most 64", per)
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func FuzzParseChunkList(f *testing.F) {
	f.Add([]byte(hexA + " 1\n" + hexB + " 4194304\n"))
	f.Add([]byte(hexA + " 01\n"))
	f.Add([]byte(hexB + " 4194305\n"))
	f.Add([]byte(hexA + " 1\r\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		chunks, err := ParseChunkList(b)
		if err != nil {
			return
		}
		if len(chunks) == 0 {
			t.Fatal("parsed an empty list")
		}
		for _, c := range chunks {
			if c.Size < 1 || c.Size > MaxChunkSize {
				t.Fatalf("parsed a chunk of %d bytes", c.Size)
			}
		}
		// Strict: what parses is exactly what FormatChunkList writes.
		if out := FormatChunkList(chunks); !bytes.Equal(out, b) {
			t.Fatalf("round trip changed the list:\n%q\n%q", b, out)
		}
	})
}

// TestChunkerGolden pins the cut: boundaries are part of the format, so a
// change of library version or parameters that moves one must fail here
// (and become a new ChunkerVersion, not a silent loss of dedup).
func TestChunkerGolden(t *testing.T) {
	data := seededBytes(2026, 24<<20)
	for _, tc := range []struct {
		p    CutParams
		want string // sizes of the chunks, comma-separated, hashed
	}{
		{SmallCut, "099646842f249fc116e51354bc0a6c3e63512fcc1e89e0c29b7a8b7330d131c4"},
		{LargeCut, "ca2a2a42a2253bf810bbf95cfc073dd800bf018a7e8637f844ffb699c3a85700"},
	} {
		var sizes []string
		for _, id := range cutSizes(t, data, tc.p) {
			sizes = append(sizes, strconv.Itoa(id))
		}
		sum := sha256.Sum256([]byte(strings.Join(sizes, ",")))
		if got := hex.EncodeToString(sum[:]); got != tc.want {
			t.Errorf("%s: %d chunks, sizes hash to %s, want %s", tc.p, len(sizes), got, tc.want)
		}
	}
}

// cutSizes cuts b with FastCDC at p and returns the chunk sizes.
func cutSizes(t *testing.T, b []byte, p CutParams) []int {
	t.Helper()
	c, err := newCutter(bytes.NewReader(b))
	mustDo(t, err)
	if p == LargeCut {
		c.span(ContentSpan{Start: 0, End: int64(len(b))})
	}
	var sizes []int
	mustDo(t, c.run(func(ch []byte) error { sizes = append(sizes, len(ch)); return nil }))
	return sizes
}
