package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

// jail is a target directory next to an outside directory holding a sentinel.
type jail struct{ base, dst, outside string }

func newJail(t testing.TB) jail {
	base := t.TempDir()
	j := jail{base: base, dst: filepath.Join(base, "dst"), outside: filepath.Join(base, "outside")}
	mustDo(t, os.MkdirAll(j.dst, 0o755))
	mustDo(t, os.MkdirAll(j.outside, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(j.outside, "sentinel"), []byte("untouched"), 0o644))
	return j
}

// untouched checks that nothing was written outside dst.
func (j jail) untouched(t testing.TB) {
	t.Helper()
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		mustDo(t, err)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if got := names(j.base); !slices.Equal(got, []string{"dst", "outside"}) {
		t.Errorf("base holds %v", got)
	}
	if got := names(j.outside); !slices.Equal(got, []string{"sentinel"}) {
		t.Errorf("outside holds %v", got)
	}
	sentinel := filepath.Join(j.outside, "sentinel")
	if b, _ := os.ReadFile(sentinel); string(b) != "untouched" {
		t.Errorf("sentinel now holds %q", b)
	}
	if fi, err := os.Lstat(sentinel); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink != 1 {
			t.Errorf("sentinel has %d links: linked from the target", st.Nlink)
		}
	}
	for _, p := range []string{j.outside, sentinel} {
		if n, _ := unix.Llistxattr(p, make([]byte, 1024)); n > 0 {
			t.Errorf("%s was given extended attributes", p)
		}
	}
}

// preSymlink makes dst/pre a symlink to what is outside.
func (j jail) preSymlink(t testing.TB, to string) {
	mustDo(t, os.Symlink(filepath.Join(j.outside, to), filepath.Join(j.dst, "pre")))
}

func TestExtractRefusesEscapes(t *testing.T) {
	reg := func(name string) entry { return entry{name: name, typ: tar.TypeReg, body: "evil"} }
	sym := func(name, link string) entry { return entry{name: name, link: link, typ: tar.TypeSymlink} }
	for name, mk := range map[string]func(j jail) []entry{
		"dotdot":        func(j jail) []entry { return []entry{reg("../evil")} },
		"absolute":      func(j jail) []entry { return []entry{reg(filepath.Join(j.outside, "evil"))} },
		"climb":         func(j jail) []entry { return []entry{reg("a/../../evil")} },
		"abs-sentinel":  func(j jail) []entry { return []entry{reg(filepath.Join(j.outside, "sentinel"))} },
		"symlink-abs":   func(j jail) []entry { return []entry{sym("l", j.outside), reg("l/evil")} },
		"symlink-up":    func(j jail) []entry { return []entry{sym("l", "../outside"), reg("l/evil")} },
		"symlink-up2":   func(j jail) []entry { return []entry{sym("d/l", "../.."), reg("d/l/outside/evil")} },
		"symlink-chain": func(j jail) []entry { return []entry{sym("t", "."), sym("s", "t/../outside"), reg("s/evil")} },
		"symlink-over":  func(j jail) []entry { return []entry{sym("l", "../outside/sentinel"), reg("l")} },
		"hardlink-up":   func(j jail) []entry { return []entry{{name: "h", link: "../outside/sentinel", typ: tar.TypeLink}} },
		"hardlink-abs": func(j jail) []entry {
			return []entry{{name: "h", link: filepath.Join(j.outside, "sentinel"), typ: tar.TypeLink}}
		},
		"hardlink-pre-symlink": func(j jail) []entry {
			j.preSymlink(t, "sentinel")
			return []entry{{name: "h", link: "pre", typ: tar.TypeLink}}
		},
		"hardlink-through-symlink": func(j jail) []entry {
			j.preSymlink(t, "")
			return []entry{{name: "h", link: "pre/sentinel", typ: tar.TypeLink}}
		},
		"hardlink-symlink-entry": func(j jail) []entry {
			return []entry{sym("s", "../outside/sentinel"), {name: "h", link: "s", typ: tar.TypeLink}}
		},
		"hardlink-dir": func(j jail) []entry {
			return []entry{{name: "d/", typ: tar.TypeDir}, {name: "h", link: "d", typ: tar.TypeLink}}
		},
		"hardlink-absent": func(j jail) []entry { return []entry{{name: "h", link: "nothing", typ: tar.TypeLink}} },
		"device-up":       func(j jail) []entry { return []entry{{name: "../outside/dev", typ: tar.TypeChar, major: 1}} },
		"device-through-symlink": func(j jail) []entry {
			j.preSymlink(t, "")
			return []entry{{name: "pre/dev", typ: tar.TypeChar, major: 1}, {name: "pre/fifo", typ: tar.TypeFifo}}
		},
		"xattr-through-symlink": func(j jail) []entry {
			j.preSymlink(t, "")
			x := map[string]string{"SCHILY.xattr.user.evil": "1"}
			return []entry{{name: "pre/f", typ: tar.TypeReg, body: "x", pax: x}, {name: "pre/sentinel", typ: tar.TypeReg, pax: x}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			j := newJail(t)
			_, err := Extract(context.Background(), bytes.NewReader(craft(t, mk(j)...)), j.dst, ExtractOptions{Overwrite: true})
			if err == nil {
				t.Error("Extract succeeded")
			}
			j.untouched(t)
			// Allowed to make symlinks out, it still writes and links nothing there.
			j = newJail(t)
			Extract(context.Background(), bytes.NewReader(craft(t, mk(j)...)), j.dst, ExtractOptions{Overwrite: true, AbsoluteSymlinks: true})
			j.untouched(t)
		})
	}
}

