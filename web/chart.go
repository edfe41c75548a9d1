package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
)

// The drawing area of the charts, in SVG user units: the SVG scales to the
// width of the page (a phone included), so only the proportions matter.
const (
	chartW     = 600.0
	chartLeft  = 96.0 // room for a destination's name or a y label
	chartRight = 12.0
	laneH      = 26.0
	plotH      = 120.0
	plotTop    = 10.0
)

// retentionView is one tier of an application's snapshots: a time axis
// with a lane per destination and a table saying why each is kept.
type retentionView struct {
	Tier, Keep string
	Lanes      []laneView
	Rows       []retainedRow
	Height     float64
	From, To   string // the axis's ends
	AxisY      float64
	LabelY     float64
}

// laneView is one destination of the tier on the time axis; Problem,
// when its listing failed or its drive is detached (away), instead of marks:
// what it holds is not known then, which is not "not here yet".
type laneView struct {
	Destination, Problem string
	Y                    float64
	Marks                []markView
}

// markView is one snapshot on a lane: kept, next (purged after the next
// snapshot), purge (outside retention or purged by the plan) or wanted
// (kept by the tier but not here yet).
type markView struct {
	X, Y        float64
	Class, Text string
}

// retainedRow is one snapshot in the table below the axis.
type retainedRow struct {
	ID, KeptBy, At, Note, Class string
}

