package testservers

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// RunWithTempCache runs a package's tests with XDG_CACHE_HOME in a new
// temporary directory, so the file caches of the snapshots they make stay
// out of the user's own, and exits with their code. A TestMain calls it.
func RunWithTempCache(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The go command's build cache lives under XDG_CACHE_HOME too: keep it
	// where it was, or each binary a test builds (with cgo, libzstd's C
	// code too) is compiled from nothing, for tens of seconds.
	if os.Getenv("GOCACHE") == "" {
		if user, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(user, "go-build"))
		}
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
