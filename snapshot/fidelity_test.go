package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fidelityTree makes a tree with what cp -a and GNU tar keep: foreign
// owners, hard links, extended attributes, a FIFO, a device node, a symlink
// with its own time and a name that is not UTF-8. It returns the
// properties it could not make here, saying why.
func fidelityTree(t *testing.T, root string) (missing []string) {
	t.Helper()
	writeFile(t, filepath.Join(root, "owned"), []byte("owned"), 0o640)
	writeFile(t, filepath.Join(root, "setuid"), []byte("suid"), 0o4755)
	writeFile(t, filepath.Join(root, "linked"), []byte("one copy"), 0o644)
	mustDo(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	mustDo(t, os.Link(filepath.Join(root, "linked"), filepath.Join(root, "sub/second")))
	mustDo(t, os.Link(filepath.Join(root, "linked"), filepath.Join(root, "third")))
	writeFile(t, filepath.Join(root, "attrs"), []byte("attrs"), 0o644)
	writeFile(t, filepath.Join(root, "bad-\xff\xfe-name"), []byte("not utf-8"), 0o644)
	mustDo(t, unix.Mkfifo(filepath.Join(root, "fifo"), 0o620))
	mustDo(t, os.Symlink("linked", filepath.Join(root, "symlink")))
	mtime := time.Date(2022, 3, 4, 5, 6, 7, 0, time.UTC)
	ts := []unix.Timespec{unix.NsecToTimespec(mtime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	mustDo(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(root, "symlink"), ts, unix.AT_SYMLINK_NOFOLLOW))

	for _, p := range []string{"attrs", "sub"} {
		err := unix.Setxattr(filepath.Join(root, p), "user.strata", []byte("kept\x00binary\xff"), 0)
		if errors.Is(err, unix.ENOTSUP) {
			missing = append(missing, "xattrs (the file system of the test directory holds none)")
			break
		}
		mustDo(t, err)
	}
	if os.Geteuid() == 0 {
		mustDo(t, os.Lchown(filepath.Join(root, "owned"), 1234, 5678))
		mustDo(t, os.Lchown(filepath.Join(root, "symlink"), 4321, 8765))
		mustDo(t, os.Lchown(filepath.Join(root, "sub"), 2345, 6789))
		mustDo(t, os.Chmod(filepath.Join(root, "setuid"), 0o4755)) // chown cleared nothing yet; keep it set
		mustDo(t, unix.Mknod(filepath.Join(root, "null"), unix.S_IFCHR|0o640, int(unix.Mkdev(1, 3))))
	} else {
		missing = append(missing, "foreign owners and device nodes (the test does not run as root)")
	}
	for _, d := range []string{"sub", "."} {
		mustDo(t, os.Chtimes(filepath.Join(root, d), mtime, mtime))
	}
	return missing
}

// fidelityDiff returns how the tree got differs from want: type, mode,
// owner, mtime, contents, symlink target, device number, extended
// attributes, and which names are the same file.
func fidelityDiff(t *testing.T, want, got string) []string {
	t.Helper()
	var diffs []string
	inodes := map[[2]uint64]string{} // source inode -> first name
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		g := filepath.Join(got, rel)
		for _, d := range entryDiff(p, g) {
			diffs = append(diffs, rel+": "+d)
		}
		w, _ := os.Lstat(p)
		st := w.Sys().(*syscall.Stat_t)
		if w.Mode().IsRegular() && st.Nlink > 1 {
			key := [2]uint64{st.Dev, st.Ino}
			if first, ok := inodes[key]; ok {
				a, _ := os.Lstat(filepath.Join(got, first))
				b, _ := os.Lstat(g)
				if a == nil || b == nil || !os.SameFile(a, b) {
					diffs = append(diffs, fmt.Sprintf("%s: not a hard link of %s", rel, first))
				}
			} else {
				inodes[key] = rel
			}
		}
		return nil
	})
	mustDo(t, err)
	return diffs
}

