package main

import (
	"fmt"

	"github.com/schollz/progressbar/v3"

	"github.com/stratabackup/strata/executor"
)

// progressUI shows an apply's progress: a bar on a terminal, one log line
// per finished action otherwise.
type progressUI struct {
	g   *globals
	bar *progressbar.ProgressBar
}

func (g *globals) newProgress(n int) *progressUI {
	ui := &progressUI{g: g}
	if isTerminal(g.stderr) && !g.json {
		ui.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(g.stderr),
			progressbar.OptionSetDescription("applying"),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionEnableColorCodes(g.color),
		)
	}
	return ui
}

func (ui *progressUI) event(ev executor.Event) {
	r := ev.Result
	switch ev.Kind {
	case executor.EventStart:
		if ui.bar != nil {
			ui.bar.Describe(describe(r))
		}
	case executor.EventProgress:
		if ui.bar != nil {
			ui.bar.Describe(fmt.Sprintf("%s (%s)", describe(r), executor.HumanBytes(ev.Bytes)))
		}
	case executor.EventEnd:
		ui.logEnd(r)
		if ui.bar != nil {
			_ = ui.bar.Add(1)
		}
	}
}

func (ui *progressUI) logEnd(r *executor.Result) {
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
		l.Info(msg)
		for _, w := range r.Warnings {
			l.Warn(describe(r) + ": " + w)
		}
	case executor.Failed:
		l.Error(describe(r) + " failed: " + r.Error)
	default:
		l.Warn(describe(r) + ": " + r.Error)
	}
}

// describe names an action in one line.
func describe(r *executor.Result) string {
	a := r.Action
	id := r.Snapshot
	if id == "" {
		id = "(new)"
	}
	switch {
	case a.Source != nil:
		return fmt.Sprintf("%s %s %s %s -> %s", a.Kind, a.App, id, a.Source, a.Location)
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
