package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// DefaultCacheDir is where snapshots keep their file cache unless told
// otherwise: $XDG_CACHE_HOME/strata, or ~/.cache/strata.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "strata"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", "strata"), nil
}

// FileCachePath is the file cache of a snapshot action in dir: one file
// per destination, application path there and source paths, so that two
// configurations writing different sources under the same names do not
// take turns overwriting one cache. Its name is a digest of those: the
// cache only ever holds stat data and chunk IDs, and a cache that belongs
// to another destination costs nothing but time, since only chunks known
// present at this one are taken from it.
func FileCachePath(dir string, a planner.Action) string {
	id := []string{a.Location.Destination, a.AppPath}
	if a.Input != nil {
		id = append(id, a.Input.Paths...)
	}
	sum := sha256.Sum256([]byte(strings.Join(id, "\x00")))
	return filepath.Join(dir, "files-"+hex.EncodeToString(sum[:12])+".cache")
}

// fileCache loads the file cache of a snapshot action; nil when there is
// none to keep. A cache that cannot be read is only a debug message.
func (e *Executor) fileCache(a planner.Action) *snapshot.FileCache {
	dir := e.opts.CacheDir
	if dir == "off" {
		return nil
	}
	if dir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			e.debug("no file cache: " + err.Error())
			return nil
		}
		dir = d
	}
	c, err := snapshot.LoadFileCache(FileCachePath(dir, a))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		e.debug(err.Error())
	}
	return c
}

// debug logs a message at debug level, if the executor has a log.
func (e *Executor) debug(msg string) {
	if e.opts.Log != nil {
		e.opts.Log.Debug(msg)
	}
}
