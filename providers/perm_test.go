package providers_test

import (
	"context"
	"io/fs"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stratabackup/strata/internal/otheruser"
	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/providers"
)

// What a store writes is private to its user: directories 0700, files 0600,
// a snapshot's immutable files 0400; another local user can read none of
// it, on local disk and over SFTP, plain and under crypt.

// writeLayout writes what an apply writes at a destination — a snapshot's
// files, its verification record, a lease — by Write and by Copy, and
// returns the object paths.
func writeLayout(t *testing.T, s providers.Store) []string {
	t.Helper()
	ctx := context.Background()
	dir := "app/2026/11/21/020000Z"
	chunk := ".strata/chunks/ab/ab" + strings.Repeat("0", 62) + ".zst"
	names := []string{chunk, dir + "/chunks.txt", dir + "/data.tar.sha256", dir + "/manifest.json",
		dir + "/verified.json", ".strata/locks/lease1.json"}
	for _, p := range names {
		if _, err := s.Write(ctx, p, strings.NewReader("secret "+p), -1); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
	src := open(t, providers.Config{Remote: filepath.Join(t.TempDir(), "src")})
	if _, err := src.Write(ctx, "x", strings.NewReader("copied secret"), -1); err != nil {
		t.Fatal(err)
	}
	copied := ".strata/chunks/cd/cd" + strings.Repeat("0", 62) + ".zst"
	if err := s.Copy(ctx, src, "x", copied); err != nil {
		t.Fatalf("copy: %v", err)
	}
	return append(names, copied)
}

// wantMode is the mode the store gives to the object p for the file mode m.
func wantMode(p string, m os.FileMode) os.FileMode {
	base := path.Base(p)
	if base == "chunks.txt" || base == "data.tar.sha256" || base == "manifest.json" ||
		(strings.Contains(p, "/.strata/chunks/") && strings.HasSuffix(p, ".zst")) {
		return providers.ReadOnly(m)
	}
	return m
}

// checkModes fails t for every directory under root (root included) whose
// mode is not DirMode(m) and every file whose mode is not m (ReadOnly(m)
// for an immutable one, when names are not encrypted). It returns how many
// files it saw.
func checkModes(t *testing.T, root string, m os.FileMode, plainNames bool) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		got := fi.Mode() & (fs.ModePerm | fs.ModeSetgid)
		want := providers.DirMode(m) & (fs.ModePerm | fs.ModeSetgid)
		if !d.IsDir() {
			files++
			want = m
			if plainNames {
				want = wantMode(p, m)
			} else if got == providers.ReadOnly(m) {
				want = got // which names are immutable is hidden by crypt
			}
		}
		if got != want {
			t.Errorf("%s: mode %04o %v, want %04o %v", p, got.Perm(), got&fs.ModeSetgid != 0, want.Perm(), want&fs.ModeSetgid != 0)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// checkPrivate checks the modes under root and, as nobody, that nothing
// under it can be read.
func checkPrivate(t *testing.T, root string, plainNames bool, want int) {
	t.Helper()
	if n := checkModes(t, root, providers.DefaultFileMode, plainNames); n != want {
		t.Fatalf("%d files under %s, want %d", n, root, want)
	}
	otheruser.Nobody(t).CheckUnreadable(t, root)
}

func TestLocalWritesArePrivate(t *testing.T) {
	nobody := otheruser.Nobody(t)
	base := t.TempDir()
	otheruser.OpenPath(t, base)
	root := filepath.Join(base, "made/by/strata") // parents strata makes too
	old := syscall.Umask(0)                       // the widest umask: every mode is strata's own
	defer syscall.Umask(old)
	n := len(writeLayout(t, open(t, providers.Config{Remote: root})))
	checkPrivate(t, filepath.Join(base, "made"), true, n)
	_ = nobody
}

func TestCryptLocalWritesArePrivate(t *testing.T) {
	base := t.TempDir()
	otheruser.OpenPath(t, base)
	root := filepath.Join(base, "root")
	n := len(writeLayout(t, open(t, providers.Config{Remote: root, CryptPassword: "pw"})))
	checkPrivate(t, root, false, n)
}

func TestSFTPWritesArePrivate(t *testing.T) {
	srv := testservers.StartSFTP(t)
	otheruser.OpenPath(t, srv.Dir)
	n := len(writeLayout(t, open(t, sftpConfig(srv, "made/root"))))
	checkPrivate(t, filepath.Join(srv.Dir, "made"), true, n)
}

func TestCryptSFTPWritesArePrivate(t *testing.T) {
	srv := testservers.StartSFTP(t)
	otheruser.OpenPath(t, srv.Dir)
	c := sftpConfig(srv, "root")
	c.CryptPassword = "pw"
	n := len(writeLayout(t, open(t, c)))
	checkPrivate(t, filepath.Join(srv.Dir, "root"), false, n)
}

// A destination shared with a group: files 0640 (0440 immutable), setgid
// directories 0750 of that group; a member reads everything, another user
// still nothing.
func TestGroupModeLetsTheGroupRead(t *testing.T) {
	nobody := otheruser.Nobody(t)
	g, err := user.LookupGroupId(strconv.Itoa(int(nobody.GID)))
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	otheruser.OpenPath(t, base)
	root := filepath.Join(base, "root")
	gid, _ := strconv.Atoi(g.Gid)
	names := writeLayout(t, open(t, providers.Config{Remote: root, FileMode: 0o640, GID: gid, HasGID: true}))
	checkModes(t, root, 0o640, true)
	for _, p := range append(names, "", "app/2026") {
		full := filepath.Join(root, p)
		fi, err := os.Lstat(full)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid {
			t.Errorf("%s: group %d, want %d (%s)", full, st.Gid, gid, g.Name)
		}
		if err := nobody.Read(full); err != nil {
			t.Errorf("a member of %s cannot read %s: %v", g.Name, full, err)
		}
	}
	stranger := otheruser.Reader{UID: nobody.UID, GID: uint32(gid) + 1}
	stranger.CheckUnreadable(t, root)
}
