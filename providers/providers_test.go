package providers_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/providers/providertest"
)

func open(t *testing.T, c providers.Config) providers.Store {
	t.Helper()
	if c.Name == "" {
		c.Name = "test"
	}
	s, err := providers.Open(context.Background(), c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// root is a directory that does not exist yet.
func root(t *testing.T) string { return filepath.Join(t.TempDir(), "root") }

func TestLocalPath(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, providers.Config{Remote: root(t)})
	})
}

func TestOnTheFlyLocal(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, providers.Config{Remote: ":local:" + root(t)})
	})
}

// writeConfig points RCLONE_CONFIG at a new rclone.conf holding text.
func writeConfig(t *testing.T, text string) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "rclone.conf")
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RCLONE_CONFIG", conf)
}

func TestConfigFileRemote(t *testing.T) {
	writeConfig(t, "[backupsrv]\ntype = local\n")
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, providers.Config{Remote: "backupsrv:" + root(t)})
	})
}

func TestConfigFileMissingIsFine(t *testing.T) {
	t.Setenv("RCLONE_CONFIG", filepath.Join(t.TempDir(), "none", "rclone.conf"))
	s := open(t, providers.Config{Remote: root(t)})
	providertest.Write(t, s, "f", []byte("x"))
	_, err := providers.Open(context.Background(), providers.Config{Name: "d", Remote: "backupsrv:/x"})
	if err == nil || !strings.Contains(err.Error(), "backupsrv") {
		t.Fatalf("Open of an unknown remote: %v, want an error naming it", err)
	}
}

func TestConfigFileBroken(t *testing.T) {
	writeConfig(t, "RCLONE_ENCRYPT_V0:\nbm90IHJlYWxseSBlbmNyeXB0ZWQ=\n")
	t.Setenv("RCLONE_CONFIG_PASS", "")
	_, err := providers.Open(context.Background(), providers.Config{Name: "d", Remote: root(t)})
	if err == nil {
		t.Fatal("Open with an encrypted config and no password succeeded")
	}
	t.Log(err)
}

func TestOptionsApplied(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "target"), []byte("t"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks:", err)
	}
	plain := providertest.Sizes(t, open(t, providers.Config{Remote: dir}))
	if _, ok := plain["link.rclonelink"]; ok {
		t.Fatalf("without options: %v", plain)
	}
	for _, remote := range []string{dir, ":local:" + dir} {
		withLinks := providertest.Sizes(t, open(t, providers.Config{
			Remote: remote, Options: map[string]string{"links": "true"},
		}))
		if _, ok := withLinks["link.rclonelink"]; !ok {
			t.Fatalf("%s with links=true: %v, want link.rclonelink", remote, withLinks)
		}
	}
	_, err := providers.Open(context.Background(), providers.Config{
		Name: "d", Remote: dir, Options: map[string]string{"no_such_option": "v4lue"},
	})
	if err == nil || !strings.Contains(err.Error(), "no_such_option") || strings.Contains(err.Error(), "v4lue") {
		t.Fatalf("unknown option: %v", err)
	}
}

func TestCrypt(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providers.Store {
		return open(t, providers.Config{Remote: root(t), CryptPassword: "correct horse"})
	})
}

