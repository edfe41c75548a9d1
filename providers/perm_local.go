package providers

import (
	"context"
	"errors"
	iofs "io/fs"
	"os"
)

// localFS sets modes on local paths.
type localFS struct{}

func (localFS) isDir(_ context.Context, p string) (bool, error) {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return fi.IsDir(), nil
}

// mkdir makes p private first (0700 whatever the umask), then gives it its
// group and mode: nothing is ever open wider than asked on the way.
func (localFS) mkdir(_ context.Context, p string, mode os.FileMode, gid int) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return err
	}
	return setLocal(p, mode, gid)
}

func (localFS) chmod(_ context.Context, p string, mode os.FileMode, gid int) error {
	return setLocal(p, mode, gid)
}

func (localFS) rename(_ context.Context, from, to string) error { return os.Rename(from, to) }

// setLocal gives p its group (when gid >= 0), then its mode: chown clears
// a setgid bit, so the mode comes last.
func setLocal(p string, mode os.FileMode, gid int) error {
	if gid >= 0 {
		if err := os.Lchown(p, -1, gid); err != nil {
			return err
		}
	}
	return os.Chmod(p, mode)
}
