package testservers

import (
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Unprivileged is a user that file permissions hold. Tests run as root
// cannot see an unreadable directory otherwise: root reads a chmod 000
// directory all the same.
type Unprivileged struct {
	// Name is the user's login name.
	Name string
	// Cred runs a process as the user; nil when that is the invoking user.
	Cred *syscall.Credential
}

// UnprivilegedUser is "nobody" when the tests run as root, else the
// invoking user.
func UnprivilegedUser(t testing.TB) Unprivileged {
	t.Helper()
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			unavailable(t, "current user: %v", err)
		}
		return Unprivileged{Name: u.Username}
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		unavailable(t, "no user nobody to run as instead of root: %v", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		unavailable(t, "user nobody has uid %q gid %q", u.Uid, u.Gid)
	}
	return Unprivileged{Name: u.Username, Cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// Own gives dir and everything under it to u, and lets u pass through the
// directories above dir that the tests made (those under the temporary
// directory, which t.TempDir makes 0700). It does nothing for the invoking
// user.
func (u Unprivileged) Own(t testing.TB, dir string) {
	t.Helper()
	if u.Cred == nil {
		return
	}
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(u.Cred.Uid), int(u.Cred.Gid))
	})
	if err != nil {
		t.Fatalf("giving %s to %s: %v", dir, u.Name, err)
	}
	Traversable(t, dir)
}

// Traversable lets every user pass through the directories above path up
// to (not including) the temporary directory.
func Traversable(t testing.TB, path string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Dir(filepath.Clean(path)); strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, st.Mode().Perm()|0o111); err != nil {
			t.Fatal(err)
		}
	}
}
