// Command strata-bench measures strata against its peers (tar|zstd, restic,
// Borg, rclone, scp, openssl) on the same generated corpus in the same run,
// alternating the contenders on a warm page cache, and writes the results as
// Markdown and JSON. `make bench` runs it; see docs/benchmarks.md.
//
// It only ever writes under its work directory and its output directory, and
// its SFTP server listens on 127.0.0.1 only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

type options struct {
	size, smallSize string
	rounds          int
	objects         int
	idle            time.Duration
	only            string
	work, out       string
	strata, rclone  string
}

func main() {
	var o options
	flag.StringVar(&o.size, "size", "1.5GiB", "corpus `SIZE` (e.g. 200MiB, 1.5GiB)")
	flag.StringVar(&o.smallSize, "small-size", "", "second corpus `SIZE` for peak memory of P1–P4 (default: a quarter of -size)")
	flag.IntVar(&o.rounds, "runs", 5, "timed runs of each contender, after one warm-up run")
	flag.IntVar(&o.objects, "objects", 100000, "objects in the P6/P7 destination tree")
	flag.DurationVar(&o.idle, "idle", 60*time.Second, "how long P8 watches an idle `strata watch`")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (e.g. P1,P3); default all")
	flag.StringVar(&o.work, "work", ".cache/bench", "scratch `DIR` (corpus, repositories, restores)")
	flag.StringVar(&o.out, "out", "bench/results", "output `DIR` for latest.md and latest.json")
	flag.StringVar(&o.strata, "strata", "bin/strata", "the strata binary to measure")
	flag.StringVar(&o.rclone, "rclone", ".cache/bin/rclone", "the rclone binary (same version as strata links)")
	flag.DurationVar(&trashGrace, "trash-grace", trashGrace, "wait after emptying the trash when space runs short (0 on a journaled -work file system; see scenarios.go)")
	flag.Parse()
	if err := run1(o); err != nil {
		fmt.Fprintln(os.Stderr, "strata-bench: error:", err)
		os.Exit(1)
	}
}

func run1(o options) error {
	b, sizes, err := setup(o)
	if err != nil {
		return err
	}
	defer b.ssh.stop()
	defer b.removeRestores()
	trashDir = filepath.Join(b.work, "trash")
	if err := emptyTrash(); err != nil { // of an interrupted run
		return err
	}
	defer os.RemoveAll(trashDir)
	rep := newReport(o, sizes)
	want := func(id string) bool {
		return o.only == "" || strings.Contains(","+strings.ToUpper(o.only)+",", ","+id+",")
	}
	big, err := makeCorpus(b.work, sizes[0])
	if err != nil {
		return err
	}
	rep.Corpus = big
	if err := b.runAll(rep, o, big, sizes[1], want); err != nil {
		// What ran is kept: a failure in the last scenario must not cost
		// the hour before it.
		rep.Stopped = err.Error()
		if werr := rep.write(o.out); werr != nil {
			return errors.Join(err, werr)
		}
		return fmt.Errorf("%w (the results so far are in %s)", err, o.out)
	}
	return rep.write(o.out)
}

