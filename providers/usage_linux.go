package providers

import (
	"path/filepath"
	"syscall"
)

// freeBelow reports the free bytes (for an unprivileged user) of the file
// system that holds dir, or would hold it once made: the nearest existing
// ancestor's.
func freeBelow(dir string) (int64, bool) {
	p, err := filepath.Abs(dir)
	if err != nil {
		return 0, false
	}
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err == nil {
			return int64(st.Bavail) * int64(st.Bsize), true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return 0, false
		}
		p = parent
	}
}
