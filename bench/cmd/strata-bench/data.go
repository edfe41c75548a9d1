package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
)

// The data scenarios P1–P4. With peers false only strata runs (the second
// corpus size, for peak memory).

// p1 creates a snapshot of the corpus to a local destination.
func (b *bench) p1(c *corpus, peers bool) (*result, error) {
	r := &result{ID: "P1", Title: "create a snapshot to a local destination", Available: true, Corpus: c.Bytes,
		Target: "≤ 0.7 vs tar|zstd -3|sha256sum at a compressed size within 10%; ≤ 0.5 vs restic and Borg"}
	w := filepath.Join(b.work, "p1")
	dest := filepath.Join(w, "strata-dest")
	cfg, err := config(filepath.Join(w, "config"), fmt.Sprintf(`
destination "local" {
  remote = %q
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 100
  }
}
`, dest)+appHCL(c.Dir))
	if err != nil {
		return nil, err
	}
	var strataSize int64
	cs := []*contender{{
		name: "strata apply",
		prep: wipe(dest),
		cmd:  func() *exec.Cmd { return b.strataCmd(cfg, "apply", "--auto-approve", "--now", t0) },
		after: func() error {
			s, err := findSnapshot(dest)
			if err == nil {
				strataSize, err = sizeOf(s.Unique...)
			}
			return err
		},
	}}
	var tarSize int64
	if peers {
		out := filepath.Join(w, "tar")
		rel, _ := filepath.Rel("/", c.Dir)
		restic, borg := filepath.Join(w, "restic-repo"), filepath.Join(w, "borg-repo")
		cs = append(cs,
			&contender{
				name: "tar|zstd -T0 -3|sha256sum",
				prep: func() error { return os.MkdirAll(out, 0o755) },
				cmd: func() *exec.Cmd {
					return shell(fmt.Sprintf("tar -cf - -C / %q | zstd -T0 -3 -q | tee %q | sha256sum > %q",
						rel, filepath.Join(out, "a.tar.zst"), filepath.Join(out, "a.sha256")))
				},
				after: func() (err error) { tarSize, err = sizeOf(filepath.Join(out, "a.tar.zst")); return err },
			},
			&contender{
				name: "restic backup",
				prep: func() error {
					return b.chain(wipe(restic, filepath.Join(b.work, "restic-cache")), func() error {
						return run(command(b.env, "restic", "init", "--quiet", "--repo", restic))
					})
				},
				cmd: func() *exec.Cmd { return command(b.env, "restic", "--quiet", "--repo", restic, "backup", c.Dir) },
			},
			&contender{
				name: "borg create",
				prep: func() error {
					return b.chain(wipe(borg, filepath.Join(b.work, "borg-base")), func() error {
						return run(command(b.env, "borg", "init", "--encryption", "none", borg))
					})
				},
				cmd: func() *exec.Cmd {
					return command(b.env, "borg", "create", "--compression", "zstd,3", borg+"::bench", c.Dir)
				},
			})
	}
	s, err := alternate(b.rounds, warming(cs, c.Dir)...)
	if err != nil {
		return nil, err
	}
	r.Series = s
	r.Values = map[string]float64{"strata_archive_bytes": float64(strataSize)}
	if !peers {
		return r, nil
	}
	r.Values["tar_zstd_bytes"] = float64(tarSize)
	r.Values["size_ratio"] = float64(strataSize) / float64(tarSize)
	r.compare(map[string]float64{"tar|zstd -T0 -3|sha256sum": 0.7, "restic backup": 0.5, "borg create": 0.5})
	sizeOK := r.Values["size_ratio"] <= 1.10
	r.Met = r.Met && sizeOK
	r.note("compressed size: strata %s, tar|zstd -3 %s (ratio %.3f, target ≤ 1.10: %s)",
		human(strataSize), human(tarSize), r.Values["size_ratio"], yes(sizeOK))
	return r, nil
}