// newRetention shapes a tier's retention; locs are the tier's locations,
// next the application's next snapshot ("" when none).
func newRetention(r reconcile.TierRetention, locs []reconcile.Location, next string) retentionView {
	v := retentionView{Tier: r.Tier, Keep: r.Keep}
	from, to := timeSpan(r.Snapshots)
	v.From, v.To = from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04")
	var failed, away []string
	for i, l := range locs {
		d := l.Destination
		lane := laneView{Destination: d, Y: plotTop + laneH*float64(i) + laneH/2}
		switch {
		case l.Error != "":
			lane.Problem, failed = "listing failed: what it holds is not known", append(failed, d)
		case l.Detached != "":
			lane.Problem, away = "drive detached (away): what it holds is seen when it is attached", append(away, d)
		}
		if lane.Problem != "" {
			v.Lanes = append(v.Lanes, lane)
			continue
		}
		for _, s := range r.Snapshots {
			if m, ok := mark(s, d, next); ok {
				m.X, m.Y = scale(s.ID.Time(), from, to), lane.Y
				lane.Marks = append(lane.Marks, m)
			}
		}
		v.Lanes = append(v.Lanes, lane)
	}
	v.AxisY = plotTop + laneH*float64(len(locs))
	v.LabelY = v.AxisY + 16
	v.Height = v.AxisY + 22
	for _, s := range r.Snapshots {
		row := retainedRowOf(s, next)
		if note := unlistedNote(failed, away); note != "" && row.Class == "wanted" && !s.New {
			row.Note = note
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// unlistedNote is the note of a snapshot wanted but at no listed
// destination when some of the tier's were not listed: failed listings and
// detached drives may hold it. "" when every destination was listed.
func unlistedNote(failed, away []string) string {
	var why []string
	if len(failed) > 0 {
		why = append(why, "the listing of "+strings.Join(failed, ", ")+" failed")
	}
	if len(away) > 0 {
		why = append(why, "the drive of "+strings.Join(away, ", ")+" is detached (away): it may hold it, else gets it once attached")
	}
	if len(why) == 0 {
		return ""
	}
	return "not at the listed destinations; " + strings.Join(why, "; ")
}

// mark is snapshot s on destination d's lane; false when it has no place
// there (neither stored nor wanted).
func mark(s planner.Retained, d, next string) (markView, bool) {
	here := slices.Contains(s.At, d)
	why := strings.Join(s.KeptBy, ", ")
	switch {
	case slices.Contains(s.Purged, d):
		return markView{Class: "purge", Text: fmt.Sprintf("%s: purged by the next apply (outside the retention)", s.ID)}, true
	case here && why == "":
		return markView{Class: "purge", Text: fmt.Sprintf("%s: outside the retention", s.ID)}, true
	case here && s.PurgedNext:
		return markView{Class: "next", Text: fmt.Sprintf("%s: kept by %s; purged after the next snapshot%s", s.ID, why, next)}, true
	case here:
		return markView{Class: "kept", Text: fmt.Sprintf("%s: kept by %s", s.ID, why)}, true
	case why != "" && s.New:
		return markView{Class: "wanted", Text: fmt.Sprintf("%s: the snapshot the plan makes now (%s)", s.ID, why)}, true
	case why != "":
		return markView{Class: "wanted", Text: fmt.Sprintf("%s: kept by %s, not here yet", s.ID, why)}, true
	}
	return markView{}, false
}

func retainedRowOf(s planner.Retained, next string) retainedRow {
	row := retainedRow{ID: s.ID.String(), KeptBy: strings.Join(s.KeptBy, ", "), At: strings.Join(s.At, ", "), Class: "kept"}
	switch {
	case len(s.Purged) > 0:
		row.Note, row.Class = "purged by the next apply at "+strings.Join(s.Purged, ", "), "purge"
	case row.KeptBy == "":
		row.Note, row.Class = "outside the retention", "purge"
	case s.PurgedNext:
		row.Note, row.Class = "purged after the next snapshot"+next, "next"
	case s.New:
		row.Note, row.Class = "made by the next apply", "wanted"
	case row.At == "":
		row.Note, row.Class = "not here yet: the next apply copies it", "wanted"
	}
	if row.KeptBy == "" {
		row.KeptBy = "—"
	}
	if row.At == "" {
		row.At = "—"
	}
	return row
}

// timeSpan is the first and last time of snaps (newest first).
func timeSpan(snaps []planner.Retained) (from, to time.Time) {
	if len(snaps) == 0 {
		return time.Time{}, time.Time{}
	}
	return snaps[len(snaps)-1].ID.Time(), snaps[0].ID.Time()
}

// scale places t between from and to on the x axis (the middle when they
// are one instant).
func scale(t, from, to time.Time) float64 {
	w := chartW - chartLeft - chartRight
	if !to.After(from) {
		return chartLeft + w/2
	}
	return chartLeft + w*float64(t.Sub(from))/float64(to.Sub(from))
}

// chartView is a line chart of one quantity of the history.
type chartView struct {
	Title        string
	Points       string // the polyline
	Dots         []markView
	YMax, YZero  float64
	MaxLabel     string
	From, To     string
	Height, Base float64
	Last         string
}

// historyView is an application's history: bytes and files over time, and
// the snapshots whose manifest could not be read.
type historyView struct {
	Charts   []chartView
	Problems []string
	Count    int
}

func newHistory(points []reconcile.HistoryPoint) *historyView {
	var ok []reconcile.HistoryPoint
	v := &historyView{}
	for _, p := range points {
		if p.Error != "" {
			v.Problems = append(v.Problems, p.ID.String()+": "+p.Error)
			continue
		}
		ok = append(ok, p)
	}
	v.Count = len(ok)
	if len(ok) == 0 {
		return v
	}
	v.Charts = []chartView{
		newChart("Bytes in the sources", ok, func(p reconcile.HistoryPoint) int64 { return p.Bytes }, executor.HumanBytes),
		newChart("Files", ok, func(p reconcile.HistoryPoint) int64 { return p.Files }, func(n int64) string { return strconv.FormatInt(n, 10) }),
		newChart("Bytes each snapshot added", ok, func(p reconcile.HistoryPoint) int64 { return p.Added }, executor.HumanBytes),
	}
	return v
}

// newChart draws value of points (oldest first) from 0 to its maximum.
func newChart(title string, points []reconcile.HistoryPoint, value func(reconcile.HistoryPoint) int64, label func(int64) string) chartView {
	c := chartView{Title: title, Height: plotTop + plotH + 24, Base: plotTop + plotH}
	from, to := points[0].ID.Time(), points[len(points)-1].ID.Time()
	c.From, c.To = from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04")
	var top int64
	for _, p := range points {
		top = max(top, value(p))
	}
	c.MaxLabel = label(top)
	var pts []string
	for _, p := range points {
		x := scale(p.ID.Time(), from, to)
		y := plotTop + plotH
		if top > 0 {
			y -= plotH * float64(value(p)) / float64(top)
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		c.Dots = append(c.Dots, markView{X: x, Y: y, Text: p.ID.String() + ": " + label(value(p))})
	}
	c.Points = strings.Join(pts, " ")
	c.YMax, c.YZero = plotTop, plotTop+plotH
	c.Last = label(value(points[len(points)-1]))
	return c
}