func TestExtractAbsoluteSymlinksNeverTraversed(t *testing.T) {
	j := newJail(t)
	a := craft(t, entry{name: "l", link: j.outside, typ: tar.TypeSymlink}, entry{name: "l/evil", typ: tar.TypeReg, body: "x"})
	_, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{AbsoluteSymlinks: true})
	if err == nil {
		t.Error("Extract wrote through a symlink")
	}
	j.untouched(t)
	if got, _ := os.Readlink(filepath.Join(j.dst, "l")); got != j.outside {
		t.Errorf("symlink l -> %q, want %q", got, j.outside)
	}
}

func TestExtractRefusesPreexistingSymlink(t *testing.T) {
	j := newJail(t)
	mustDo(t, os.Symlink(j.outside, filepath.Join(j.dst, "pre")))
	a := craft(t, entry{name: "pre/evil", typ: tar.TypeReg, body: "x"})
	if _, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{Overwrite: true}); err == nil {
		t.Error("Extract wrote through a symlink found in the target")
	}
	j.untouched(t)
}

func TestExtractAllowsSafeSymlinks(t *testing.T) {
	j := newJail(t)
	a := craft(t,
		entry{name: "d/", typ: tar.TypeDir},
		entry{name: "d/f", typ: tar.TypeReg, body: "f"},
		entry{name: "d/up", link: "../d/f", typ: tar.TypeSymlink},
		entry{name: "here", link: ".", typ: tar.TypeSymlink},
		entry{name: "./d/g", typ: tar.TypeReg, body: "g"},
	)
	_, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{})
	mustDo(t, err)
	if b, err := os.ReadFile(filepath.Join(j.dst, "d/up")); err != nil || string(b) != "f" {
		t.Errorf("d/up: %q, %v", b, err)
	}
	j.untouched(t)
}

func TestExtractOverwrite(t *testing.T) {
	j := newJail(t)
	writeFile(t, filepath.Join(j.dst, "f"), []byte("old"), 0o644)
	a := craft(t, entry{name: "f", typ: tar.TypeReg, body: "new"})
	if _, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{}); err == nil {
		t.Error("Extract replaced a file without Overwrite")
	}
	_, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{Overwrite: true})
	mustDo(t, err)
	if b, _ := os.ReadFile(filepath.Join(j.dst, "f")); string(b) != "new" {
		t.Errorf("f holds %q", b)
	}
	mustDo(t, os.Mkdir(filepath.Join(j.dst, "d"), 0o755))
	a = craft(t, entry{name: "d", typ: tar.TypeReg, body: "x"})
	if _, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{Overwrite: true}); err == nil {
		t.Error("Extract replaced a directory with a file")
	}
}

func TestExtractInclude(t *testing.T) {
	j := newJail(t)
	a := craft(t,
		entry{name: "home/app/", typ: tar.TypeDir},
		entry{name: "home/app/keep/a", typ: tar.TypeReg, body: "a"},
		entry{name: "home/app/drop/b", typ: tar.TypeReg, body: "b"},
		entry{name: "hooks/db/dump", typ: tar.TypeReg, body: "d"},
	)
	stats, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{Include: []string{"home/app/keep", "hooks/**", "srv/none"}})
	mustDo(t, err)
	for p, want := range map[string]bool{"home/app/keep/a": true, "home/app/drop/b": false, "hooks/db/dump": true} {
		if _, err := os.Stat(filepath.Join(j.dst, p)); (err == nil) != want {
			t.Errorf("%s: exists = %v, want %v", p, err == nil, want)
		}
	}
	if stats.Skipped != 2 || stats.Files != 2 || len(stats.Unmatched) != 1 || stats.Unmatched[0] != "srv/none" {
		t.Errorf("stats = %+v, want 2 skipped, 2 files and srv/none unmatched", stats)
	}
}

