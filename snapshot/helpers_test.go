package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// writeTo archives s into a chunk store rooted at root, as the executor
// does into a destination root.
func writeTo(ctx context.Context, s Source, opts ChunkOptions, root string) (*ChunkedResult, error) {
	return WriteChunks(ctx, s, opts, &dirChunkStore{root: root})
}

// openArchive returns the tar stream of list, stored under root.
func openArchive(ctx context.Context, root string, list ChunkList) io.ReadCloser {
	return ReadChunks(ctx, list, (&dirChunkStore{root: root}).fetch, 4)
}

// flipByte returns a damage that flips one bit of byte at of the file name
// under out.
func flipByte(name string, at int64) func(*testing.T, string) {
	return func(t *testing.T, out string) {
		p := filepath.Join(out, name)
		b, err := os.ReadFile(p)
		mustDo(t, err)
		b[at] ^= 0x40
		mustDo(t, os.WriteFile(p, b, 0o644))
	}
}

// writeFile writes a file, making its parents, and sets its mode and time.
func writeFile(t testing.TB, p string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// buildTree makes a tree with nested and empty dirs, a symlink, an empty
// file, a 3 MiB random file and a name with spaces and Unicode.
func buildTree(t testing.TB, root string) {
	t.Helper()
	writeFile(t, filepath.Join(root, "a/b/c/deep.txt"), []byte("deep\n"), 0o640)
	writeFile(t, filepath.Join(root, "a/run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o755)
	writeFile(t, filepath.Join(root, "zero"), nil, 0o644)
	writeFile(t, filepath.Join(root, "big.bin"), randomBytes(t, 3<<20), 0o600)
	writeFile(t, filepath.Join(root, "with space ünïcödé ✓.txt"), []byte("hello"), 0o644)
	mustDo(t, os.MkdirAll(filepath.Join(root, "empty"), 0o750))
	mustDo(t, os.Symlink("a/b", filepath.Join(root, "link")))
	mustDo(t, os.Symlink("../zero", filepath.Join(root, "a/up")))
	mtime := time.Date(2023, 1, 2, 3, 4, 5, 600, time.UTC)
	for _, d := range []string{"empty", "a/b/c", "a/b", "a", "."} {
		mustDo(t, os.Chtimes(filepath.Join(root, d), mtime, mtime))
	}
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// compareTrees checks that got holds the same tree as want: types, modes,
// contents, symlink targets and modification times.
func compareTrees(t *testing.T, want, got string) {
	t.Helper()
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		compareEntry(t, p, filepath.Join(got, rel), rel)
		return nil
	})
	mustDo(t, err)
	countEntries := func(root string) (n int) {
		filepath.WalkDir(root, func(string, fs.DirEntry, error) error { n++; return nil })
		return n
	}
	if a, b := countEntries(want), countEntries(got); a != b {
		t.Errorf("source has %d entries, extracted %d", a, b)
	}
}

func compareEntry(t *testing.T, wantPath, gotPath, rel string) {
	t.Helper()
	w, err := os.Lstat(wantPath)
	mustDo(t, err)
	g, err := os.Lstat(gotPath)
	if err != nil {
		t.Errorf("%s: %v", rel, err)
		return
	}
	if w.Mode() != g.Mode() {
		t.Errorf("%s: mode %v, want %v", rel, g.Mode(), w.Mode())
	}
	switch {
	case w.Mode()&fs.ModeSymlink != 0:
		wl, _ := os.Readlink(wantPath)
		gl, _ := os.Readlink(gotPath)
		if wl != gl {
			t.Errorf("%s: symlink to %q, want %q", rel, gl, wl)
		}
		return
	case w.Mode().IsRegular():
		wb, _ := os.ReadFile(wantPath)
		gb, _ := os.ReadFile(gotPath)
		if !bytes.Equal(wb, gb) {
			t.Errorf("%s: contents differ", rel)
		}
	}
	if !w.ModTime().Equal(g.ModTime()) {
		t.Errorf("%s: mtime %v, want %v", rel, g.ModTime(), w.ModTime())
	}
}

// entry is one entry of a hand-made archive.
type entry struct {
	name, link string
	typ        byte
	body       string
	pax        map[string]string // extra PAX records, e.g. SCHILY.xattr.*
	major      int64             // of a device node
}

// craft builds a tar+zstd archive from entries, whatever their names.
func craft(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)),
			Format: tar.FormatPAX, PAXRecords: e.pax, Devmajor: e.major}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		mustDo(t, tw.WriteHeader(hdr))
		if hdr.Size > 0 {
			_, err := tw.Write([]byte(e.body))
			mustDo(t, err)
		}
	}
	mustDo(t, tw.Close())
	return compress(t, tb.Bytes())
}

func compress(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	mustDo(t, err)
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// listArchive returns the entry names of a stored archive.
func listArchive(t *testing.T, root string, list ChunkList) []string {
	t.Helper()
	r := openArchive(context.Background(), root, list)
	defer r.Close()
	tr := tar.NewReader(r)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		}
		mustDo(t, err)
		names = append(names, hdr.Name)
	}
}

// hasName reports whether names has an entry ending in suffix.
func hasName(names []string, suffix string) bool {
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	return false
}