func entryDiff(want, got string) []string {
	w, err := os.Lstat(want)
	if err != nil {
		return []string{err.Error()}
	}
	g, err := os.Lstat(got)
	if err != nil {
		return []string{"missing"}
	}
	var d []string
	if w.Mode() != g.Mode() {
		d = append(d, fmt.Sprintf("mode %v, want %v", g.Mode(), w.Mode()))
	}
	ws, gs := w.Sys().(*syscall.Stat_t), g.Sys().(*syscall.Stat_t)
	if ws.Uid != gs.Uid || ws.Gid != gs.Gid {
		d = append(d, fmt.Sprintf("owner %d:%d, want %d:%d", gs.Uid, gs.Gid, ws.Uid, ws.Gid))
	}
	if !w.ModTime().Equal(g.ModTime()) {
		d = append(d, fmt.Sprintf("mtime %v, want %v", g.ModTime(), w.ModTime()))
	}
	if w.Mode()&fs.ModeDevice != 0 && ws.Rdev != gs.Rdev {
		d = append(d, fmt.Sprintf("device %x, want %x", gs.Rdev, ws.Rdev))
	}
	switch {
	case w.Mode()&fs.ModeSymlink != 0:
		wl, _ := os.Readlink(want)
		gl, _ := os.Readlink(got)
		if wl != gl {
			d = append(d, fmt.Sprintf("symlink to %q, want %q", gl, wl))
		}
	case w.Mode().IsRegular():
		wb, _ := os.ReadFile(want)
		gb, _ := os.ReadFile(got)
		if !bytes.Equal(wb, gb) {
			d = append(d, "contents differ")
		}
	}
	if w.Mode().IsRegular() || w.IsDir() {
		wx, _ := pathXattrs(want)
		gx, _ := pathXattrs(got)
		if fmt.Sprint(wx) != fmt.Sprint(gx) {
			d = append(d, fmt.Sprintf("xattrs %q, want %q", gx, wx))
		}
	}
	return d
}

// TestFidelity snapshots a tree holding every property a snapshot keeps and
// reads it back three ways: Extract, GNU tar and bsdtar, each compared with
// the source.
func TestFidelity(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for _, m := range fidelityTree(t, src) {
		t.Logf("not tested here: %s", m)
	}
	out := t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	rel := strings.TrimPrefix(src, "/")

	t.Run("strata", func(t *testing.T) {
		dst := t.TempDir()
		r := openArchive(context.Background(), out, res.List())
		defer r.Close()
		st, err := ExtractTar(context.Background(), r, dst, ExtractOptions{})
		mustDo(t, err)
		if len(st.Warnings) != 0 {
			t.Errorf("restore warnings: %v", st.Warnings)
		}
		if st.HardLinks != 2 {
			t.Errorf("%d hard links restored, want 2", st.HardLinks)
		}
		for _, d := range fidelityDiff(t, src, filepath.Join(dst, rel)) {
			t.Error(d)
		}
	})
	tarFile := filepath.Join(t.TempDir(), "archive.tar")
	streamTo(t, res.List(), out, tarFile)
	if n := storedCopies(t, tarFile, "one copy"); n != 1 {
		t.Errorf("the hard-linked content is stored %d times, want once", n)
	}
	for _, tool := range []struct {
		name    string
		list    []string
		extract []string
	}{
		{"tar", []string{"-tvf", tarFile}, []string{"--xattrs", "--xattrs-include=*", "--same-owner", "--numeric-owner", "-xpf", tarFile}},
		{"bsdtar", []string{"-tvf", tarFile}, []string{"--xattrs", "--same-owner", "--numeric-owner", "-xpf", tarFile}},
	} {
		t.Run(tool.name, func(t *testing.T) {
			if _, err := exec.LookPath(tool.name); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is missing (scripts/install-test-deps.sh installs it)", tool.name)
				}
				t.Skipf("%s is missing", tool.name)
			}
			if b, err := exec.Command(tool.name, tool.list...).CombinedOutput(); err != nil {
				t.Fatalf("%s %v: %v\n%s", tool.name, tool.list, err, b)
			}
			dst := t.TempDir()
			cmd := exec.Command(tool.name, tool.extract...)
			cmd.Dir = dst
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %v: %v\n%s", tool.name, tool.extract, err, b)
			}
			for _, d := range fidelityDiff(t, src, filepath.Join(dst, rel)) {
				t.Error(d)
			}
		})
	}
}

// streamTo writes the tar stream of a stored snapshot to file.
func streamTo(t *testing.T, list ChunkList, root, file string) {
	t.Helper()
	r := openArchive(context.Background(), root, list)
	defer r.Close()
	f, err := os.Create(file)
	mustDo(t, err)
	defer f.Close()
	_, err = io.Copy(f, r)
	mustDo(t, err)
}

// storedCopies counts the occurrences of s in file.
func storedCopies(t *testing.T, file, s string) int {
	b, err := os.ReadFile(file)
	mustDo(t, err)
	return bytes.Count(b, []byte(s))
}