func TestExtractDirModeAndTimeLast(t *testing.T) {
	j := newJail(t)
	mtime := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	mustDo(t, tw.WriteHeader(&tar.Header{Name: "ro/", Typeflag: tar.TypeDir, Mode: 0o555, ModTime: mtime}))
	mustDo(t, tw.WriteHeader(&tar.Header{Name: "ro/f", Typeflag: tar.TypeReg, Mode: 0o444, Size: 1, ModTime: mtime}))
	tw.Write([]byte("x"))
	mustDo(t, tw.Close())
	_, err := Extract(context.Background(), bytes.NewReader(compress(t, tb.Bytes())), j.dst, ExtractOptions{})
	mustDo(t, err)
	t.Cleanup(func() { os.Chmod(filepath.Join(j.dst, "ro"), 0o755) })
	for p, mode := range map[string]os.FileMode{"ro": os.ModeDir | 0o555, "ro/f": 0o444} {
		fi, err := os.Stat(filepath.Join(j.dst, p))
		mustDo(t, err)
		if fi.Mode() != mode || !fi.ModTime().Equal(mtime) {
			t.Errorf("%s: %v %v, want %v %v", p, fi.Mode(), fi.ModTime(), mode, mtime)
		}
	}
}

func TestExtractGarbage(t *testing.T) {
	j := newJail(t)
	for _, b := range [][]byte{nil, []byte("not zstd at all"), compress(t, []byte("not tar"))} {
		if _, err := Extract(context.Background(), bytes.NewReader(b), j.dst, ExtractOptions{}); err == nil && len(b) > 0 {
			t.Errorf("Extract(%q) succeeded", b)
		}
	}
	j.untouched(t)
}

func TestEntryName(t *testing.T) {
	for raw, want := range map[string]string{
		"a/b": "a/b", "a/b/": "a/b", "./a": "a", "home/v2/x y": "home/v2/x y",
		"../a": "", "/a": "", "a/../b": "", "a//b": "", "a/./b": "", "": "", ".": "", "./": "", "a\x00b": "", "..": "",
	} {
		got, err := entryName(raw)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("entryName(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestCheckLinkTarget(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		ok           bool
	}{
		{"l", "a/b", true}, {"l", ".", true}, {"d/l", "../x", true}, {"d/e/l", "../../x/y", true},
		{"l", "../x", false}, {"d/l", "../../x", false}, {"l", "/etc", false}, {"l", "a/../..", false},
		{"l", "t/..", false}, {"l", "", false},
	} {
		if err := checkLinkTarget(tc.name, tc.target); (err == nil) != tc.ok {
			t.Errorf("checkLinkTarget(%q, %q) = %v, want ok=%v", tc.name, tc.target, err, tc.ok)
		}
	}
}

// sparseBomb is a PAX GNU sparse 1.0 entry of a few bytes that stands for a
// 1 TiB file. tar.Writer refuses GNU.sparse records, so they are written under
// another key of the same length and patched in.
func sparseBomb(t testing.TB) []byte {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	sparseMap := "1\n1099511627775\n1\n"
	body := sparseMap + strings.Repeat("\x00", 512-len(sparseMap)) + "x"
	hdr := &tar.Header{Name: "GNUSparseFile.0/f", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body)), Format: tar.FormatPAX,
		PAXRecords: map[string]string{"GNU.sparsX.major": "1", "GNU.sparsX.minor": "0", "GNU.sparsX.name": "f", "GNU.sparsX.realsize": "1099511627776"}}
	mustDo(t, tw.WriteHeader(hdr))
	_, err := tw.Write([]byte(body))
	mustDo(t, err)
	mustDo(t, tw.Close())
	return compress(t, bytes.ReplaceAll(tb.Bytes(), []byte("GNU.sparsX."), []byte("GNU.sparse.")))
}