// runAll runs the scenarios o asks for, on the big corpus and then, for
// peak memory, on one of smallSize.
func (b *bench) runAll(rep *report, o options, big *corpus, smallSize int64, want func(string) bool) error {
	data := []struct {
		id string
		fn func(*corpus, bool) (*result, error)
	}{{"P1", b.p1}, {"P2", b.p2}, {"P3", b.p3}, {"P4", b.p4}}
	for _, d := range data {
		if want(d.id) {
			if err := rep.add(d.id, func() (*result, error) { return d.fn(big, true) }); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct {
		id string
		fn func(*corpus) (*result, error)
	}{{"P9", b.p9}, {"P10", b.p10}, {"P11", b.p11}} {
		if want(d.id) {
			if err := rep.add(d.id, func() (*result, error) { return d.fn(big) }); err != nil {
				return err
			}
		}
	}
	if err := b.planScenarios(rep, o, want); err != nil {
		return err
	}
	return b.memoryAtSecondSize(rep, smallSize, data, want)
}

// planScenarios runs P5–P8.
func (b *bench) planScenarios(rep *report, o options, want func(string) bool) error {
	if want("P5") {
		if err := rep.add("P5", b.p5); err != nil {
			return err
		}
	}
	if want("P6") || want("P7") {
		t, err := b.makeTree(o.objects)
		if err != nil {
			return err
		}
		for id, fn := range map[string]func(*tree) (*result, error){"P6": b.p6, "P7": b.p7} {
			if want(id) {
				if err := rep.add(id, func() (*result, error) { return fn(t) }); err != nil {
					return err
				}
			}
		}
	}
	if want("P8") {
		return rep.add("P8", func() (*result, error) { return b.p8(o.idle) })
	}
	return nil
}

// memoryAtSecondSize runs strata alone in P1–P4 on the second corpus, for
// its peak RSS.
func (b *bench) memoryAtSecondSize(rep *report, size int64, data []struct {
	id string
	fn func(*corpus, bool) (*result, error)
}, want func(string) bool) error {
	small, err := makeCorpus(b.work, size)
	if err != nil {
		return err
	}
	rep.SmallCorpus = small
	for _, d := range data {
		if !want(d.id) {
			continue
		}
		logf("%s at %s (strata only, for peak memory)", d.id, human(small.Bytes))
		r, err := d.fn(small, false)
		if err != nil {
			return fmt.Errorf("%s at %s: %w", d.id, human(small.Bytes), err)
		}
		rep.Memory = append(rep.Memory, memoryRow{ID: d.id, Contender: r.Series[0].Name,
			SmallKB: r.Series[0].Stats.RSSMax, SmallMedian: r.Series[0].Stats.Median})
	}
	rep.fillMemory()
	return nil
}

// setup checks the tools, resolves paths and starts the SFTP server.
func setup(o options) (*bench, [2]int64, error) {
	var sizes [2]int64
	big, err := humanize.ParseBytes(o.size)
	if err != nil || big < 1<<20 {
		return nil, sizes, fmt.Errorf("-size %q: want a size of at least 1MiB such as 200MiB or 1.5GiB", o.size)
	}
	sizes[0], sizes[1] = int64(big), int64(big)/4
	if o.smallSize != "" {
		s, err := humanize.ParseBytes(o.smallSize)
		if err != nil {
			return nil, sizes, fmt.Errorf("-small-size %q: %v", o.smallSize, err)
		}
		sizes[1] = int64(s)
	}
	repo, _ := os.Getwd()
	b := &bench{repo: repo, rounds: max(o.rounds, 1)}
	for dst, p := range map[*string]string{&b.work: o.work, &b.strata: o.strata, &b.rclone: o.rclone} {
		if *dst, err = filepath.Abs(p); err != nil {
			return nil, sizes, err
		}
	}
	if err := checkTools(b); err != nil {
		return nil, sizes, err
	}
	b.env = []string{"RESTIC_PASSWORD=strata-bench", "RESTIC_CACHE_DIR=" + filepath.Join(b.work, "restic-cache"),
		"BORG_BASE_DIR=" + filepath.Join(b.work, "borg-base"), "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes",
		"BORG_RELOCATED_REPO_ACCESS_IS_OK=yes"}
	if b.ssh, err = startSSHD(filepath.Join(b.work, "sshd")); err != nil {
		return nil, sizes, err
	}
	return b, sizes, nil
}

// checkTools fails with a hint when a contender is missing.
func checkTools(b *bench) error {
	var missing []string
	for _, t := range []string{b.strata, b.rclone, "restic", "borg", "zstd", "tar", "/usr/bin/time", "scp", "ssh-keygen", "openssl", "sha256sum", "go"} {
		if _, err := lookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return errors.New("missing " + strings.Join(missing, ", ") + "; run `make bench` (or bench/install.sh and `make build`) first")
	}
	return nil
}
