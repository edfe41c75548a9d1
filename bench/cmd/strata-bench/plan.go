package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The planning scenarios P5–P7.

// tree is a destination holding many snapshot directories, 4 objects each.
type tree struct {
	Root, Config string
	Objects      int
}

// treeVersion marks a tree written with format 2's file names: a tree of
// an older bench (format 1's data.tar.zst) is written again.
const treeVersion = "format 2\n"

// treeApps is the number of applications the P6 tree is spread over.
const treeApps = 100

// makeTree writes (once) a destination of about objects objects: treeApps
// applications with daily snapshots at 02:00 up to t1's day, and a config
// whose plan at t1 has nothing to do.
func (b *bench) makeTree(objects int) (*tree, error) {
	w := filepath.Join(b.work, fmt.Sprintf("tree-%d", objects))
	t := &tree{Root: filepath.Join(w, "dest"), Objects: objects}
	src := filepath.Join(w, "src")
	var hcl strings.Builder
	fmt.Fprintf(&hcl, "destination \"local\" {\n  remote = %q\n}\n", t.Root)
	hcl.WriteString("tier \"local\" {\n  destinations = [destination.local]\n  keep {\n    last = 100000\n  }\n}\n")
	for i := range treeApps {
		fmt.Fprintf(&hcl, "application \"app%03d\" {\n  schedule = \"@daily\"\n  source {\n    paths = [%q]\n  }\n}\n", i, src)
	}
	var err error
	if t.Config, err = config(filepath.Join(w, "config"), hcl.String()); err != nil {
		return nil, err
	}
	if done, err := os.ReadFile(w + "/done"); err == nil && string(done) == treeVersion {
		return t, nil
	}
	logf("writing a destination of %d objects in %s", objects, t.Root)
	if err := b.chain(wipe(t.Root), func() error { return os.MkdirAll(src, 0o755) }); err != nil {
		return nil, err
	}
	if err := writeTree(t.Root, objects/4/treeApps); err != nil {
		return nil, err
	}
	return t, os.WriteFile(w+"/done", []byte(treeVersion), 0o644)
}

// writeTree writes perApp daily snapshot directories for each application.
func writeTree(root string, perApp int) error {
	last, _ := time.Parse(time.RFC3339, t1)
	last = last.Truncate(24 * time.Hour).Add(2 * time.Hour)
	files := map[string]string{"chunks.txt": "x\n", "data.tar.sha256": "sum  -\n", "manifest.json": "{}\n", "verified.json": "{}\n"}
	for a := range treeApps {
		for d := range perApp {
			at := last.Add(-time.Duration(d) * 24 * time.Hour)
			dir := filepath.Join(root, fmt.Sprintf("app%03d", a), at.Format("2006/01/02/150405Z"))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// p6 plans over the tree, against rclone lsf -R of it.
func (b *bench) p6(t *tree) (*result, error) {
	r := &result{ID: "P6", Title: fmt.Sprintf("plan over a local tree of %d objects", t.Objects), Available: true,
		Target: "≤ 1.3 vs rclone lsf -R"}
	rcEnv := []string{"RCLONE_CONFIG=" + filepath.Join(b.work, "no-rclone.conf")}
	s, err := alternate(b.rounds,
		&contender{name: "strata plan", cmd: func() *exec.Cmd { return b.strataCmd(t.Config, "plan", "--now", t1) }},
		&contender{name: "rclone lsf -R", cmd: func() *exec.Cmd { return command(rcEnv, b.rclone, "lsf", "-R", t.Root) }},
	)
	if err != nil {
		return nil, err
	}
	r.Series = s
	r.compare(map[string]float64{"rclone lsf -R": 1.3})
	return r, nil
}

// p7 runs an apply with nothing to do against a plan on the same tree, and
// checks that the apply wrote nothing.
func (b *bench) p7(t *tree) (*result, error) {
	r := &result{ID: "P7", Title: "a second apply with nothing to do", Available: true,
		Target: "≤ 1.2 vs plan on the same tree, zero writes"}
	before, err := snapshotTree(t.Root)
	if err != nil {
		return nil, err
	}
	s, err := alternate(b.rounds,
		&contender{name: "strata apply (no changes)", cmd: func() *exec.Cmd { return b.strataCmd(t.Config, "apply", "--auto-approve", "--now", t1) }},
		&contender{name: "strata plan", cmd: func() *exec.Cmd { return b.strataCmd(t.Config, "plan", "--now", t1) }},
	)
	if err != nil {
		return nil, err
	}
	after, err := snapshotTree(t.Root)
	if err != nil {
		return nil, err
	}
	r.Series = s
	r.compare(map[string]float64{"strata plan": 1.2})
	changed := diffLines(before, after)
	r.Values = map[string]float64{"entries_changed": float64(len(changed))}
	if len(changed) > 0 {
		r.Met = false
		r.note("the applies changed %d entries, e.g. %s", len(changed), changed[0])
	} else {
		r.note("zero writes: every path, size and modification time (directories included) under the destination is unchanged after %d applies", b.rounds+1)
	}
	return r, nil
}

// snapshotTree lists every path under root with its size and mtime.
func snapshotTree(root string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%s %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	return out, err
}

func diffLines(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if b[k] != v {
			out = append(out, "changed or removed: "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "added: "+k)
		}
	}
	return out
}

// p5 runs the planner's Go benchmarks over synthetic inventories of a
// million snapshots.
func (b *bench) p5() (*result, error) {
	r := &result{ID: "P5", Title: "plan over an inventory of 1,000,000 snapshots (synthetic, in memory)", Available: true,
		Target: "< 2 s, < 300 bytes per snapshot", Values: map[string]float64{}}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^(BenchmarkPlanMillion|BenchmarkInventoryPlanMillion)$",
		"-benchtime", strconv.Itoa(max(b.rounds, 1))+"x", "-benchmem", "./planner")
	cmd.Dir = b.repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench ./planner: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		parseBench(sc.Text(), r.Values)
	}
	plan, live := r.Values["PlanMillion.ns/op"]/1e9, r.Values["InventoryPlanMillion.live-B/snapshot"]
	r.Met = plan > 0 && plan < 2 && live > 0 && live < 300
	r.note("plan of 1,000,000 snapshots in memory: %.2f s (target < 2 s: %s); planning allocates %.0f B/snapshot in all",
		plan, yes(plan > 0 && plan < 2), r.Values["PlanMillion.B/snapshot"])
	r.note("listing → inventory → plan of 1,000,000 snapshots: %.2f s; inventory and plan hold %.0f B/snapshot live (target < 300: %s)",
		r.Values["InventoryPlanMillion.ns/op"]/1e9, live, yes(live > 0 && live < 300))
	return r, nil
}

// parseBench reads one `go test -bench` result line into values, keyed
// "<benchmark>.<unit>".
func parseBench(line string, values map[string]float64) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return
	}
	name := strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndex(name, "-"); i > 0 {
		name = name[:i]
	}
	for i := 2; i+1 < len(f); i += 2 {
		if v, err := strconv.ParseFloat(f[i], 64); err == nil {
			values[name+"."+f[i+1]] = v
		}
	}
}
