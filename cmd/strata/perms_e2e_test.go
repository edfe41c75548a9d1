package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/otheruser"
	"github.com/stratabackup/strata/internal/testservers"
)

// What strata writes is private to the user it runs as: after a snapshot,
// a transfer to SFTP, a verification and a repair, another local user can
// read nothing at either destination, and the modes are 0700 / 0600 / 0400;
// a saved plan is 0600 and a restore target strata makes is 0700.

const permsHCL = `
destination "origin" {
  remote = "${path.config}/origin"
}
destination "sftp" {
  remote      = "%s"
  options     = { key_file = env("TEST_SSH_KEY") }
  known_hosts = env("TEST_KNOWN_HOSTS")
  timeout     = "10s"
}
tier "local" {
  destinations = [destination.origin]
  keep {
    last = 3
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.sftp]
  keep {
    last = 3
  }
  verify {}
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["${path.config}/data"]
  }
}
`

func TestEverythingWrittenIsPrivate(t *testing.T) {
	nobody := otheruser.Nobody(t)
	c := &chain{dir: t.TempDir(), sftp: testservers.StartSFTP(t)}
	otheruser.OpenPath(t, c.dir)
	otheruser.OpenPath(t, c.sftp.Dir)
	writeTestFile(t, filepath.Join(c.dir, "main.hcl"), []byte(dailyAwayFromNow(fmt.Sprintf(permsHCL, c.sftp.Remote("backup")))))
	writeTestFile(t, filepath.Join(c.dir, "data", "secret.txt"), []byte("the database password\n"))
	c.env = append(os.Environ(), "TEST_SSH_KEY="+c.sftp.KeyFile, "TEST_KNOWN_HOSTS="+c.sftp.KnownHosts, "NO_COLOR=1")
	mustExit0(t, c.strata(t, 2*time.Minute, nil, "apply", "--auto-approve"), "apply")

	// A damaged copy at the SFTP tier, found by verify, repaired by apply.
	remote := filepath.Join(c.sftp.Dir, "backup")
	var chunk string
	for _, rel := range filesUnder(t, remote) {
		if strings.Contains(rel, ".strata/chunks/") && strings.HasSuffix(rel, ".zst") {
			chunk = filepath.Join(remote, rel)
		}
	}
	if chunk == "" {
		t.Fatalf("no chunk at the SFTP tier: %v", filesUnder(t, remote))
	}
	if err := os.Chmod(chunk, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chunk, []byte("damaged"), 0o400); err != nil {
		t.Fatal(err)
	}
	if r := c.strata(t, time.Minute, nil, "verify"); r.code == 0 {
		t.Fatalf("verify of a damaged copy exited 0:\n%s", r.stdout)
	}
	if plan := c.strata(t, time.Minute, nil, "plan"); !strings.Contains(plan.stdout, "repair") {
		t.Fatalf("no repair planned:\n%s%s", plan.stdout, plan.stderr)
	}
	mustExit0(t, c.strata(t, 2*time.Minute, nil, "apply", "--auto-approve"), "apply (repair)")
	if plan := c.strata(t, time.Minute, nil, "plan", "--detailed-exitcode"); plan.code != 0 {
		t.Fatalf("the repair did not converge: exit %d\n%s", plan.code, plan.stdout)
	}

	for _, root := range []string{filepath.Join(c.dir, "origin"), remote} {
		checkPrivateModes(t, root)
		nobody.CheckUnreadable(t, root)
	}

	saved := filepath.Join(c.dir, "saved.plan")
	writeTestFile(t, saved, []byte("an old plan, once 0644\n"))
	mustExit0(t, c.strata(t, time.Minute, nil, "plan", "-out", saved), "plan -out")
	restored := filepath.Join(c.dir, "restored", "here")
	mustExit0(t, c.strata(t, time.Minute, nil, "restore", "app", "--to", restored), "restore")
	for p, want := range map[string]fs.FileMode{saved: 0o600, restored: fs.ModeDir | 0o700, filepath.Dir(restored): fs.ModeDir | 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v (%v), want %v", p, fi.Mode(), err, want)
		}
	}
	if err := nobody.Read(saved); err == nil {
		t.Errorf("nobody can read the saved plan %s", saved)
	}
}

// checkPrivateModes fails t for a directory under root (root included) not
// 0700, a snapshot's archive, digests or manifest not 0400, another file
// not 0600.
func checkPrivateModes(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		base := d.Name()
		switch {
		case d.IsDir():
			want = fs.ModeDir | 0o700
		case base == "chunks.txt" || base == "data.tar.sha256" || base == "manifest.json" ||
			(strings.Contains(p, "/.strata/chunks/") && strings.HasSuffix(base, ".zst")):
			want = 0o400
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
