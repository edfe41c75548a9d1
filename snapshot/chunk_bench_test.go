package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// benchCorpusSize is the size of the generated corpus of the chunk
// benchmarks: STRATA_CHUNK_BENCH_MIB MiB, 96 by default.
func benchCorpusSize(b *testing.B) int64 {
	mib := int64(96)
	if s := os.Getenv("STRATA_CHUNK_BENCH_MIB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("STRATA_CHUNK_BENCH_MIB=%q: want a positive number", s)
		}
		mib = n
	}
	return mib << 20
}

// benchCorpus writes a corpus shaped like make bench's: 40% text in files
// of 1–8 MiB, 45% random binary in files of 1–32 MiB, 15% small text
// files of 0.5–8 KiB, 500 to a directory. It returns the big files.
func benchCorpus(b *testing.B, root string, size int64) (big []string, small []string) {
	rng := rand.New(rand.NewPCG(uint64(size), 42))
	words := strings.Fields("the of and to in is that for it as with was on be by at this from or an are which backup chunk stream tar file store snapshot destination tier")
	text := func(n int64) []byte {
		var buf bytes.Buffer
		for int64(buf.Len()) < n {
			buf.WriteString(words[rng.IntN(len(words))])
			buf.WriteByte(" \n"[rng.IntN(12)/11])
		}
		return buf.Bytes()[:n]
	}
	bin := func(n int64) []byte { return seededBytes(rng.Uint64(), int(n)) }
	write := func(name string, data []byte) {
		writeFile(b, filepath.Join(root, name), data, 0o644)
	}
	for i, left := 0, size*40/100; left > 0; i++ {
		n := min(left, 1<<20+rng.Int64N(7<<20))
		name := fmt.Sprintf("text/f%04d.txt", i)
		write(name, text(n))
		big, left = append(big, name), left-n
	}
	for i, left := 0, size*45/100; left > 0; i++ {
		n := min(left, 1<<20+rng.Int64N(31<<20))
		name := fmt.Sprintf("binary/f%04d.dat", i)
		write(name, bin(n))
		big, left = append(big, name), left-n
	}
	for i, left := 0, size*15/100; left > 0; i++ {
		n := min(left, 512+rng.Int64N(8<<10-512))
		name := fmt.Sprintf("small/d%03d/f%05d.txt", i/500, i)
		write(name, text(n))
		small, left = append(small, name), left-n
	}
	fixDirTimes(b, root)
	return big, small
}

// changeOnePercent changes about 1% of the corpus, as benchmark P9 does:
// some big files rewritten in part, small files touched, one file added.
func changeOnePercent(b *testing.B, root string, size int64, big, small []string) {
	rng := rand.New(rand.NewPCG(7, 7))
	budget := size / 100
	for i := 0; budget > size/300; i += 7 { // ~2/3 in rewrites of 64 KiB inside big files
		p := filepath.Join(root, big[i%len(big)])
		fi, err := os.Stat(p)
		mustDo(b, err)
		rewriteAt(b, p, rng.Int64N(fi.Size()-64<<10), seededBytes(rng.Uint64(), 64<<10))
		budget -= 64 << 10
	}
	for i := 0; budget > size/600; i += 97 { // small files rewritten whole
		p := filepath.Join(root, small[i%len(small)])
		data, err := os.ReadFile(p)
		mustDo(b, err)
		data[0] ^= 1
		writeFile(b, p, bytes.ToUpper(data), 0o644)
		budget -= int64(len(data))
	}
	writeFile(b, filepath.Join(root, "small/new.bin"), seededBytes(77, int(budget)), 0o644)
}

// discardStore answers Has from a set and counts what it is given.
type discardStore struct {
	have          *ChunkSet
	puts, putSize atomic.Int64
}

func (s *discardStore) Has(ctx context.Context, id ChunkID) (bool, error) {
	return s.have != nil && s.have.Has(id), nil
}

func (s *discardStore) Put(ctx context.Context, id ChunkID, frame []byte) error {
	s.puts.Add(1)
	s.putSize.Add(int64(len(frame)))
	return nil
}

// BenchmarkChunkCut measures the cutter alone over a random stream, with
// the small and the large parameters.
func BenchmarkChunkCut(b *testing.B) {
	data := seededBytes(5, 64<<20)
	for _, tc := range []struct {
		name  string
		spans []ContentSpan
	}{{"small", nil}, {"large", []ContentSpan{{Start: 0, End: int64(len(data))}}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var chunks int
			for b.Loop() {
				c, err := newCutter(bytes.NewReader(data))
				mustDo(b, err)
				for _, s := range tc.spans {
					c.span(s)
				}
				chunks = 0
				mustDo(b, c.run(func([]byte) error { chunks++; return nil }))
			}
			b.ReportMetric(float64(chunks)/float64(len(data))*(1<<30), "chunks/GiB")
		})
	}
}

