package spec

import (
	"fmt"
	"os/user"
	"strconv"
	"testing"
)

const accessConfig = `
destination "private" { remote = "/d/p" }
destination "shared" {
  remote = "/d/s"
  group  = "%s"
  mode   = "0660"
}
destination "grouponly" {
  remote = "/d/g"
  group  = "%s"
}
tier "t" {
  destinations = [destination.private, destination.shared, destination.grouponly]
  keep { last = 1 }
}
application "a" {
  source { paths = ["/srv/a"] }
}
`

// A destination is private unless it names a group and a mode; a group
// alone means 0640. The group is resolved on this machine, by name or id.
func TestDestinationAccess(t *testing.T) {
	g, err := user.LookupGroupId("0")
	if err != nil {
		t.Skipf("no group 0: %v", err)
	}
	cfg := mustLoad(t, fmt.Sprintf(accessConfig, g.Name, "0"), LoadOptions{})
	if d := cfg.Destination("private"); d.FileMode != 0 || d.HasGID {
		t.Errorf("private: mode %04o, group %v", d.FileMode, d.HasGID)
	}
	for name, mode := range map[string]uint32{"shared": 0o660, "grouponly": 0o640} {
		d := cfg.Destination(name)
		if uint32(d.FileMode) != mode || !d.HasGID || strconv.Itoa(d.GID) != g.Gid {
			t.Errorf("%s: mode %04o, gid %d (%v), want %04o, %s", name, d.FileMode, d.GID, d.HasGID, mode, g.Gid)
		}
	}
}