func TestExtractRefusesSparse(t *testing.T) {
	dec, err := zstd.NewReader(bytes.NewReader(sparseBomb(t)))
	mustDo(t, err)
	hdr, err := tar.NewReader(dec).Next()
	dec.Close()
	if err != nil || hdr.Size != 1<<40 {
		t.Fatalf("the bomb is a dud: %v, %+v", err, hdr)
	}
	j := newJail(t)
	_, err = Extract(context.Background(), bytes.NewReader(sparseBomb(t)), j.dst, ExtractOptions{})
	if err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Errorf("err = %v, want a refusal of the sparse file", err)
	}
	if _, err := os.Stat(filepath.Join(j.dst, "f")); err == nil {
		t.Error("the sparse file was written")
	}
}

// buildWideTree makes a tree for the writers: many small files in a few
// directories, files around the chunk size, and a few large ones.
func buildWideTree(t testing.TB, root string) {
	t.Helper()
	for i := range 600 {
		p := filepath.Join(root, fmt.Sprintf("d%02d/sub/f%04d", i%12, i))
		writeFile(t, p, randomBytes(t, i*37%9000), fs.FileMode(0o600|i%2*0o044))
	}
	for i, n := range []int{chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 12345, 7 << 20} {
		writeFile(t, filepath.Join(root, fmt.Sprintf("big/b%d", i)), randomBytes(t, n), 0o640)
	}
	writeFile(t, filepath.Join(root, "empty"), nil, 0o644)
	mustDo(t, os.Symlink("big/b1", filepath.Join(root, "link")))
	mtime := time.Date(2022, 3, 4, 5, 6, 7, 890, time.UTC)
	for _, d := range []string{"d03/sub", "d03", "big", "."} {
		mustDo(t, os.Chtimes(filepath.Join(root, d), mtime, mtime))
	}
}

// writeArchive writes the tree src as chunks under out and returns them.
func writeArchive(t testing.TB, src string) (out string, list ChunkList) {
	t.Helper()
	out = t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	return out, res.List()
}

func TestExtractManyFilesInParallel(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildWideTree(t, src)
	out, list := writeArchive(t, src)
	for _, writers := range []int{1, 3, 16} {
		t.Run(fmt.Sprint(writers), func(t *testing.T) {
			setWriters(t, writers)
			dst := t.TempDir()
			stats, err := ExtractTar(context.Background(), openArchive(context.Background(), out, list), dst, ExtractOptions{})
			mustDo(t, err)
			compareTrees(t, src, filepath.Join(dst, archiveName(src)))
			if stats.Files != 606 || stats.Symlinks != 1 {
				t.Errorf("stats = %+v", stats)
			}
		})
	}
}

// setWriters sets the number of writers for the duration of a test.
func setWriters(t *testing.T, n int) {
	old := writers
	writers = func() int { return n }
	t.Cleanup(func() { writers = old })
}

// bigBody is the contents of a file the writers receive in chunks.
var bigBody = strings.Repeat("0123456789abcdef", (chunkSize+chunkSize/2)/16)

func TestExtractSamePathInOrder(t *testing.T) {
	big := func(name string) entry { return entry{name: name, typ: tar.TypeReg, body: bigBody} }
	small := func(name, body string) entry { return entry{name: name, typ: tar.TypeReg, body: body} }
	entries := []entry{big("busy"), big("f"), small("f", "second"), small("g", "first"), big("g")}
	want := map[string]string{"f": "second", "g": bigBody}
	for i := range 20 { // while the writers are busy, with the files still queued
		d, l, s := fmt.Sprint("d", i), fmt.Sprint("l", i), fmt.Sprint("s", i)
		entries = append(entries, small(d, "x"), entry{name: d + "/", typ: tar.TypeDir}, small(d+"/in", "in"),
			small(l, "x"), entry{name: l, link: "f", typ: tar.TypeSymlink},
			small(s, "x"), small(s, "y"), small(s, "z"))
		want[d+"/in"], want[l], want[s] = "in", "second", "z"
	}
	a := craft(t, entries...)
	for _, n := range []int{1, 4} {
		setWriters(t, n)
		j := newJail(t)
		_, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{Overwrite: true})
		mustDo(t, err)
		for name, body := range want {
			if b, err := os.ReadFile(filepath.Join(j.dst, name)); err != nil || string(b) != body {
				t.Errorf("%d writers: %s holds %.20q, %v; want %.20q", n, name, b, err, body)
			}
		}
		j.untouched(t)
	}
	_, err := Extract(context.Background(), bytes.NewReader(craft(t, big("x"), small("x", "again"))), t.TempDir(), ExtractOptions{})
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("a second entry for a file without Overwrite: %v", err)
	}
}

