package executor_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/providers"
)

// Probe tells an attached drive from one away, and leaves out a drive
// whose marker cannot be read (here its root lies under a regular file, so
// the read fails with "not a directory"): not knowing is not "detached",
// and a watch must not announce a departure for it.
func TestProbeLeavesOutWhatItCannotRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	roots := map[string]string{
		"here":       filepath.Join(dir, "here"),
		"away":       filepath.Join(dir, "away"),
		"unreadable": filepath.Join(dir, "file", "strata"),
	}
	plain := openStore(t, providers.Config{Name: "here", Remote: roots["here"]})
	if _, _, err := executor.Init(ctx, plain, "test", time.Now(), false); err != nil {
		t.Fatal(err)
	}
	stores := executor.Stores{}
	for name, root := range roots {
		stores[name] = openStore(t, providers.Config{Name: name, Remote: root, Removable: true})
	}
	if _, err := executor.Attachment(ctx, stores["unreadable"]); err == nil {
		t.Fatal("the marker under a regular file reads without an error: the test proves nothing")
	}
	got := executor.Probe(ctx, stores)
	if want := map[string]bool{"here": true, "away": false}; !maps.Equal(got, want) {
		t.Errorf("Probe = %v, want %v (the unreadable one left out)", got, want)
	}
}
