package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// corpusVersion changes whenever the generator does, so that a cached corpus
// made by an older generator is made again.
const corpusVersion = "strata-bench corpus v1"

// The shares of the corpus: compressible text in large files, incompressible
// binary, and many small text files (a source tree, a mail spool).
const (
	textShare   = 0.40
	smallShare  = 0.15
	smallMin    = 512
	smallMax    = 8 << 10
	smallPerDir = 500
)

// corpus is a generated source tree.
type corpus struct {
	Dir   string `json:"dir"`
	Bytes int64  `json:"bytes"`
	Files int    `json:"files"`
}

// makeCorpus generates (or reuses) the deterministic corpus of about size
// bytes under work: the same size always gives the same bytes.
func makeCorpus(work string, size int64) (*corpus, error) {
	dir := filepath.Join(work, fmt.Sprintf("corpus-%d", size))
	marker := dir + ".done"
	c := &corpus{Dir: dir}
	if b, err := os.ReadFile(marker); err == nil {
		if _, err := fmt.Sscanf(strings.TrimPrefix(string(b), corpusVersion+"\n"), "%d %d", &c.Bytes, &c.Files); err == nil && strings.HasPrefix(string(b), corpusVersion+"\n") {
			return c, nil
		}
	}
	logf("generating a %s corpus in %s", human(size), dir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	g := &generator{rng: rand.New(rand.NewPCG(uint64(size), 42)), words: vocabulary(), c: c}
	text := int64(float64(size) * textShare)
	small := int64(float64(size) * smallShare)
	steps := []func() error{
		func() error { return g.bigFiles(filepath.Join(dir, "text"), text, 1<<20, 8<<20, g.text) },
		func() error {
			return g.bigFiles(filepath.Join(dir, "binary"), size-text-small, 1<<20, 32<<20, g.binary)
		},
		func() error { return g.smallFiles(filepath.Join(dir, "small"), small) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return c, os.WriteFile(marker, fmt.Appendf(nil, "%s\n%d %d\n", corpusVersion, c.Bytes, c.Files), 0o644)
}

// generator writes deterministic file contents.
type generator struct {
	rng   *rand.Rand
	words []string
	c     *corpus
}

// bigFiles writes files of min..max bytes under dir until total bytes.
func (g *generator) bigFiles(dir string, total, lo, hi int64, fill func(*bufio.Writer, int64) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; total > 0; i++ {
		n := min(total, lo+g.rng.Int64N(hi-lo))
		if err := g.file(filepath.Join(dir, fmt.Sprintf("f%04d.dat", i)), n, fill); err != nil {
			return err
		}
		total -= n
	}
	return nil
}

// smallFiles writes files of smallMin..smallMax bytes, smallPerDir to a
// directory, until total bytes.
func (g *generator) smallFiles(dir string, total int64) error {
	for i := 0; total > 0; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/smallPerDir))
		if i%smallPerDir == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		n := min(total, smallMin+g.rng.Int64N(smallMax-smallMin))
		if err := g.file(filepath.Join(sub, fmt.Sprintf("f%05d.txt", i)), n, g.text); err != nil {
			return err
		}
		total -= n
	}
	return nil
}

func (g *generator) file(name string, n int64, fill func(*bufio.Writer, int64) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fill(w, n)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	g.c.Bytes += n
	g.c.Files++
	return err
}

// text writes n bytes of lines of words: zstd -3 makes it about 3 times smaller.
func (g *generator) text(w *bufio.Writer, n int64) error {
	for n > 0 {
		word := g.words[g.rng.IntN(len(g.words))]
		sep := " "
		if g.rng.IntN(12) == 0 {
			sep = "\n"
		}
		s := word + sep
		if int64(len(s)) > n {
			s = s[:n]
		}
		w.WriteString(s)
		n -= int64(len(s))
	}
	return nil
}

// binary writes n bytes of incompressible ChaCha8 output.
func (g *generator) binary(w *bufio.Writer, n int64) error {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(g.rng.Uint32())
	}
	src := rand.NewChaCha8(seed)
	buf := make([]byte, 1<<16)
	for n > 0 {
		k := min(n, int64(len(buf)))
		src.Read(buf[:k])
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// vocabulary returns 4096 deterministic pseudo-words.
func vocabulary() []string {
	rng := rand.New(rand.NewPCG(7, 7))
	words := make([]string, 4096)
	for i := range words {
		b := make([]byte, 2+rng.IntN(9))
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		words[i] = string(b)
	}
	return words
}

// human formats a byte count with binary units.
func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
