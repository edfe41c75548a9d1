package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/snapshot"
)

// The kernel writes a space in a mount point as \040.
func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/media/usb`: "/media/usb", `/media/my\040drive`: "/media/my drive", `/x\04`: `/x\04`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

// A root that nothing but / is mounted above gets the warning, which names
// the marker to delete where init wrote it.
func TestCheckMountedNamesTheMarker(t *testing.T) {
	root := "/strata-test-no-such-mount/drive/strata"
	err := checkMounted("usb", root)
	if _, ok := mountPoints(); !ok {
		if err != nil {
			t.Errorf("mounts unreadable, yet checkMounted says %v", err)
		}
		return
	}
	marker := filepath.Join(root, filepath.FromSlash(snapshot.MarkerPath))
	if err == nil || !strings.Contains(err.Error(), "delete "+marker+",") {
		t.Errorf("checkMounted(%q) = %v, want the warning naming %s", root, err, marker)
	}
}
