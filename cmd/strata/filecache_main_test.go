package main

import (
	"testing"

	"github.com/stratabackup/strata/internal/testservers"
)

// TestMain keeps the file caches of the snapshots the tests make out of
// the user's own cache directory.
func TestMain(m *testing.M) { testservers.RunWithTempCache(m) }
