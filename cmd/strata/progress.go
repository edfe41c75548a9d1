package main

import (
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

// progressUI shows an apply's progress. On a terminal: a bar over the
// actions whose text is the running action's bytes done of its expected
// total, rate and time left. Elsewhere (logs, CI): a line when an action
// that moves data starts, with what it expects to move, and a line when any
// action ends, with its outcome, duration and rate.
type progressUI struct {
	g       *globals
	bar     *progressbar.ProgressBar
	running map[*executor.Result]*actionProgress
	now     func() time.Time
}

// actionProgress is what is known of one running action.
type actionProgress struct {
	start       time.Time
	done, total int64
	announced   bool
}

func (g *globals) newProgress(n int) *progressUI {
	ui := &progressUI{g: g, running: map[*executor.Result]*actionProgress{}, now: time.Now}
	if isTerminal(g.stderr) && !g.json {
		ui.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(g.stderr),
			progressbar.OptionSetDescription("applying"),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionEnableColorCodes(g.color),
			progressbar.OptionThrottle(200*time.Millisecond),
		)
	}
	return ui
}

func (ui *progressUI) event(ev executor.Event) {
	r := ev.Result
	switch ev.Kind {
	case executor.EventStart:
		ui.running[r] = &actionProgress{start: ui.now(), total: ev.Total}
		ui.show(r)
	case executor.EventProgress:
		p := ui.running[r]
		if p == nil {
			return
		}
		p.done, p.total = ev.Bytes, max(ev.Total, p.total)
		ui.announce(r, p)
		ui.show(r)
	case executor.EventEnd:
		ui.logEnd(r, ui.running[r])
		delete(ui.running, r)
		if ui.bar != nil {
			_ = ui.bar.Add(1)
		}
	}
}

// show puts r's progress on the bar.
func (ui *progressUI) show(r *executor.Result) {
	if ui.bar == nil {
		return
	}
	p := ui.running[r]
	text := progressText(describe(r), p.done, p.total, ui.now().Sub(p.start))
	if n := len(ui.running) - 1; n > 0 {
		text += fmt.Sprintf(" (+%d running)", n)
	}
	ui.bar.Describe(text)
}

// announce logs, once and only without a terminal, that an action which
// moves data has started and how much it expects to move.
func (ui *progressUI) announce(r *executor.Result, p *actionProgress) {
	if p.announced || ui.bar != nil || ui.g.json || !movesData(r.Action.Kind) {
		return
	}
	p.announced = true
	msg := describe(r) + ": started"
	if p.total > 0 {
		msg += ", " + executor.HumanBytes(p.total) + " to " + verb(r.Action.Kind)
	}
	ui.g.logger.Info(msg)
}

func movesData(k planner.ActionKind) bool {
	return k == planner.Snapshot || k == planner.Transfer || k == planner.Repair
}

// verb says what an action's bytes are: a snapshot reads its source, a
// transfer copies stored bytes.
func verb(k planner.ActionKind) string {
	if k == planner.Snapshot {
		return "read"
	}
	return "copy"
}

// progressText is one action's progress for a person: "snapshot app … at
// local/primary: 512 MiB of 2.0 GiB (25%), 45 MiB/s, 34s left".
func progressText(name string, done, total int64, elapsed time.Duration) string {
	s := name + ": " + executor.HumanBytes(done)
	if total > 0 {
		s += fmt.Sprintf(" of %s (%d%%)", executor.HumanBytes(total), min(100, done*100/total))
	}
	if elapsed < time.Second || done == 0 {
		return s
	}
	rate := float64(done) / elapsed.Seconds()
	s += ", " + executor.HumanBytes(int64(rate)) + "/s"
	if total > done {
		s += ", " + formatDuration(time.Duration(float64(total-done)/rate*float64(time.Second))) + " left"
	}
	return s
}

// formatDuration is a duration for a person: "0.4s", "12.0s", "2m3s".
func formatDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func (ui *progressUI) logEnd(r *executor.Result, p *actionProgress) {
	if ui.g.json {
		return
	}
	if ui.bar != nil {
		_ = ui.bar.Clear()
	}
	l := ui.g.logger
	switch r.Status {
	case executor.Done:
		msg := describe(r)
		if r.Detail != "" {
			msg += ": " + r.Detail
		}
		l.Info(msg + took(r, p))
		for _, w := range r.Warnings {
			l.Warn(describe(r) + ": " + w)
		}
	case executor.Failed:
		l.Error(describe(r) + " failed: " + r.Error)
	default:
		l.Warn(describe(r) + ": " + r.Error)
	}
}

// took says how long a finished action took and, for one that moved data,
// at what rate: "; took 2.0s (45 MiB/s)".
func took(r *executor.Result, p *actionProgress) string {
	if p == nil || !movesData(r.Action.Kind) {
		return ""
	}
	s := "; took " + formatDuration(r.Duration)
	n := r.Bytes
	if r.Action.Kind == planner.Snapshot && p.total > 0 {
		n = p.total // its source bytes, as its progress counted them
	}
	if secs := r.Duration.Seconds(); secs > 0 && n > 0 {
		s += fmt.Sprintf(" (%s/s)", executor.HumanBytes(int64(float64(n)/secs)))
	}
	return s
}

// describe names an action in one line.
func describe(r *executor.Result) string {
	a := r.Action
	id := r.Snapshot
	if id == "" {
		id = "(new)"
	}
	switch {
	case a.Kind == planner.Move:
		return fmt.Sprintf("move %s at %s: %s -> %s, %d snapshot(s)", a.App, a.Location, a.SourceAppPath, a.AppPath, len(a.Moves))
	case a.Source != nil:
		return fmt.Sprintf("%s %s %s %s -> %s", a.Kind, a.App, id, a.Source, a.Location)
	case a.Kind == planner.GC:
		return fmt.Sprintf("gc at %s", a.Location.Destination)
	case a.App == "":
		return fmt.Sprintf("%s at %s", a.Kind, a.Location)
	}
	return fmt.Sprintf("%s %s %s at %s", a.Kind, a.App, id, a.Location)
}

func (ui *progressUI) finish() {
	if ui.bar != nil {
		_ = ui.bar.Finish()
	}
}
