package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Fixed clock for the strata runs: snapshots are made at t0; at t1 (same day,
// schedule @daily) the plan wants no new one.
const (
	t0 = "2026-01-01T01:00:00Z"
	t1 = "2026-01-01T02:00:00Z"
)

// result is one scenario's outcome.
type result struct {
	ID        string             `json:"id"`
	Title     string             `json:"title"`
	Target    string             `json:"target"`
	Available bool               `json:"available"`
	Met       bool               `json:"met"`
	Corpus    int64              `json:"corpus_bytes,omitempty"`
	Series    []series           `json:"series,omitempty"`
	Ratios    []ratio            `json:"ratios,omitempty"`
	Values    map[string]float64 `json:"values,omitempty"`
	Notes     []string           `json:"notes,omitempty"`
}

// ratio is strata's median time over a peer's.
type ratio struct {
	Peer   string  `json:"peer"`
	Value  float64 `json:"value"`
	Target float64 `json:"target"`
	Met    bool    `json:"met"`
}

// compare adds the ratio of the first series' median to each named peer's.
func (r *result) compare(targets map[string]float64) {
	strata := r.Series[0].Stats.Median
	r.Met = true
	for _, s := range r.Series[1:] {
		t, ok := targets[s.Name]
		if !ok {
			continue
		}
		v := strata / s.Stats.Median
		r.Ratios = append(r.Ratios, ratio{Peer: s.Name, Value: v, Target: t, Met: v <= t})
		r.Met = r.Met && v <= t
	}
}

func (r *result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// bench holds what every scenario shares.
type bench struct {
	repo   string // the strata repository
	work   string // scratch directory
	strata string
	rclone string
	rounds int
	ssh    *sshServer
	env    []string // for restic and borg
	hist   *history // the daily series of P9–P11, once started
}

// strataCmd runs strata on the config in dir, with its file cache under
// the scratch directory, not the user's.
func (b *bench) strataCmd(dir string, args ...string) *exec.Cmd {
	env := []string{"XDG_CACHE_HOME=" + filepath.Join(b.work, "strata-xdg-cache")}
	return command(env, b.strata, append([]string{"-C", dir, "--no-color"}, args...)...)
}

// config writes a strata configuration into dir and returns dir.
func config(dir, hcl string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "bench.hcl"), []byte(hcl), 0o644)
}

// appHCL declares the application "corpus" backing up src.
func appHCL(src string) string {
	return fmt.Sprintf(`
application "corpus" {
  schedule = "@daily"
  source {
    paths = [%q]
  }
}
`, src)
}

// trashDir is where wipe moves what it takes away (set by run1, under the
// scratch directory). It is deleted when the bench ends, or before, by
// emptyTrash, when the scratch file system runs short of space.
var trashDir string

// trashed counts what wipe moved into trashDir.
var trashed int

// wipe takes dirs (or files) away before a run: it moves them into the
// trash rather than deleting them. On this machine's ext4 (no journal),
// creating a file scans past every inode deleted in the last minute or so
// (ext4_create → find_inode_bit → recently_deleted), so a run that follows
// the deletion of the last run's ~10,000 chunk files spends seconds of
// system time in that scan: what would be measured is the wipe, not the
// contender.
func wipe(dirs ...string) func() error {
	return func() error {
		for _, d := range dirs {
			if err := moveToTrash(d); err != nil {
				return err
			}
		}
		return nil
	}
}

func moveToTrash(p string) error {
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if trashDir != "" {
		if needFree(filepath.Dir(trashDir), trashKeepFree) != nil {
			if err := emptyTrash(); err != nil { // untimed, in a run's prep
				return err
			}
		}
		if err := os.MkdirAll(trashDir, 0o755); err != nil {
			return err
		}
		trashed++
		if os.Rename(p, filepath.Join(trashDir, fmt.Sprint(trashed))) == nil {
			return nil
		}
	}
	return os.RemoveAll(p)
}

// trashKeepFree is the free space below which wipe empties the trash
// before it moves more into it.
const trashKeepFree = 12 << 30

// trashGrace is how long emptyTrash waits after deleting: ext4 without a
// journal skips an inode freed less than 60 s ago, or 360 s while its
// inode table block is dirty — which creating files in the same group
// makes it again (RECENTCY_MIN, RECENTCY_DIRTY). -trash-grace sets it; 0 on
// a file system with a journal, which never looks.
var trashGrace = 365 * time.Second

// emptyTrash deletes the trash, writes it back and waits out trashGrace,
// so that the runs after it do not pay for the deletion.
func emptyTrash() error {
	if trashDir == "" {
		return nil
	}
	if _, err := os.Stat(trashDir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	logf("emptying the trash (%s), then waiting %s", trashDir, trashGrace)
	if err := os.RemoveAll(trashDir); err != nil {
		return err
	}
	if trashGrace > 0 {
		syscall.Sync()
		time.Sleep(trashGrace)
	}
	return nil
}

// stored is one complete format 2 snapshot at a destination: its directory
// and the chunk files its chunks.txt names.
type stored struct {
	Root   string   // the destination root
	Dir    string   // the snapshot directory
	Order  []string // chunk files in stream order (a chunk may repeat)
	Unique []string // each chunk file once, in order of first use
}

// findSnapshot returns the oldest complete snapshot under root (the only
// one, where a scenario made one).
func findSnapshot(root string) (*stored, error) {
	all, err := findSnapshots(root)
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// findSnapshots returns every complete snapshot under root, oldest first
// (the directory names sort in time order), skipping the chunk store.
func findSnapshots(root string) ([]*stored, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".strata":
			return fs.SkipDir
		case d.Name() == "manifest.json":
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if err == nil && len(dirs) == 0 {
		err = errors.New("none found")
	}
	if err != nil {
		return nil, fmt.Errorf("no complete snapshot under %s (%v)", root, err)
	}
	out := make([]*stored, len(dirs))
	for i, dir := range dirs {
		if out[i], err = readChunkList(root, dir); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readChunkList reads dir's chunks.txt into the chunk files it names.
func readChunkList(root, dir string) (*stored, error) {
	b, err := os.ReadFile(filepath.Join(dir, "chunks.txt"))
	if err != nil {
		return nil, err
	}
	s := &stored{Root: root, Dir: dir}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		id, _, _ := strings.Cut(line, " ")
		if len(id) != 64 {
			return nil, fmt.Errorf("%s/chunks.txt: bad line %q", dir, line)
		}
		f := chunkFile(root, id)
		s.Order = append(s.Order, f)
		if !seen[f] {
			seen[f] = true
			s.Unique = append(s.Unique, f)
		}
	}
	return s, nil
}

// chunkFile is where a destination keeps the chunk id.
func chunkFile(root, id string) string {
	return filepath.Join(root, ".strata", "chunks", id[:2], id+".zst")
}

// sizeOf returns the total size of files.
func sizeOf(files ...string) (int64, error) {
	var n int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}

// dirSize returns the bytes of the regular files under root.
func dirSize(root string) (int64, error) {
	var n int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// run runs a command to completion, untimed, returning its output on failure.
func run(cmd *exec.Cmd) error {
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(string(out), 2000))
	}
	return nil
}
