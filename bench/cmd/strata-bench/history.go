package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"
)

// history is the daily series P9–P11 share: a copy of the corpus that
// changes by about 1% a day (mutate), backed up once a day by strata,
// restic and Borg into repositories of their own. Day 0 backs up the copy
// as generated; days 1–6 each back up the next change: seven snapshots.
type history struct {
	b     *bench
	c     *corpus
	w     string // work directory of the series
	tree  string // the changing copy of the corpus
	tools []*tool
	day   int      // the last day every tool backed up
	churn []*churn // what each day from 1 changed
	// daily holds the untimed daily runs of each tool (name → samples).
	daily map[string][]sample
}

// lastDay is the day of the seventh snapshot.
const lastDay = 6

// tool is one contender of the daily series.
type tool struct {
	name string
	repo string // where its stored bytes are counted
	// state lists the directories that hold its repository and caches;
	// a saved state is a copy of each.
	state []string
	// link says that the tool never changes a file in place, so a saved
	// state may share its files (hard links) instead of copying them.
	link   bool
	init   func() error
	backup func(day int) *exec.Cmd
}

// dayTime is the clock of day's strata snapshot (01:00 UTC, schedule
// @daily); an hour later the plan wants no new one.
func dayTime(day int, later time.Duration) string {
	return time.Date(2026, 1, 1+day, 1, 0, 0, 0, time.UTC).Add(later).Format(time.RFC3339)
}

// dailyHistory starts the series on c (day 0 backed up by every tool) the
// first time a scenario asks for it.
func (b *bench) dailyHistory(c *corpus) (*history, error) {
	if b.hist != nil {
		return b.hist, nil
	}
	w := filepath.Join(b.work, fmt.Sprintf("daily-%d", c.Bytes))
	h := &history{b: b, c: c, w: w, tree: filepath.Join(w, "tree"), daily: map[string][]sample{}}
	logf("daily series: copying the corpus to %s and backing it up (day 0)", h.tree)
	if err := b.chain(wipe(w), func() error { return os.MkdirAll(w, 0o755) },
		func() error { return copyTree(c.Dir, h.tree, false) }); err != nil {
		return nil, err
	}
	var err error
	if h.tools, err = h.makeTools(); err != nil {
		return nil, err
	}
	for _, t := range h.tools {
		if err := b.chain(t.init, func() error { return run(t.backup(0)) }, func() error { return t.save("day0") }); err != nil {
			return nil, fmt.Errorf("%s, day 0: %w", t.name, err)
		}
	}
	b.hist = h
	return h, nil
}

// makeTools declares strata, restic and Borg over the series' tree.
func (h *history) makeTools() ([]*tool, error) {
	b := h.b
	dest, cache := filepath.Join(h.w, "strata-dest"), filepath.Join(h.w, "strata-cache")
	cfg, err := config(filepath.Join(h.w, "strata-config"), fmt.Sprintf(`
destination "local" {
  remote = %q
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 100
  }
}
`, dest)+appHCL(h.tree))
	if err != nil {
		return nil, err
	}
	restic, resticCache := filepath.Join(h.w, "restic-repo"), filepath.Join(h.w, "restic-cache")
	borg, borgBase := filepath.Join(h.w, "borg-repo"), filepath.Join(h.w, "borg-base")
	renv := slices.Concat(b.env, []string{"RESTIC_CACHE_DIR=" + resticCache})
	benv := slices.Concat(b.env, []string{"BORG_BASE_DIR=" + borgBase})
	return []*tool{
		{name: "strata apply", repo: dest, state: []string{dest, cache}, link: true,
			init: func() error { return os.MkdirAll(cache, 0o755) },
			backup: func(day int) *exec.Cmd {
				cmd := b.strataCmd(cfg, "apply", "--auto-approve", "--now", dayTime(day, 0))
				cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
				return cmd
			}},
		{name: "restic backup", repo: restic, state: []string{restic, resticCache}, link: true,
			init: func() error { return run(command(renv, "restic", "init", "--quiet", "--repo", restic)) },
			backup: func(int) *exec.Cmd {
				return command(renv, "restic", "--quiet", "--repo", restic, "backup", h.tree)
			}},
		{name: "borg create", repo: borg, state: []string{borg, borgBase},
			init: func() error { return run(command(benv, "borg", "init", "--encryption", "none", borg)) },
			backup: func(day int) *exec.Cmd {
				return command(benv, "borg", "create", "--compression", "zstd,3", fmt.Sprintf("%s::day-%02d", borg, day), h.tree)
			}},
	}, nil
}

// nextDay applies the next day's change to the tree.
func (h *history) nextDay() error {
	ch, err := mutate(h.tree, h.c.Bytes, h.day+1)
	if err != nil {
		return err
	}
	h.churn = append(h.churn, ch)
	logf("daily series: %s", churnNote(ch))
	return nil
}

// advance changes the tree and backs it up with every tool, one untimed run
// a day, until day; strata's destination is saved after day 5 (P11).
func (h *history) advance(day int) error {
	for h.day < day {
		if err := h.nextDay(); err != nil {
			return err
		}
		for _, t := range h.tools {
			c := &contender{name: t.name, cmd: func() *exec.Cmd { return t.backup(h.day + 1) }, warm: []string{h.tree}}
			s, err := timeRun(c)
			if err != nil {
				return fmt.Errorf("day %d: %w", h.day+1, err)
			}
			h.daily[t.name] = append(h.daily[t.name], s)
		}
		h.day++
		if h.day == lastDay-1 {
			if err := h.tools[0].save("day5"); err != nil {
				return err
			}
		}
	}
	return nil
}

// save copies the tool's state aside under tag.
func (t *tool) save(tag string) error {
	for _, d := range t.state {
		if err := copyTree(d, d+"@"+tag, t.link); err != nil {
			return err
		}
	}
	return nil
}

// restore puts back the state saved under tag.
func (t *tool) restore(tag string) error {
	for _, d := range t.state {
		if err := moveToTrash(d); err != nil {
			return err
		}
		if err := copyTree(d+"@"+tag, d, t.link); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies src to dst (which must not exist) with cp -a, or as
// hard links with link; a missing src leaves dst missing.
func copyTree(src, dst string, link bool) error {
	if _, err := os.Stat(src); os.IsNotExist(err) {
		return nil
	}
	flags := "-a"
	if link {
		flags = "-al"
	}
	return run(exec.Command("cp", flags, src, dst))
}
