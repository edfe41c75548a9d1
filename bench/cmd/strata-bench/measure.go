package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// contender is one program a scenario times.
type contender struct {
	name string
	// prep runs untimed before each run (e.g. wipe the destination).
	prep func() error
	// cmd returns the command to time.
	cmd func() *exec.Cmd
	// after runs untimed after each run (e.g. check and record sizes).
	after func() error
	// warm lists the inputs read into the page cache before each run: this
	// machine pages out cache that went unread for about a minute.
	warm []string
}

// warming sets the inputs every contender reads before each run.
func warming(cs []*contender, paths ...string) []*contender {
	for _, c := range cs {
		c.warm = paths
	}
	return cs
}

// warmCache reads every regular file under paths.
func warmCache(paths []string) error {
	buf := make([]byte, 1<<20)
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil // an input of a peer that does not run
			}
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
			return err
		})
		if err != nil {
			return fmt.Errorf("warm the page cache: %w", err)
		}
	}
	return nil
}

// sample is one timed run.
type sample struct {
	Wall   float64 `json:"wall_s"`
	CPU    float64 `json:"cpu_s"`      // user + system of the process and its waited-for children
	MaxRSS int64   `json:"max_rss_kb"` // peak resident set of the largest process, KiB
}

// series is the runs of one contender.
type series struct {
	Name    string   `json:"name"`
	Samples []sample `json:"samples"`
	Stats   stats    `json:"stats"`
}

// stats summarises a series.
type stats struct {
	Min       float64 `json:"min_s"`
	Median    float64 `json:"median_s"`
	Max       float64 `json:"max_s"`
	CPUMedian float64 `json:"cpu_median_s"`
	RSSMax    int64   `json:"max_rss_kb"`
}

func summarize(s []sample) stats {
	if len(s) == 0 {
		return stats{}
	}
	walls := make([]float64, len(s))
	cpus := make([]float64, len(s))
	var rss int64
	for i, x := range s {
		walls[i], cpus[i] = x.Wall, x.CPU
		rss = max(rss, x.MaxRSS)
	}
	slices.Sort(walls)
	return stats{Min: walls[0], Median: median(walls), Max: walls[len(walls)-1], CPUMedian: median(cpus), RSSMax: rss}
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// timeRun runs c's command once, after its prep, and measures it with the
// rusage that wait4 returns.
func timeRun(c *contender) (sample, error) {
	if c.prep != nil {
		if err := c.prep(); err != nil {
			return sample{}, fmt.Errorf("%s: prepare: %w", c.name, err)
		}
	}
	if err := warmCache(c.warm); err != nil {
		return sample{}, err
	}
	cmd, rssFile, err := underTime(c.cmd())
	if err != nil {
		return sample{}, err
	}
	defer os.Remove(rssFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// What the previous run wrote is flushed to disk first: otherwise the
	// kernel's write-back of it (gigabytes at the default size) competes
	// with this run for the two cores.
	syscall.Sync()
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return sample{}, fmt.Errorf("%s: %s: %v\n%s", c.name, strings.Join(cmd.Args, " "), err, tail(out.String(), 2000))
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	s := sample{Wall: wall, CPU: tv(ru.Utime) + tv(ru.Stime), MaxRSS: readRSS(rssFile)}
	if c.after != nil {
		if err := c.after(); err != nil {
			return s, fmt.Errorf("%s: check: %w", c.name, err)
		}
	}
	return s, nil
}

// underTime wraps cmd in GNU time, which writes the peak RSS (KiB) of the
// command into a file: the rusage of a child that Go starts with vfork
// counts the parent's pages, which would hide a small peak.
func underTime(cmd *exec.Cmd) (*exec.Cmd, string, error) {
	f, err := os.CreateTemp("", "strata-bench-rss-")
	if err != nil {
		return nil, "", err
	}
	f.Close()
	w := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", f.Name(), cmd.Path}, cmd.Args[1:]...)...)
	w.Env, w.Dir = cmd.Env, cmd.Dir
	return w, f.Name(), nil
}

func readRSS(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
	return n
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// slowContender is the warm-up time above which alternate times a
// contender once.
const slowContender = time.Minute

// alternate runs every contender once as a warm-up (page cache, discarded),
// then rounds times in turn, so that noise from the shared machine spreads
// over all of them alike.
//
// A contender whose warm-up took longer than slowContender is timed once
// only (rclone copy of ~10,000 chunk files over SFTP takes minutes): a
// median of one, which the logs say.
func alternate(rounds int, cs ...*contender) ([]series, error) {
	out := make([]series, len(cs))
	slow := make([]bool, len(cs))
	for i, c := range cs {
		out[i].Name = c.name
		s, err := timeRun(c)
		if err != nil {
			return nil, err
		}
		if slow[i] = time.Duration(s.Wall*float64(time.Second)) > slowContender; slow[i] && rounds > 1 {
			logf("  %-28s warm-up took %.0fs: timed once, not %d times", c.name, s.Wall, rounds)
		}
	}
	for r := range rounds {
		for i, c := range cs {
			if slow[i] && r > 0 {
				continue
			}
			s, err := timeRun(c)
			if err != nil {
				return nil, err
			}
			logf("  %-28s run %d: %6.3fs  cpu %6.2fs  rss %s", c.name, r+1, s.Wall, s.CPU, kib(s.MaxRSS))
			out[i].Samples = append(out[i].Samples, s)
		}
	}
	for i := range out {
		out[i].Stats = summarize(out[i].Samples)
	}
	return out, nil
}

// command builds an exec.Cmd with extra environment variables.
func command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// shell builds a bash command line with pipefail set.
func shell(script string) *exec.Cmd {
	return exec.Command("bash", "-c", "set -euo pipefail; "+script)
}

func kib(k int64) string {
	return fmt.Sprintf("%.0f MiB", float64(k)/1024)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
