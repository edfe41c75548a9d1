package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stratabackup/strata/snapshot"
)

// mountInfo is where Linux lists the mounts this process sees.
const mountInfo = "/proc/self/mountinfo"

// checkMounted says why marking a local removable root that no file system
// other than / is mounted at or above is likely a mistake: the drive is
// most likely not mounted, and the marker would make its empty mount point
// look like the drive. It does not refuse: `strata init` prints the error
// as a warning and marks the root anyway (a root on / may be meant). Where
// the mounts cannot be read (not Linux), it checks nothing.
func checkMounted(name, root string) error {
	if !filepath.IsAbs(root) {
		return nil
	}
	points, ok := mountPoints()
	if !ok {
		return nil
	}
	for p := filepath.Clean(root); p != "/" && p != "."; p = filepath.Dir(p) {
		if points[p] {
			return nil
		}
	}
	return fmt.Errorf("no drive is mounted at or above %s (only / is): if the drive for %s is not mounted, "+
		"its empty mount point is marked now and will be written to as if it were the drive; then delete %s, "+
		"mount the drive and run 'strata init %s' again", root, name, filepath.Join(root, filepath.FromSlash(snapshot.MarkerPath)), name)
}

// mountPoints reads the mount points of mountInfo (field 5, octal escapes
// undone); ok is false when it cannot be read.
func mountPoints() (map[string]bool, bool) {
	f, err := os.Open(mountInfo)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 {
			out[unescapeMount(fields[4])] = true
		}
	}
	return out, sc.Err() == nil
}

// unescapeMount undoes the kernel's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