// chain runs steps in order.
func (b *bench) chain(steps ...func() error) error {
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// origin makes, once per corpus, a strata snapshot of c in a local origin
// tier at t0, for the scenarios that read one (P3 verify, P4 restore), and
// returns its config directory and the snapshot. The tier's verify policy
// makes a plan at t1 verify it.
func (b *bench) origin(c *corpus) (cfg string, snap *stored, err error) {
	cfg, dest, err := b.makeOrigin(c)
	if err != nil {
		return "", nil, err
	}
	snap, err = findSnapshot(dest)
	return cfg, snap, err
}

// makeOrigin writes the origin's config and, unless there is one already,
// its snapshot; it returns the config directory and the destination.
func (b *bench) makeOrigin(c *corpus) (cfg, dest string, err error) {
	w := filepath.Join(b.work, fmt.Sprintf("origin-%d", c.Bytes))
	dest = filepath.Join(w, "dest")
	cfg, err = config(filepath.Join(w, "config"), fmt.Sprintf(`
destination "local" {
  remote = %q
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 100
  }
  verify {
    every = "1h"
  }
}
`, dest)+appHCL(c.Dir))
	if err != nil {
		return "", "", err
	}
	if _, err := findSnapshot(dest); err == nil {
		return cfg, dest, nil
	}
	if err := os.RemoveAll(dest); err != nil {
		return "", "", err
	}
	return cfg, dest, run(b.strataCmd(cfg, "apply", "--auto-approve", "--now", t0))
}

// p3 verifies a snapshot: `strata apply` whose plan is one verify.
func (b *bench) p3(c *corpus, peers bool) (*result, error) {
	r := &result{ID: "P3", Title: "verify a snapshot", Available: true, Corpus: c.Bytes,
		Target: "≤ 1.1 vs openssl dgst -sha256 of the same chunks"}
	cfg, snap, err := b.origin(c)
	if err != nil {
		return nil, err
	}
	dir, pieces := snap.Dir, snap.Unique
	cs := []*contender{{
		name: "strata apply (verify)",
		prep: wipe(filepath.Join(dir, "verified.json"), filepath.Join(dir, "corrupt.json")),
		cmd:  func() *exec.Cmd { return b.strataCmd(cfg, "apply", "--auto-approve", "--now", t1) },
		after: func() error {
			_, err := os.Stat(filepath.Join(dir, "verified.json"))
			return err
		},
	}}
	if peers {
		cs = append(cs, &contender{
			name: "openssl dgst -sha256",
			cmd:  func() *exec.Cmd { return command(nil, "openssl", append([]string{"dgst", "-sha256"}, pieces...)...) },
		})
	}
	return b.finish(r, warming(cs, pieces...), peers, map[string]float64{"openssl dgst -sha256": 1.1}, pieces)
}

// finish times cs and compares; pieces are the snapshot's chunk files.
func (b *bench) finish(r *result, cs []*contender, peers bool, targets map[string]float64, pieces []string) (*result, error) {
	s, err := alternate(b.rounds, cs...)
	if err != nil {
		return nil, err
	}
	r.Series = s
	if n, err := sizeOf(pieces...); err == nil {
		r.Values = map[string]float64{"archive_bytes": float64(n)}
	}
	if peers {
		r.compare(targets)
	}
	return r, nil
}

// p4 restores a snapshot. Every run restores into a directory of its own,
// and the runs' directories are removed only once the whole bench is over
// (removeRestores): on an ext4 without a journal (like this machine's), the
// inode allocator avoids inodes freed in the last minutes, and creating a tree
// soon after deleting one as large costs O(n²) — 12 s instead of 2.5 s for
// 14,558 files.
func (b *bench) p4(c *corpus, peers bool) (*result, error) {
	r := &result{ID: "P4", Title: "restore a snapshot", Available: true, Corpus: c.Bytes,
		Target: "≤ 1.1 vs the README's awk|xargs cat|zstd -d|tar -x; ≤ 0.5 vs restic restore"}
	cfg, snap, err := b.origin(c)
	if err != nil {
		return nil, err
	}
	pieces := snap.Unique
	w := filepath.Join(b.work, "p4")
	runs := filepath.Join(w, fmt.Sprintf("runs-%d-%d", os.Getpid(), c.Bytes))
	need := int64(b.rounds+1) * 3 * c.Bytes
	if needFree(w, need) != nil {
		if err := emptyTrash(); err != nil {
			return nil, err
		}
	}
	if err := needFree(w, need); err != nil {
		return nil, fmt.Errorf("P4 keeps every restore until the bench ends: %w", err)
	}
	fresh := &freshDirs{root: runs}
	to := fresh.current
	check := func() error { return sameSize(c, filepath.Join(to(), c.Dir)) }
	cs := []*contender{{
		name:  "strata restore",
		prep:  fresh.next,
		cmd:   func() *exec.Cmd { return b.strataCmd(cfg, "restore", "corpus", "--to", to()) },
		after: check,
	}}
	if peers {
		repo := resticRepoFor(w, c)
		if err := b.resticRepo(repo, c); err != nil {
			return nil, err
		}
		cs = append(cs,
			&contender{
				name:  "zstd -d|tar -x",
				prep:  b.chainF(fresh.next, func() error { return os.MkdirAll(to(), 0o755) }),
				cmd:   func() *exec.Cmd { return recipe(snap, to()) },
				after: check,
			},
			&contender{
				name: "restic restore",
				prep: fresh.next,
				cmd: func() *exec.Cmd {
					return command(b.env, "restic", "--quiet", "--repo", repo, "restore", "latest", "--target", to())
				},
				after: check,
			})
	}
	inputs := append(slices.Clone(pieces), resticRepoFor(w, c))
	r, err = b.finish(r, warming(cs, inputs...), peers, map[string]float64{"zstd -d|tar -x": 1.1, "restic restore": 0.5}, pieces)
	if err == nil {
		r.note("every run restores into a new directory; they are deleted when the bench ends (deleting a tree right before a run slows file creation on this ext4)")
		r.note("zstd -d|tar -x is the README's recipe without strata: awk names the chunk files of chunks.txt in order, xargs cat concatenates them (one zstd stream), zstd -d|tar -x unpacks it")
	}
	return r, err
}

// removeRestores deletes the directories P4 restored into, of this run and
// of any earlier one that was interrupted.
func (b *bench) removeRestores() {
	dirs, _ := filepath.Glob(filepath.Join(b.work, "p4", "runs-*"))
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			logf("removing %s: %v", d, err)
		}
	}
}

