package spec

import (
	"fmt"
	"sort"
	"time"
	_ "time/tzdata" // timezones validate the same on every host

	"github.com/hashicorp/hcl/v2"
)

var applicationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "server"}, {Name: "vm"}, {Name: "relpath"}, {Name: "labels"},
		{Name: "schedule"}, {Name: "timezone"}, {Name: "window"}, {Name: "tiers"},
		{Name: "node"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "source"},
		{Type: "hook", LabelNames: []string{"name"}},
	},
}

var sourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "paths"}, {Name: "exclude"}, {Name: "on_unreadable"}},
}

var hookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "command", Required: true}, {Name: "timeout"}},
}

// defaultSchedule is the schedule of an application without one.
const defaultSchedule = "@daily"

// decodeApplications decodes the applications, sorted by name, then checks
// each one's chain of tiers and evaluates its paths.
func (l *loader) decodeApplications(bs []*hcl.Block) {
	for _, b := range bs {
		l.cfg.Applications = append(l.cfg.Applications, l.decodeApplicationBlock(b))
	}
	sort.Slice(l.cfg.Applications, func(i, j int) bool {
		return l.cfg.Applications[i].Name < l.cfg.Applications[j].Name
	})
	for _, a := range l.cfg.Applications {
		l.checkAppChain(a)
		l.appPaths(a)
	}
}

func (l *loader) decodeApplicationBlock(b *hcl.Block) *Application {
	a := &Application{Name: b.Labels[0], DeclRange: b.DefRange, Labels: map[string]string{}, Paths: map[string]string{}}
	content, diags := b.Body.Content(applicationSchema)
	l.diags = append(l.diags, diags...)
	attrs := content.Attributes
	a.Server = l.optString(attrs["server"])
	a.VM = l.optString(attrs["vm"])
	a.Relpath = l.optString(attrs["relpath"])
	if attr := attrs["labels"]; attr != nil {
		if labels, ok := l.attrStringMap(attr); ok {
			a.Labels = labels
		}
	}
	a.Schedule = l.decodeSchedule(attrs["schedule"], attrs["timezone"])
	a.Window = l.decodeWindow(attrs["window"], a.Schedule)
	a.Tiers = l.appTiers(a, attrs["tiers"], b)
	a.Node = l.decodeNode(attrs["node"])
	sourceOK := l.decodeSource(a, l.singleBlock(content, "source"))
	hooksOK := l.decodeHooks(a, content.Blocks.OfType("hook"))
	if sourceOK && hooksOK && len(a.Source.Paths) == 0 && len(a.Hooks) == 0 {
		l.diags = append(l.diags, errorDiag("Nothing to back up",
			fmt.Sprintf("Application %q has neither source paths nor hooks.", a.Name), &b.LabelRanges[0]))
	}
	return a
}

// optString decodes an optional string attribute; "" when absent.
func (l *loader) optString(attr *hcl.Attribute) string {
	if attr == nil {
		return ""
	}
	s, _ := l.attrString(attr)
	return s
}

// decodeSchedule decodes schedule and timezone (defaults: @daily, UTC).
func (l *loader) decodeSchedule(sched, tz *hcl.Attribute) *Schedule {
	loc, ok := time.UTC, true
	if tz != nil {
		loc, ok = l.location(tz)
	}
	expr := defaultSchedule
	if sched != nil {
		expr = l.optString(sched)
	}
	if !ok || expr == "" {
		return nil
	}
	s, err := ParseSchedule(expr, loc)
	if err == nil && s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		err = fmt.Errorf("the schedule %q never fires", expr)
	}
	if err != nil {
		rng := sched.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid schedule",
			err.Error()+"; use 5 cron fields (minute hour day month weekday) or @hourly, @daily, @weekly, @monthly, @every 30m.", &rng))
		return nil
	}
	return s
}

// location decodes an IANA timezone name. "Local" is refused: a plan must
// not depend on the host it runs on.
func (l *loader) location(attr *hcl.Attribute) (*time.Location, bool) {
	name, ok := l.attrString(attr)
	if !ok {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid timezone",
			fmt.Sprintf("%q is not an IANA time zone name such as \"UTC\" or \"Europe/Zurich\".", name), &rng))
		return nil, false
	}
	return loc, true
}
