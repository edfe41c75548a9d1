package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The daily scenarios P9–P11, on the series of history.go.

// p9 times the snapshot of day 1 (about 1% changed) on top of day 0's:
// before each run every tool's repository and caches are put back as day 0
// left them, so restic has its parent snapshot and Borg its files cache.
func (b *bench) p9(c *corpus) (*result, error) {
	r := &result{ID: "P9", Title: "next snapshot after ~1% of the tree changed", Available: true, Corpus: c.Bytes,
		Target: "≤ 1.0 vs restic backup with its parent, ≤ 1.0 vs borg create with its files cache"}
	h, err := b.dailyHistory(c)
	if err != nil {
		return nil, err
	}
	if h.day != 0 {
		return nil, fmt.Errorf("the daily series is at day %d; P9 needs day 0", h.day)
	}
	if err := h.nextDay(); err != nil {
		return nil, err
	}
	var cs []*contender
	for _, t := range h.tools {
		cs = append(cs, &contender{name: t.name, prep: func() error { return t.restore("day0") },
			cmd: func() *exec.Cmd { return t.backup(1) }})
	}
	cs[0].after = func() error { return snapshotCount(h.tools[0].repo, 2) }
	if r.Series, err = alternate(b.rounds, warming(cs, h.tree)...); err != nil {
		return nil, err
	}
	h.day = 1 // every tool's last run left its repository at day 1
	r.compare(map[string]float64{"restic backup": 1.0, "borg create": 1.0})
	r.Values = churnValues(h.churn[0])
	r.note("%s", churnNote(h.churn[0]))
	r.note("strata keeps a file cache (its XDG_CACHE_HOME is put back with its destination): it still reads the whole tree (data.tar.sha256 is the digest of the whole stream) but only hashes the unchanged large files along their cached chunks; small files and changed large files are cut again, and only new chunks are compressed and written")
	return r, nil
}

// snapshotCount checks that dest holds n complete snapshots.
func snapshotCount(dest string, n int) error {
	all, err := findSnapshots(dest)
	if err == nil && len(all) != n {
		err = fmt.Errorf("%s holds %d snapshots, want %d", dest, len(all), n)
	}
	return err
}

// churnValues records a day's change.
func churnValues(ch *churn) map[string]float64 {
	return map[string]float64{"changed_bytes": float64(ch.ChangedBytes), "changed_percent": ch.CorpusPercent,
		"big_files": float64(ch.BigFiles), "small_files": float64(ch.SmallFiles), "added_bytes": float64(ch.AddedBytes)}
}

// churnNote says what a day changed.
func churnNote(ch *churn) string {
	return fmt.Sprintf("day %d's change (seeded): %s rewritten in place in %d large files, %d small files (%s) rewritten and %d others touched (mtime only), one file of %s added — %s, %.2f%% of the corpus",
		ch.Day, human(ch.BigBytes), ch.BigFiles, ch.SmallFiles, human(ch.SmallBytes), ch.Touched,
		human(ch.AddedBytes), human(ch.ChangedBytes), ch.CorpusPercent)
}

// p10 counts the bytes each tool stores after the seven daily snapshots.
func (b *bench) p10(c *corpus) (*result, error) {
	r := &result{ID: "P10", Title: "bytes stored after 7 daily snapshots (~1% changed a day)", Available: true, Corpus: c.Bytes,
		Target: "≤ 1.0 vs restic's repository, ≤ 1.0 vs Borg's", Values: map[string]float64{}}
	h, err := b.dailyHistory(c)
	if err != nil {
		return nil, err
	}
	first := h.day + 1
	if err := h.advance(lastDay); err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	for _, t := range h.tools {
		if sizes[t.name], err = dirSize(t.repo); err != nil {
			return nil, err
		}
		if s := h.daily[t.name]; len(s) > 0 {
			r.Series = append(r.Series, series{Name: t.name, Samples: s, Stats: summarize(s)})
		}
	}
	strata := sizes["strata apply"]
	r.Met = true
	for _, p := range []struct{ tool, peer string }{{"restic backup", "restic repository"}, {"borg create", "Borg repository"}} {
		v := float64(strata) / float64(sizes[p.tool])
		r.Ratios = append(r.Ratios, ratio{Peer: p.peer, Value: v, Target: 1.0, Met: v <= 1.0})
		r.Met = r.Met && v <= 1.0
	}
	r.Values["strata_bytes"], r.Values["restic_bytes"], r.Values["borg_bytes"] = float64(strata), float64(sizes["restic backup"]), float64(sizes["borg create"])
	r.note("stored after 7 snapshots: strata %s, restic %s, Borg %s (the repositories only; restic's and Borg's local caches not counted)",
		human(strata), human(sizes["restic backup"]), human(sizes["borg create"]))
	if first <= lastDay {
		r.note("times: one run of each tool per day (no warm-up, not alternated), days %d–%d (snapshots %d–7)", first, lastDay, first+1)
	}
	for _, ch := range h.churn[1:] {
		r.note("%s", churnNote(ch))
	}
	return r, b.chunkStats(r, h.tools[0].repo)
}

