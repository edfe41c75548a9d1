package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// A day's change to the P9–P11 tree, as shares of the corpus size: about 1%
// in all.
const (
	bigRewriteShare   = 0.007 // regions of large files rewritten in place
	smallRewriteShare = 0.002 // small files given new contents
	addedShare        = 0.001 // one new file
	regionMin         = 64 << 10
	regionMax         = 512 << 10
)

// churn is what one day's mutation changed.
type churn struct {
	Day           int     `json:"day"`
	BigFiles      int     `json:"big_files"`      // large files with a region rewritten
	BigBytes      int64   `json:"big_bytes"`      // bytes rewritten in them
	SmallFiles    int     `json:"small_files"`    // small files with new contents
	SmallBytes    int64   `json:"small_bytes"`    // their new sizes, summed
	Touched       int     `json:"touched"`        // small files whose mtime alone changed
	AddedBytes    int64   `json:"added_bytes"`    // the size of the one new file
	ChangedBytes  int64   `json:"changed_bytes"`  // BigBytes + SmallBytes + AddedBytes
	CorpusPercent float64 `json:"corpus_percent"` // ChangedBytes over the corpus
}

// mutate changes the tree dir (a copy of a corpus of size bytes) as day
// `day` does: seeded by the day and the size, so the same day of the same
// corpus always changes the same bytes. Regions of large files are
// rewritten in place with new content of their kind (text or random), some
// small files get new text and as many others a new mtime only, and one
// file is added.
func mutate(dir string, size int64, day int) (*churn, error) {
	big, small, err := listTree(dir)
	if err != nil {
		return nil, err
	}
	if len(big) == 0 || len(small) == 0 {
		return nil, fmt.Errorf("%s: no large or no small files to change", dir)
	}
	g := &generator{rng: rand.New(rand.NewPCG(uint64(size), uint64(day)<<8|0x5e)), words: vocabulary(), c: &corpus{}}
	ch := &churn{Day: day}
	steps := []func() error{
		func() error { return g.rewriteRegions(big, int64(float64(size)*bigRewriteShare), ch) },
		func() error { return g.rewriteSmall(small, int64(float64(size)*smallRewriteShare), day, ch) },
		func() error { return g.addFile(dir, max(int64(float64(size)*addedShare), 4<<10), day, ch) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	ch.ChangedBytes = ch.BigBytes + ch.SmallBytes + ch.AddedBytes
	ch.CorpusPercent = 100 * float64(ch.ChangedBytes) / float64(size)
	return ch, nil
}

// listTree returns the files of at least LargeFile bytes and the smaller
// ones under dir, each in lexical order.
func listTree(dir string) (big, small []string, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Size() >= 1<<20 {
			big = append(big, p)
		} else {
			small = append(small, p)
		}
		return nil
	})
	return big, small, err
}

// rewriteRegions overwrites regions of regionMin..regionMax bytes at random
// places of random large files until budget bytes.
func (g *generator) rewriteRegions(files []string, budget int64, ch *churn) error {
	seen := map[string]bool{}
	for budget > 0 {
		name := files[g.rng.IntN(len(files))]
		fi, err := os.Stat(name)
		if err != nil {
			return err
		}
		n := min(budget, regionMin+g.rng.Int64N(regionMax-regionMin), fi.Size())
		at := g.rng.Int64N(fi.Size() - n + 1)
		if err := g.overwrite(name, at, n); err != nil {
			return err
		}
		if !seen[name] {
			seen[name] = true
			ch.BigFiles++
		}
		ch.BigBytes += n
		budget -= n
	}
	return nil
}

// overwrite writes n new bytes at offset at of name: text into the text
// files, random bytes into the others.
func (g *generator) overwrite(name string, at, n int64) error {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fill := g.binary
	if filepath.Base(filepath.Dir(name)) == "text" {
		fill = g.text
	}
	if err := fill(w, n); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(buf.Bytes(), at)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// rewriteSmall gives random small files new text of a new size until budget
// bytes, and as many others a new mtime (the day's) with the same contents.
func (g *generator) rewriteSmall(files []string, budget int64, day int, ch *churn) error {
	for budget > 0 {
		name := files[g.rng.IntN(len(files))]
		n := smallMin + g.rng.Int64N(smallMax-smallMin)
		if err := g.file(name, n, g.text); err != nil {
			return err
		}
		ch.SmallFiles++
		ch.SmallBytes += n
		budget -= n
	}
	when := time.Date(2026, 1, 1+day, 0, 30, 0, 0, time.UTC)
	for range ch.SmallFiles {
		if err := os.Chtimes(files[g.rng.IntN(len(files))], when, when); err != nil {
			return err
		}
		ch.Touched++
	}
	return nil
}

// addFile adds one random file of n bytes next to the large binary files.
func (g *generator) addFile(dir string, n int64, day int, ch *churn) error {
	name := filepath.Join(dir, "binary", fmt.Sprintf("added-day%02d.dat", day))
	if err := g.file(name, n, g.binary); err != nil {
		return err
	}
	ch.AddedBytes = n
	return nil
}
