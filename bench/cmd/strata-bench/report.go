package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	Started     time.Time         `json:"started"`
	Finished    time.Time         `json:"finished"`
	Command     string            `json:"command"`
	Machine     map[string]string `json:"machine"`
	Versions    map[string]string `json:"versions"`
	Runs        int               `json:"runs"`
	Corpus      *corpus           `json:"corpus"`
	SmallCorpus *corpus           `json:"small_corpus"`
	Results     []*result         `json:"results"`
	Memory      []memoryRow       `json:"memory"`
	// Stopped is the error that ended the run before every scenario ran.
	Stopped string `json:"stopped,omitempty"`
}

// memoryRow is strata's peak RSS in one scenario at both corpus sizes.
type memoryRow struct {
	ID          string  `json:"id"`
	Contender   string  `json:"contender"`
	SmallKB     int64   `json:"small_max_rss_kb"`
	LargeKB     int64   `json:"large_max_rss_kb"`
	SmallMedian float64 `json:"small_median_s"`
	LargeMedian float64 `json:"large_median_s"`
}

var lookPath = exec.LookPath

func newReport(o options, sizes [2]int64) *report {
	cmd := fmt.Sprintf("make bench SIZE=%s RUNS=%d", o.size, o.rounds)
	if o.only != "" {
		cmd += " ONLY=" + o.only
	}
	r := &report{Started: time.Now().UTC(), Command: cmd, Runs: o.rounds, Machine: machine(), Versions: versions(o)}
	return r
}

// add runs one scenario and records it.
func (r *report) add(id string, fn func() (*result, error)) error {
	logf("%s", id)
	res, err := fn()
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	r.Results = append(r.Results, res)
	return nil
}

// fillMemory adds the large-corpus peak RSS of the same contenders.
func (r *report) fillMemory() {
	for i, m := range r.Memory {
		for _, res := range r.Results {
			if res.ID == m.ID && len(res.Series) > 0 {
				r.Memory[i].LargeKB = res.Series[0].Stats.RSSMax
				r.Memory[i].LargeMedian = res.Series[0].Stats.Median
			}
		}
	}
}

func machine() map[string]string {
	m := map[string]string{"cores": fmt.Sprint(runtime.NumCPU()), "os": runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
		m["sha_ni"] = fmt.Sprint(strings.Contains(string(b), " sha_ni"))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m["memory"] = strings.Join(strings.Fields(strings.SplitN(string(b), "\n", 2)[0])[1:], " ")
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m["load_at_start"] = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m["kernel"] = strings.TrimSpace(string(out))
	}
	return m
}

func versions(o options) map[string]string {
	v := map[string]string{}
	for name, args := range map[string][]string{
		"strata": {o.strata, "version"}, "rclone": {o.rclone, "version"}, "restic": {"restic", "version"},
		"borg": {"borg", "--version"}, "zstd": {"zstd", "--version"}, "openssl": {"openssl", "version"},
		"ssh": {"ssh", "-V"}, "tar": {"tar", "--version"}, "go": {"go", "version"},
	} {
		out, _ := exec.Command(args[0], args[1:]...).CombinedOutput()
		v[name] = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	return v
}

// write writes latest.json and latest.md into dir.
func (r *report) write(dir string) error {
	r.Finished = time.Now().UTC()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	logf("wrote %s and %s", filepath.Join(dir, "latest.md"), filepath.Join(dir, "latest.json"))
	return nil
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# strata benchmarks — %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Reproduce: `%s` (each contender: 1 warm-up run, then %d timed runs, alternating; times in seconds).\n\n", r.Command, r.Runs)
	r.machineSection(&b)
	if r.Stopped != "" {
		fmt.Fprintf(&b, "\n**Stopped early**, the scenarios after this error not run: %s\n", strings.ReplaceAll(strings.TrimSpace(r.Stopped), "\n", " / "))
	}
	b.WriteString("\n## Targets\n\n| # | scenario | target | strata / peer (median) | met |\n|---|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", res.ID, res.Title, res.Target, ratioCell(res), metCell(res))
	}
	b.WriteString("\n## Times\n\n| # | contender | min | median | max | CPU (median) | peak RSS |\n|---|---|---|---|---|---|---|\n")
	for _, res := range r.Results {
		for _, s := range res.Series {
			st := s.Stats
			fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %.3f | %.2f | %s |\n", res.ID, s.Name, st.Min, st.Median, st.Max, st.CPUMedian, kib(st.RSSMax))
		}
	}
	r.memorySection(&b)
	b.WriteString("\n## Notes\n\n")
	for _, res := range r.Results {
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "- %s: %s\n", res.ID, n)
		}
	}
	return b.String()
}

func (r *report) machineSection(b *strings.Builder) {
	m := r.Machine
	fmt.Fprintf(b, "Machine: %s, %s cores, %s RAM, SHA-NI %s, Linux %s; load average at start %s.\n\n",
		m["cpu"], m["cores"], m["memory"], m["sha_ni"], m["kernel"], m["load_at_start"])
	if r.Corpus != nil {
		fmt.Fprintf(b, "Corpus: %s in %d files (40%% text, 45%% random binary, 15%% small text files of 0.5–8 KiB), generated deterministically.\n\n",
			human(r.Corpus.Bytes), r.Corpus.Files)
	}
	b.WriteString("Versions:")
	for _, k := range []string{"strata", "rclone", "restic", "borg", "zstd", "tar", "openssl", "ssh", "go"} {
		fmt.Fprintf(b, " %s: `%s`;", k, r.Versions[k])
	}
	b.WriteString("\n")
}

func (r *report) memorySection(b *strings.Builder) {
	if len(r.Memory) == 0 || r.SmallCorpus == nil || r.Corpus == nil {
		return
	}
	fmt.Fprintf(b, "\n## Peak memory of strata at two corpus sizes\n\n| # | command | RSS at %s | RSS at %s | median time at %s | at %s |\n|---|---|---|---|---|---|\n",
		human(r.SmallCorpus.Bytes), human(r.Corpus.Bytes), human(r.SmallCorpus.Bytes), human(r.Corpus.Bytes))
	for _, m := range r.Memory {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %.3f s | %.3f s |\n", m.ID, m.Contender, kib(m.SmallKB), kib(m.LargeKB), m.SmallMedian, m.LargeMedian)
	}
}

func ratioCell(res *result) string {
	if !res.Available {
		return "not available"
	}
	var parts []string
	for _, q := range res.Ratios {
		parts = append(parts, fmt.Sprintf("%.2f vs %s (≤ %.1f)", q.Value, q.Peer, q.Target))
	}
	if len(parts) == 0 {
		for _, n := range res.Notes {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "; ")
}

func metCell(res *result) string {
	switch {
	case !res.Available:
		return "—"
	case res.Met:
		return "**met**"
	default:
		return "**missed**"
	}
}