func TestCryptHidesNamesAndContent(t *testing.T) {
	dir := root(t)
	s := open(t, providers.Config{Remote: dir, CryptPassword: "correct horse", CryptPassword2: "salt"})
	content := bytes.Repeat([]byte("PLAINTEXT-MARKER "), 100)
	providertest.Write(t, s, "hydro/2026/manifest.json", content)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, word := range []string{"hydro", "2026", "manifest"} {
			if strings.Contains(d.Name(), word) {
				t.Errorf("plaintext name in the underlying store: %s", p)
			}
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if bytes.Contains(b, []byte("PLAINTEXT")) {
				t.Errorf("plaintext content in %s", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := providertest.Read(t, s, "hydro/2026/manifest.json"); !bytes.Equal(got, content) {
		t.Fatal("wrong content read back")
	}

	wrong := open(t, providers.Config{Name: "vault", Remote: dir, CryptPassword: "wrong", CryptPassword2: "salt"})
	_, err = wrong.Open(context.Background(), "hydro/2026/manifest.json")
	checkPasswordError(t, "Open", err)
	err = wrong.List(context.Background(), func(providers.Entry) error { return nil })
	checkPasswordError(t, "List", err)
}

func checkPasswordError(t *testing.T, op string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatalf("%s with the wrong password succeeded", op)
	case errors.Is(err, providers.ErrNotFound):
		t.Fatalf("%s with the wrong password: %v, want a password error, not ErrNotFound", op, err)
	case !strings.Contains(err.Error(), "password") || !strings.HasPrefix(err.Error(), "vault: "):
		t.Fatalf("%s with the wrong password: %q, want the store name and a password hint", op, err)
	}
	if strings.Contains(err.Error(), "wrong\"") || strings.Contains(err.Error(), "correct horse") {
		t.Fatalf("%s error shows a password: %v", op, err)
	}
}

func TestCryptWrongContentKey(t *testing.T) {
	dir := root(t)
	s := open(t, providers.Config{Remote: dir, CryptPassword: "one"})
	providertest.Write(t, s, "f", bytes.Repeat([]byte("x"), 100000))
	// Same names (encrypted with the first key) moved under a store whose
	// content key differs: the file name decrypts, the content must not.
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("underlying dir: %v %v", entries, err)
	}
	other := root(t)
	o := open(t, providers.Config{Remote: other, CryptPassword: "two"})
	providertest.Write(t, o, "f", []byte("y"))
	oe, _ := os.ReadDir(other)
	b, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err := os.WriteFile(filepath.Join(other, oe[0].Name()), b, 0o600); err != nil {
		t.Fatal(err)
	}
	rc, err := o.Open(context.Background(), "f")
	if err == nil {
		_, err = io.ReadAll(rc)
		_ = rc.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("reading content encrypted with another key: %v, want a password error", err)
	}
}

func TestDeleteDirPrunesLocal(t *testing.T) {
	dir := root(t)
	s := open(t, providers.Config{Remote: dir})
	providertest.Write(t, s, "app/2026/01/02/x/data", []byte("1"))
	providertest.Write(t, s, "app/2026/01/keep", []byte("2"))
	ctx := context.Background()
	if err := s.DeleteDir(ctx, "app/2026/01/02/x"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "app/2026/01/02")); !os.IsNotExist(err) {
		t.Fatalf("empty parent app/2026/01/02 kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "app/2026/01/keep")); err != nil {
		t.Fatalf("sibling lost: %v", err)
	}
	if err := s.Delete(ctx, "app/2026/01/keep"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDir(ctx, "app/2026/01"); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(dir)
	if err != nil || len(left) != 0 {
		t.Fatalf("root after pruning: %v, %v; want it kept and empty", left, err)
	}
}

func TestFailedWriteLeavesNothingOnDisk(t *testing.T) {
	dir := root(t)
	s := open(t, providers.Config{Remote: dir})
	providertest.Write(t, s, "d/keep", []byte("k"))
	r := io.MultiReader(bytes.NewReader(make([]byte, 1<<20)), errorReader{})
	if _, err := s.Write(context.Background(), "d/f", r, -1); err == nil {
		t.Fatal("write with a failing reader succeeded")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "d"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "keep" {
		t.Fatalf("after a failed write: %v, %v", entries, err)
	}
}

func TestCancelledWriteLeavesNothing(t *testing.T) {
	dir := root(t)
	s := open(t, providers.Config{Remote: dir})
	for _, size := range []int64{-1, 8 << 20} { // a stream; a copy, read ahead
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancelAfter{cancel: cancel, n: 1 << 20}
		if _, err := s.Write(ctx, "f", r, size); err == nil {
			t.Fatalf("cancelled write (size %d) succeeded", size)
		}
		providertest.CheckSizes(t, s, map[string]int64{})
	}
}

// cancelAfter cancels its context after n bytes, then keeps giving data.
type cancelAfter struct {
	cancel func()
	n      int
}

func (c *cancelAfter) Read(b []byte) (int, error) {
	c.n -= len(b)
	if c.n <= 0 {
		c.cancel()
	}
	return len(b), nil
}

type errorReader struct{}

func (errorReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestOpenFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := providers.Open(context.Background(), providers.Config{Name: "d", Remote: f}); err == nil {
		t.Fatal("Open of a file succeeded")
	}
}
