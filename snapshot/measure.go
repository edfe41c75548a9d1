package snapshot

import (
	"context"
	"io/fs"
)

// Measure walks src as Write would, without reading any file, and counts
// what an archive of it would hold: files (regular files and symlinks, as
// SourceSummary counts them), symlinks, directories and the bytes of the
// regular files. It is an estimate made before a snapshot — for its progress
// and for a destination's min_free — so an entry it cannot stat is left
// out rather than failing; only the end of ctx stops it with an error.
func Measure(ctx context.Context, src Source) (SourceSummary, error) {
	var sum SourceSummary
	src, err := src.check()
	if err != nil {
		return sum, err
	}
	a := &archiver{ctx: ctx, src: src, exclude: excluder{src.Exclude}}
	for e := range a.walkAll() {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if e.d == nil || e.name == "" {
			continue
		}
		countEntry(&sum, e.d)
	}
	sum.Paths = src.Paths
	return sum, ctx.Err()
}

// countEntry adds one walked entry to sum.
func countEntry(sum *SourceSummary, d fs.DirEntry) {
	switch t := d.Type(); {
	case t.IsDir():
		sum.Dirs++
	case t&fs.ModeSymlink != 0:
		sum.Files++
		sum.Symlinks++
	case t.IsRegular():
		if fi, err := d.Info(); err == nil {
			sum.Files++
			sum.Bytes += fi.Size()
		}
	}
}