// BenchmarkWriteChunks measures a first snapshot of the generated corpus:
// archive, cut, hash and compress every chunk (the store keeps nothing).
func BenchmarkWriteChunks(b *testing.B) {
	size := benchCorpusSize(b)
	root := filepath.Join(b.TempDir(), "corpus")
	benchCorpus(b, root, size)
	b.SetBytes(size)
	var res *ChunkedResult
	for b.Loop() {
		var err error
		res, err = WriteChunks(context.Background(), Source{Paths: []string{root}}, ChunkOptions{}, &discardStore{})
		mustDo(b, err)
	}
	b.ReportMetric(float64(len(res.Chunks))/float64(res.Size)*(1<<30), "chunks/GiB")
	b.ReportMetric(float64(res.Added)/float64(res.Size)*100, "stored-%")
}

// BenchmarkChunkDedup measures the next snapshot after ~1% of the corpus
// changed, with Has answered from the first snapshot's chunk list as the
// executor will: what it stores, and how fast.
func BenchmarkChunkDedup(b *testing.B) {
	size := benchCorpusSize(b)
	root := filepath.Join(b.TempDir(), "corpus")
	big, small := benchCorpus(b, root, size)
	first, err := WriteChunks(context.Background(), Source{Paths: []string{root}}, ChunkOptions{}, &discardStore{})
	mustDo(b, err)
	have := NewChunkSet()
	have.AddList(first.Chunks)
	changeOnePercent(b, root, size, big, small)
	b.SetBytes(size)
	var res *ChunkedResult
	for b.Loop() {
		res, err = WriteChunks(context.Background(), Source{Paths: []string{root}}, ChunkOptions{}, &discardStore{have: have})
		mustDo(b, err)
	}
	var newRaw int64
	for _, c := range newIDs(first.Chunks, res.Chunks) {
		newRaw += c.Size
	}
	b.ReportMetric(float64(len(first.Chunks))/float64(first.Size)*(1<<30), "chunks/GiB")
	b.ReportMetric(float64(res.AddedChunks), "new-chunks")
	b.ReportMetric(float64(newRaw)/float64(res.Size)*100, "new-raw-%")
	b.ReportMetric(float64(res.Added)/float64(first.Added)*100, "new-stored-%")
}

// Known answers from the set, as the executor's chunk store does from its
// parents' chunk lists.
func (s *discardStore) Known(id ChunkID) bool { return s.have != nil && s.have.Has(id) }

// BenchmarkFileCache measures the next snapshot after ~1% of the corpus
// changed, without and with the first snapshot's file cache: how much of
// the stream is cut, and how fast.
func BenchmarkFileCache(b *testing.B) {
	size := benchCorpusSize(b)
	root := filepath.Join(b.TempDir(), "corpus")
	big, small := benchCorpus(b, root, size)
	path := filepath.Join(b.TempDir(), "files.cache")
	c, _ := LoadFileCache(path)
	first, err := WriteChunks(context.Background(), Source{Paths: []string{root}}, ChunkOptions{Cache: c}, &discardStore{})
	mustDo(b, err)
	mustDo(b, c.Save())
	saved, err := os.ReadFile(path)
	mustDo(b, err)
	have := NewChunkSet()
	have.AddList(first.Chunks)
	changeOnePercent(b, root, size, big, small)
	for _, cached := range []bool{false, true} {
		b.Run(map[bool]string{false: "without", true: "with"}[cached], func(b *testing.B) {
			b.SetBytes(size)
			var res *ChunkedResult
			for b.Loop() {
				var c *FileCache
				if cached {
					b.StopTimer()
					mustDo(b, os.WriteFile(path, saved, 0o600)) // the first snapshot's, every time
					b.StartTimer()
					c, _ = LoadFileCache(path)
				}
				res, err = WriteChunks(context.Background(), Source{Paths: []string{root}}, ChunkOptions{Cache: c}, &discardStore{have: have})
				mustDo(b, err)
				mustDo(b, c.Save())
			}
			b.ReportMetric(float64(res.CutBytes)/float64(res.Size)*100, "cut-%")
			b.ReportMetric(float64(res.CacheFallbacks), "fallbacks")
		})
	}
}
