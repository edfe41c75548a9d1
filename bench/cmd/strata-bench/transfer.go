package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// p2 transfers a snapshot from a local tier to an SFTP tier on loopback:
// `strata apply` whose plan is one transfer, against rclone copy (the same
// rclone version strata links) and scp of the same files.
func (b *bench) p2(c *corpus, peers bool) (*result, error) {
	r := &result{ID: "P2", Title: "transfer a snapshot local → SFTP (loopback)", Available: true, Corpus: c.Bytes,
		Target: "≤ 1.0 vs rclone copy and scp"}
	if b.ssh == nil {
		return nil, fmt.Errorf("no SFTP server")
	}
	w := filepath.Join(b.work, fmt.Sprintf("p2-%d", c.Bytes))
	origin, remote := filepath.Join(w, "origin"), filepath.Join(w, "remote")
	cfg, err := config(filepath.Join(w, "config"), b.p2Config(origin, remote)+appHCL(c.Dir))
	if err != nil {
		return nil, err
	}
	if _, _, err := findSnapshot(origin); err != nil {
		if err := b.chain(wipe(origin, remote), func() error { return run(b.strataCmd(cfg, "apply", "--auto-approve", "--now", t0)) }); err != nil {
			return nil, err
		}
	}
	dir, pieces, err := findSnapshot(origin)
	if err != nil {
		return nil, err
	}
	cs := []*contender{{
		name:  "strata apply (transfer)",
		prep:  wipe(remote),
		cmd:   func() *exec.Cmd { return b.strataCmd(cfg, "apply", "--auto-approve", "--now", t1) },
		after: func() error { return sameTree(dir, remote) },
	}}
	if peers {
		cs = append(cs, b.p2Peers(w, dir)...)
	}
	r, err = b.finish(r, warming(cs, dir), peers, map[string]float64{"rclone copy": 1.0, "scp": 1.0}, pieces)
	if err == nil && peers {
		r.note("rclone copy runs with its defaults, which include a remote md5sum of what it wrote; strata hashes what it reads and checks the size written")
	}
	return r, err
}

func (b *bench) p2Config(origin, remote string) string {
	return fmt.Sprintf(`
destination "local" {
  remote = %q
}
destination "sftp" {
  remote = ":sftp:%s"
  options = {
    host             = "127.0.0.1"
    port             = %q
    user             = %q
    key_file         = %q
    known_hosts_file = %q
  }
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 100
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.sftp]
  keep {
    last = 100
  }
}
`, origin, remote, strconv.Itoa(b.ssh.Port), b.ssh.User, b.ssh.Key, b.ssh.KnownHosts)
}

// p2Peers copies the snapshot directory dir with rclone and scp.
func (b *bench) p2Peers(w, dir string) []*contender {
	rc, scp := filepath.Join(w, "rclone"), filepath.Join(w, "scp")
	rcEnv := []string{"RCLONE_CONFIG=" + filepath.Join(w, "no-rclone.conf")}
	return []*contender{
		{
			name:  "rclone copy",
			prep:  wipe(rc),
			cmd:   func() *exec.Cmd { return command(rcEnv, b.rclone, "-q", "copy", dir, b.ssh.rcloneRemote(rc)) },
			after: func() error { return sameFiles(dir, rc) },
		},
		{
			name: "scp",
			prep: wipe(scp),
			cmd: func() *exec.Cmd {
				args := append(b.ssh.sshOptions(), "-q", "-r", "-P", strconv.Itoa(b.ssh.Port), dir,
					fmt.Sprintf("%s@127.0.0.1:%s", b.ssh.User, scp))
				return command(nil, "scp", args...)
			},
			after: func() error { return sameFiles(dir, scp) },
		},
	}
}

// sameTree checks that the snapshot in dir arrived complete under root.
func sameTree(dir, root string) error {
	got, _, err := findSnapshot(root)
	if err != nil {
		return err
	}
	return sameFiles(dir, got, "data.tar.zst", "manifest.json")
}

// sameFiles checks that the named files (default: every data piece) of src
// are in dst with the same sizes.
func sameFiles(src, dst string, names ...string) error {
	if len(names) == 0 {
		ents, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range ents {
			names = append(names, e.Name())
		}
	}
	for _, n := range names {
		a, errA := os.Stat(filepath.Join(src, n))
		z, errZ := os.Stat(filepath.Join(dst, n))
		if errA != nil || errZ != nil || a.Size() != z.Size() {
			return fmt.Errorf("%s did not arrive whole in %s", n, dst)
		}
	}
	return nil
}
