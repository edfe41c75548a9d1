// Package otheruser checks, as another local user, what that user can read:
// tests of strata's permissions prove them with a real reader (cat, ls run
// as nobody), not only by looking at mode bits.
package otheruser

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Reader is a user other than the one running the tests.
type Reader struct {
	UID, GID uint32
	// Groups are supplementary groups, for a reader a destination's group
	// lets in.
	Groups []uint32
}

// Nobody is the user nobody with the group nogroup (or nobody). Tests
// that cannot switch users (not run as root) skip, and fail under CI=true.
func Nobody(t testing.TB) Reader {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	if os.Geteuid() != 0 {
		fail("reading as another user needs root (the tests run as uid %d)", os.Geteuid())
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		fail("no user nobody: %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	for _, name := range []string{"nogroup", "nobody"} {
		if g, err := user.LookupGroup(name); err == nil {
			gid, _ = strconv.ParseUint(g.Gid, 10, 32)
			break
		}
	}
	return Reader{UID: uint32(uid), GID: uint32(gid)}
}

// Read reads p as r: cat for a file, ls for a directory. It returns nil
// when r could read it, else an error with what the reader said.
func (r Reader) Read(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	cmd := exec.Command("cat", "--", p)
	if fi.IsDir() {
		cmd = exec.Command("ls", "-a", "--", p)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: r.UID, Gid: r.GID, Groups: r.Groups}}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// OpenPath makes dir and every parent traversable by everyone (a test's
// temporary directories are 0700): what keeps another user out is then
// only what is under dir.
func OpenPath(t testing.TB, dir string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o005 != 0o005 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
		}
		if d == filepath.Dir(d) {
			return
		}
	}
}

// CheckUnreadable fails t for root and every file and directory under it
// that r can read. It first checks that r can list root's parent, so that a
// denial comes from what is under root, not from above it.
func (r Reader) CheckUnreadable(t testing.TB, root string) {
	t.Helper()
	if err := r.Read(filepath.Dir(root)); err != nil {
		t.Fatalf("the reader cannot list %s, above what is checked: %v", filepath.Dir(root), err)
	}
	n := 0
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n++
		if r.Read(p) == nil {
			t.Errorf("uid %d can read %s", r.UID, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("nothing under %s to check", root)
	}
}
