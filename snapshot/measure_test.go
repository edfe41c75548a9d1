package snapshot

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestMeasureCountsAsWriteAndExtract: the walk before a snapshot counts what
// the snapshot then archives, the progress of WriteChunks adds up to the source
// bytes, and extracting the archive counts the same files (symlinks
// included, and told apart) — the snapshot and the restore say the same.
func TestMeasureCountsAsWriteAndExtract(t *testing.T) {
	src := filepath.Join(t.TempDir(), "app")
	buildTree(t, src)
	writeFile(t, filepath.Join(src, "log/x.log"), []byte("excluded"), 0o644)
	s := Source{Paths: []string{src}, Exclude: []string{"**/log/**"}}
	measured, err := Measure(context.Background(), s)
	mustDo(t, err)
	var read atomic.Int64
	out := t.TempDir()
	res, err := writeTo(context.Background(), s, ChunkOptions{Progress: func(n int64) { read.Add(n) }}, out)
	mustDo(t, err)
	got := res.Summary
	if measured.Files != got.Files || measured.Symlinks != got.Symlinks || measured.Dirs != got.Dirs || measured.Bytes != got.Bytes {
		t.Fatalf("Measure = %+v, WriteChunks' summary = %+v", measured, got)
	}
	if got.Symlinks != 2 || got.Bytes < 3<<20 {
		t.Fatalf("summary %+v: want 2 symlinks and the 3 MiB file", got)
	}
	if read.Load() != got.Bytes {
		t.Fatalf("progress reported %d bytes read, the summary %d", read.Load(), got.Bytes)
	}
	r := openArchive(context.Background(), out, res.List())
	defer r.Close()
	st, err := ExtractTar(context.Background(), r, t.TempDir(), ExtractOptions{})
	mustDo(t, err)
	if st.Files+st.Symlinks != got.Files || st.Symlinks != got.Symlinks || st.Bytes != got.Bytes {
		t.Fatalf("extract counted %+v, the snapshot %+v", st, got)
	}
}

// TestMeasureCancelled: the walk yields to the end of its context.
func TestMeasureCancelled(t *testing.T) {
	src := filepath.Join(t.TempDir(), "app")
	buildTree(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Measure(ctx, Source{Paths: []string{src}}); err == nil {
		t.Fatal("Measure of a cancelled context returned no error")
	}
}