// chunkStats adds what strata's chunk store holds: chunks, their mean
// uncompressed size, the objects per TB that implies — of unique
// uncompressed data, of compressed chunk files stored, and of one
// snapshot's logical size — and the chunker.
func (b *bench) chunkStats(r *result, dest string) error {
	all, err := findSnapshots(dest)
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	var logical int64
	var chunker string
	var lastRefs int
	var lastSize int64
	for _, s := range all {
		m, err := readManifest(s.Dir)
		if err != nil {
			return err
		}
		logical += m.Size
		chunker = m.Chunker
		refs, err := chunkSizes(s.Dir, sizes)
		if err != nil {
			return err
		}
		lastRefs, lastSize = refs, m.Size
	}
	var unique, small int64
	for _, n := range sizes {
		unique += n
		if n < 512<<10 {
			small++
		}
	}
	stored, err := dirSize(filepath.Join(dest, ".strata", "chunks"))
	if err != nil {
		return err
	}
	n := float64(len(sizes))
	r.Values["chunks"], r.Values["unique_bytes"], r.Values["logical_bytes"] = n, float64(unique), float64(logical)
	r.Values["chunk_files_bytes"] = float64(stored)
	r.Values["chunks_per_gib"] = n / (float64(unique) / (1 << 30))
	r.Values["objects_per_tb"] = n / float64(unique) * 1e12
	r.Values["objects_per_stored_tb"] = n / float64(max(stored, 1)) * 1e12
	r.Values["objects_per_logical_tb"] = float64(lastRefs) / float64(max(lastSize, 1)) * 1e12
	r.note("chunker %s: %d chunks of %s unique data (mean %s; %d under 512 KiB, the small cut and file tails) for %s of logical snapshots (dedup %.1f×): %.0f chunks per GiB; objects per TB: %.2f million of unique uncompressed data, %.2f million of compressed chunk files stored (%s), %.2f million of one snapshot's logical data (the last names %d chunks)",
		chunker, len(sizes), human(unique), human(unique/int64(max(n, 1))), small, human(logical), float64(logical)/float64(unique),
		r.Values["chunks_per_gib"], r.Values["objects_per_tb"]/1e6, r.Values["objects_per_stored_tb"]/1e6, human(stored),
		r.Values["objects_per_logical_tb"]/1e6, lastRefs)
	return nil
}

// snapManifest is the part of manifest.json the bench reads.
type snapManifest struct {
	Chunker     string `json:"chunker"`
	Size        int64  `json:"size"`
	Added       int64  `json:"bytes_added"`
	AddedChunks int    `json:"chunks_added"`
}

func readManifest(dir string) (*snapManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m snapManifest
	return &m, json.Unmarshal(b, &m)
}

// chunkSizes adds the uncompressed size of each chunk dir's chunks.txt
// names to sizes (chunk ID → bytes), and returns how many lines it has.
func chunkSizes(dir string, sizes map[string]int64) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "chunks.txt"))
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, line := range lines {
		var id string
		var n int64
		if _, err := fmt.Sscanf(line, "%s %d", &id, &n); err != nil {
			return 0, fmt.Errorf("%s/chunks.txt: %q: %v", dir, line, err)
		}
		sizes[id] = n
	}
	return len(lines), nil
}