func TestExtractWriterErrorStops(t *testing.T) {
	entries := []entry{{name: "taken", typ: tar.TypeReg, body: bigBody}}
	for i := range 3000 {
		entries = append(entries, entry{name: fmt.Sprintf("after/f%d", i), typ: tar.TypeReg, body: "after"})
	}
	a := craft(t, entries...)
	before := runtime.NumGoroutine()
	j := newJail(t)
	writeFile(t, filepath.Join(j.dst, "taken"), []byte("mine"), 0o644)
	stats, err := Extract(context.Background(), bytes.NewReader(a), j.dst, ExtractOptions{})
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "taken") {
		t.Errorf("err = %v, want the file in the way", err)
	}
	if b, _ := os.ReadFile(filepath.Join(j.dst, "taken")); string(b) != "mine" {
		t.Errorf("the file in the way now holds %.20q", b)
	}
	if stats.Files >= 3000 {
		t.Errorf("the extraction went on: %+v", stats)
	}
	checkComplete(t, j.dst, map[string]string{"after": "after"})
	j.untouched(t)
	checkGoroutines(t, before)
}

func TestExtractCancel(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildWideTree(t, src)
	out, list := writeArchive(t, src)
	before := runtime.NumGoroutine()
	for _, after := range []int64{0, 300 << 10, 2 << 20, 6 << 20} {
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancelAfter{r: openArchive(ctx, out, list), n: after, cancel: cancel}
		dst := t.TempDir()
		start := time.Now()
		_, err := ExtractTar(ctx, r, dst, ExtractOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled after %d bytes: err = %v", after, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("canceled after %d bytes: took %v", after, d)
		}
		checkTreeSubset(t, src, filepath.Join(dst, archiveName(src)))
		cancel()
	}
	checkGoroutines(t, before)
}

// cancelAfter cancels a context once n bytes were read through it.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// checkTreeSubset checks that every regular file under got is complete: the
// same as in want.
func checkTreeSubset(t *testing.T, want, got string) {
	t.Helper()
	filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(got, p)
		wb, _ := os.ReadFile(filepath.Join(want, rel))
		if gb, _ := os.ReadFile(p); !bytes.Equal(wb, gb) {
			t.Errorf("%s: %d bytes of %d", rel, len(gb), len(wb))
		}
		return nil
	})
}

// checkComplete checks that the files under each folder of dir hold its body.
func checkComplete(t *testing.T, dir string, bodies map[string]string) {
	t.Helper()
	for folder, body := range bodies {
		entries, _ := os.ReadDir(filepath.Join(dir, folder))
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, folder, e.Name())); err != nil || string(b) != body {
				t.Errorf("%s/%s holds %.20q, %v", folder, e.Name(), b, err)
			}
		}
	}
}

// checkGoroutines waits a little for the goroutines to be back to before.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}
}

func TestExtractDigestErrorOfLargeFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildWideTree(t, src)
	out, list := writeArchive(t, src)
	last := ChunkPath(list.Chunks[len(list.Chunks)-1].ID)
	flipByte(last, 10)(t, out)
	before := runtime.NumGoroutine()
	dst := t.TempDir()
	_, err := ExtractTar(context.Background(), openArchive(context.Background(), out, list), dst, ExtractOptions{})
	var de *DigestError
	if !errors.As(err, &de) || de.Piece != last {
		t.Errorf("err = %v, want a digest error on %s", err, last)
	}
	checkGoroutines(t, before)
}

// A target Extract makes is private, its missing parents too, while what
// it restores keeps the archived modes; an existing target keeps its own.
func TestExtractMakesTargetPrivate(t *testing.T) {
	archive := craft(t, entry{name: "etc/", typ: tar.TypeDir}, entry{name: "etc/motd", typ: tar.TypeReg, body: "hi"})
	base := t.TempDir()
	mustDo(t, os.Chmod(base, 0o755))
	made := filepath.Join(base, "new", "target")
	_, err := Extract(context.Background(), bytes.NewReader(archive), made, ExtractOptions{})
	mustDo(t, err)
	kept := filepath.Join(base, "kept")
	mustDo(t, os.Mkdir(kept, 0o750))
	mustDo(t, os.Chmod(kept, 0o750))
	_, err = Extract(context.Background(), bytes.NewReader(archive), kept, ExtractOptions{})
	mustDo(t, err)
	for p, mode := range map[string]os.FileMode{
		filepath.Join(base, "new"): 0o700, made: 0o700, kept: 0o750,
		filepath.Join(made, "etc"): 0o644, filepath.Join(made, "etc/motd"): 0o644,
	} {
		fi, err := os.Stat(p)
		mustDo(t, err)
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), mode)
		}
	}
}
