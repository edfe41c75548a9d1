package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps the file caches of the snapshots the tests make out of
// the user's own cache directory.
func TestMain(m *testing.M) {
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
