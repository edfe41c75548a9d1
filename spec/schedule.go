package spec

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is an application's parsed `schedule`, in its time zone.
type Schedule struct {
	// Expr is the schedule as written ("0 2 * * *", "@daily", "@every 30m").
	Expr     string
	Location *time.Location
	sched    cron.Schedule
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a 5-field cron expression or a descriptor (@daily,
// @hourly, @every 30m, …) evaluated in loc.
func ParseSchedule(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v", expr, err)
	}
	return &Schedule{Expr: expr, Location: loc, sched: s}, nil
}

// Next returns the first tick strictly after t.
func (s *Schedule) Next(t time.Time) time.Time {
	return s.sched.Next(t.In(s.Location))
}
