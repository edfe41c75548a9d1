package testservers

import (
	"fmt"
	"os"
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
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
