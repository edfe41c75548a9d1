package snapshot

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteUnreadable: a file and a directory that cannot be read are
// warnings naming them, with a count, and the snapshot holds the rest;
// with FailUnreadable the snapshot fails. Root reads everything, so as root
// the test runs itself again as nobody.
func TestWriteUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		rerunAs(t, 65534, "TestWriteUnreadable")
		return
	}
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "ok"), []byte("ok"), 0o644)
	writeFile(t, filepath.Join(src, "secret"), []byte("no"), 0o000)
	writeFile(t, filepath.Join(src, "closed/inside"), []byte("no"), 0o644)
	mustDo(t, os.Chmod(filepath.Join(src, "closed"), 0o000))
	defer os.Chmod(filepath.Join(src, "closed"), 0o755)
	out := t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	all := strings.Join(res.Warnings, "\n")
	for _, want := range []string{filepath.Join(src, "secret") + ": cannot be read", filepath.Join(src, "closed") + ": cannot be read", "2 path(s) could not be read"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", res.Warnings, want)
		}
	}
	if names := listArchive(t, out, res.List()); !hasName(names, "ok") || hasName(names, "secret") {
		t.Errorf("archive holds %v", names)
	}
	_, err = writeTo(context.Background(), Source{Paths: []string{src}, FailUnreadable: true}, ChunkOptions{}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("with FailUnreadable: %v", err)
	}
}

// rerunAs runs the test named run in a copy of the test binary as uid.
func rerunAs(t *testing.T, uid int, run string) {
	dir, err := os.MkdirTemp("", "strata-rerun-")
	mustDo(t, err)
	defer os.RemoveAll(dir)
	mustDo(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "test")
	in, err := os.Open(os.Args[0])
	mustDo(t, err)
	defer in.Close()
	f, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	mustDo(t, err)
	_, err = io.Copy(f, in)
	mustDo(t, err)
	mustDo(t, f.Close())
	cmd := exec.Command(bin, "-test.run=^"+run+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "--- PASS: "+run) {
		t.Fatalf("as uid %d: %v\n%s", uid, err, b)
	}
}
