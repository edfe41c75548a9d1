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
	if _, err := findSnapshot(origin); err != nil {
		if err := b.chain(wipe(origin, remote), func() error { return run(b.strataCmd(cfg, "apply", "--auto-approve", "--now", t0)) }); err != nil {
			return nil, err
		}
	}
	snap, err := findSnapshot(origin)
	if err != nil {
		return nil, err
	}
	cs := []*contender{{
		name:  "strata apply (transfer)",
		prep:  wipe(remote),
		cmd:   func() *exec.Cmd { return b.strataCmd(cfg, "apply", "--auto-approve", "--now", t1) },
		after: func() error { return sameTree(snap, remote) },
	}}
	if peers {
		cs = append(cs, b.p2Peers(w, origin)...)
	}
	r, err = b.finish(r, warming(cs, origin), peers, map[string]float64{"rclone copy": 1.0, "scp": 1.0}, snap.Unique)
	if err == nil && peers {
		r.note("rclone copy and scp -r copy the whole origin destination (its one snapshot directory and its chunk store); rclone copy runs with its defaults, which include a remote md5sum of what it wrote; strata hashes what it reads and checks the size written")
	}
	return r, err
}

func (b *bench) p2Config(origin, remote string) string {
	return b.twoTiers(origin, remote, b.ssh.Port, b.ssh.KnownHosts)
}

// twoTiers is a local tier at origin and an SFTP tier from it at remote,
// reached at 127.0.0.1:port (the bench's sshd, or a proxy in front of it).
func (b *bench) twoTiers(origin, remote string, port int, knownHosts string) string {
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
`, origin, remote, strconv.Itoa(port), b.ssh.User, b.ssh.Key, knownHosts)
}

// p2Peers copies the origin destination dir (one snapshot and its chunks)
// with rclone and scp.
func (b *bench) p2Peers(w, dir string) []*contender {
	rc, scp := filepath.Join(w, "rclone"), filepath.Join(w, "scp")
	rcEnv := []string{"RCLONE_CONFIG=" + filepath.Join(w, "no-rclone.conf")}
	return []*contender{
		{
			name:  "rclone copy",
			prep:  wipe(rc),
			cmd:   func() *exec.Cmd { return command(rcEnv, b.rclone, "-q", "copy", dir, b.ssh.rcloneRemote(rc)) },
			after: func() error { return sameDest(dir, rc) },
		},
		{
			name: "scp",
			prep: wipe(scp),
			cmd: func() *exec.Cmd {
				args := append(b.ssh.sshOptions(), "-q", "-r", "-P", strconv.Itoa(b.ssh.Port), dir,
					fmt.Sprintf("%s@127.0.0.1:%s", b.ssh.User, scp))
				return command(nil, "scp", args...)
			},
			after: func() error { return sameDest(dir, scp) },
		},
	}
}

// sameTree checks that the snapshot snap arrived complete under root: its
// files and every chunk it names, at the same sizes.
func sameTree(snap *stored, root string) error {
	got, err := findSnapshot(root)
	if err != nil {
		return err
	}
	if err := sameFiles(snap.Dir, got.Dir, "chunks.txt", "data.tar.sha256", "manifest.json"); err != nil {
		return err
	}
	for _, f := range snap.Unique {
		rel, _ := filepath.Rel(snap.Root, f)
		if err := sameFiles(snap.Root, root, rel); err != nil {
			return err
		}
	}
	return nil
}

// sameDest checks that a copy of the destination src holds its snapshot.
func sameDest(src, dst string) error {
	snap, err := findSnapshot(src)
	if err != nil {
		return err
	}
	return sameTree(snap, dst)
}

// sameFiles checks that the named files of src are in dst with the same
// sizes.
func sameFiles(src, dst string, names ...string) error {
	for _, n := range names {
		a, errA := os.Stat(filepath.Join(src, n))
		z, errZ := os.Stat(filepath.Join(dst, n))
		if errA != nil || errZ != nil || a.Size() != z.Size() {
			return fmt.Errorf("%s did not arrive whole in %s", n, dst)
		}
	}
	return nil
}
