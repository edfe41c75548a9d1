package snapshot

import (
	"os"
	"sync/atomic"
)

// dirRoot is an open directory of the target, shared by the cache and the
// files being written into it: a file is then created, checked and dated
// with one system call on its base name, instead of a walk of its path from
// the target each time. It is closed when the last user releases it.
type dirRoot struct {
	*os.Root
	refs atomic.Int32
}

// acquire adds a user.
func (d *dirRoot) acquire() *dirRoot {
	d.refs.Add(1)
	return d
}

// release drops a user, closing the directory after the last one.
func (d *dirRoot) release() {
	if d.refs.Add(-1) == 0 {
		d.Close()
	}
}

// maxOpenDirs bounds the directories a dirCache keeps open. Archives list
// the files of a directory together, so a few suffice.
const maxOpenDirs = 64

// dirCache keeps the recently used directories of the target open. It
// belongs to the goroutine reading the archive, which opens only directories
// it has checked to be real (not symlinks); directories are never replaced
// during an extraction.
type dirCache struct {
	root *os.Root
	open map[string]*dirRoot
}

func newDirCache(root *os.Root) *dirCache {
	return &dirCache{root: root, open: map[string]*dirRoot{}}
}

// acquire returns the directory name, checked to be real, with a reference
// for the caller to release.
func (c *dirCache) acquire(name string) (*dirRoot, error) {
	if d := c.open[name]; d != nil {
		return d.acquire(), nil
	}
	if len(c.open) >= maxOpenDirs {
		c.close()
	}
	r, err := c.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	d := &dirRoot{Root: r}
	d.refs.Store(1) // the cache's
	c.open[name] = d
	return d.acquire(), nil
}

// close drops the cache's references; directories still in use stay open
// until their files are done.
func (c *dirCache) close() {
	for name, d := range c.open {
		d.release()
		delete(c.open, name)
	}
}