// needFree fails unless the file system holding dir has n bytes free.
func needFree(dir string, n int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return err
	}
	if free := int64(st.Bavail) * st.Bsize; free < n {
		return fmt.Errorf("%s has %s free, %s needed; free some space or use a smaller SIZE", dir, human(free), human(n))
	}
	return nil
}

// freshDirs names a new, not yet existing directory under root per run.
type freshDirs struct {
	root string
	n    int
}

// next moves on to the next directory.
func (f *freshDirs) next() error { f.n++; return nil }

// current is the directory of this run.
func (f *freshDirs) current() string { return filepath.Join(f.root, fmt.Sprintf("run-%02d", f.n)) }

func (b *bench) chainF(steps ...func() error) func() error {
	return func() error { return b.chain(steps...) }
}

// resticRepoFor is where P4 keeps restic's backup of c: one per corpus
// size, as a repository made of another corpus restores other paths.
func resticRepoFor(w string, c *corpus) string {
	return filepath.Join(w, fmt.Sprintf("restic-repo-%d", c.Bytes))
}

// resticRepo makes, once, a restic repository holding one backup of c.
func (b *bench) resticRepo(repo string, c *corpus) error {
	done := repo + ".done"
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	if err := os.RemoveAll(repo); err != nil {
		return err
	}
	if err := run(command(b.env, "restic", "init", "--quiet", "--repo", repo)); err != nil {
		return err
	}
	if err := run(command(b.env, "restic", "--quiet", "--repo", repo, "backup", c.Dir)); err != nil {
		return err
	}
	return os.WriteFile(done, nil, 0o644)
}

// sameSize checks that a restored tree has as many bytes as the corpus.
func sameSize(c *corpus, dir string) error {
	n, err := dirSize(dir)
	if err != nil {
		return err
	}
	if n != c.Bytes {
		return fmt.Errorf("restored %d bytes into %s, the corpus has %d", n, dir, c.Bytes)
	}
	return nil
}

// recipe restores snap into dir with the README's recipe: no strata, only
// awk, cat, zstd and tar, run in the destination root.
func recipe(snap *stored, dir string) *exec.Cmd {
	list, _ := filepath.Rel(snap.Root, filepath.Join(snap.Dir, "chunks.txt"))
	cmd := shell(fmt.Sprintf(`awk '{print ".strata/chunks/" substr($1,1,2) "/" $1 ".zst"}' %q | xargs cat | zstd -d -q -c | tar -xf - -C %q`, list, dir))
	cmd.Dir = snap.Root
	return cmd
}

func yes(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
