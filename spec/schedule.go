package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is an application's parsed `schedule`, in its time zone.
//
// A cron expression ticks the way cron(8) runs a job (Debian's cron, section
// "DST"): at every local time that matches it, with two exceptions around a
// clock change of up to 3 hours. A local time skipped by a jump forward
// (02:30 on a spring-forward night) ticks once right after the jump when the
// job is fixed-time, and not at all when it is a wildcard job; a local time
// repeated by a jump back ticks once, at its first occurrence, when the job
// is fixed-time, and at each occurrence when it is a wildcard job. A
// wildcard job is one whose minute or hour field starts with "*" ("*/15 * *
// * *", "0 * * * *", @hourly); every other job is fixed-time ("0 2 * * *",
// @daily). Day of month and day of week combine as in cron(8): when both are
// restricted (neither starts with "*"), a day matching either one matches.
// Sunday is 0 or 7. @every D ticks D after the previous snapshot.
type Schedule struct {
	// Expr is the schedule as written ("0 2 * * *", "@daily", "@every 30m").
	Expr     string
	Location *time.Location
	// every is the interval of @every; zero for a cron expression.
	every time.Duration
	// The bits of the cron fields (robfig/cron's parse) and cron(8)'s flags.
	minute, hour, dom, month, dow uint64
	wild, domStar, dowStar        bool
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// descriptors are cron(8)'s named schedules as the fields they stand for.
var descriptors = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// starBit is the bit robfig/cron sets on a field written "*".
const starBit = 1 << 63

// ParseSchedule parses a 5-field cron expression or a descriptor (@daily,
// @hourly, @every 30m, …) evaluated in loc.
func ParseSchedule(expr string, loc *time.Location) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := &Schedule{Expr: expr, Location: loc}
	text := strings.TrimSpace(expr)
	if strings.HasPrefix(text, "TZ=") || strings.HasPrefix(text, "CRON_TZ=") {
		return nil, fmt.Errorf("invalid schedule %q: set the time zone with the timezone attribute", expr)
	}
	if d, ok := descriptors[strings.ToLower(text)]; ok {
		text = d
	}
	if strings.HasPrefix(text, "@") {
		parsed, err := cronParser.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("invalid schedule %q: %v", expr, err)
		}
		every, ok := parsed.(cron.ConstantDelaySchedule)
		if !ok {
			return nil, fmt.Errorf("invalid schedule %q: unknown descriptor", expr)
		}
		s.every = every.Delay
		return s, nil
	}
	if err := s.parseFields(text); err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v", expr, err)
	}
	return s, nil
}

// parseFields parses five cron fields with robfig/cron, after writing a
// Sunday given as 7 the way it understands (0), and notes cron(8)'s flags.
func (s *Schedule) parseFields(text string) error {
	fields := strings.Fields(text)
	if len(fields) != 5 {
		return fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), text)
	}
	fields[4] = sundayAsZero(fields[4])
	parsed, err := cronParser.Parse(strings.Join(fields, " "))
	if err != nil {
		return err
	}
	spec, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return fmt.Errorf("not a cron expression")
	}
	s.minute, s.hour, s.dom = spec.Minute&^starBit, spec.Hour&^starBit, spec.Dom&^starBit
	s.month, s.dow = spec.Month&^starBit, spec.Dow&^starBit
	star := func(f string) bool { return strings.HasPrefix(f, "*") || strings.HasPrefix(f, "?") }
	s.wild = star(fields[0]) || star(fields[1])
	s.domStar, s.dowStar = star(fields[2]), star(fields[4])
	return nil
}

// dowNames are the day names robfig/cron accepts, for ranges ending in 7.
var dowNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// sundayAsZero rewrites the items of a day-of-week field that use 7 (cron(8)'s
// second Sunday) into lists of 0–6: "7" → "0", "5-7" → "5,6,0", "1-7/2" →
// "1,3,5,0". Anything else is left for the parser to accept or refuse.
func sundayAsZero(field string) string {
	items := strings.Split(field, ",")
	for i, item := range items {
		rng, stepText, hasStep := strings.Cut(item, "/")
		loText, hiText, isRange := strings.Cut(rng, "-")
		lo, ok := dowValue(loText)
		if !ok {
			continue
		}
		hi := lo
		if isRange {
			if hi, ok = dowValue(hiText); !ok {
				continue
			}
		} else if hasStep {
			hi = 7 // "N/step" is "N-max/step", and cron(8)'s max is 7
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				continue
			}
			step = n
		}
		if hi != 7 || lo > hi {
			continue
		}
		var vals []string
		for v := lo; v <= hi; v += step {
			vals = append(vals, strconv.Itoa(v%7))
		}
		items[i] = strings.Join(vals, ",")
	}
	return strings.Join(items, ",")
}

func dowValue(s string) (int, bool) {
	if n, ok := dowNames[strings.ToLower(s)]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// Every is the interval of an @every schedule; zero for a cron expression.
func (s *Schedule) Every() time.Duration { return s.every }

// searchSpan bounds the search for a tick: a schedule that matches no day in
// that long (30 February) never ticks. Nine years cover any 29 February.
const searchSpan = 9 * 366 * 24 * time.Hour

// maxDSTJump is the largest clock change cron(8) treats as a DST change;
// after a larger one it runs what matches the new time and skips nothing
// back or forth.
const maxDSTJump = 3 * time.Hour

// smallJump is the largest jump forward that cron(8) takes for having woken
// up late: it runs every job of each skipped minute, wildcard ones too.
const smallJump = 5 * time.Minute

// Next returns the first tick strictly after t; zero when there is none
// within searchSpan.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every - time.Duration(t.Nanosecond()))
	}
	limit := t.Add(searchSpan)
	x, first := t, true
	for x.Before(limit) {
		seg := s.segmentAt(x)
		lo := floorDiv(t.Unix()+seg.off, 60) + 1
		if !first {
			lo = ceilDiv(seg.start.Unix()+seg.off, 60)
			if seg.gapTick(s) {
				return seg.start
			}
		}
		lo = max(lo, seg.firstOwnMinute(s))
		hi := floorDiv(limit.Unix()+seg.off, 60)
		if !seg.end.IsZero() {
			hi = min(hi, ceilDiv(seg.end.Unix()+seg.off, 60)-1)
		}
		if c, ok := s.nextCivil(lo, hi); ok {
			return time.Unix(c*60-seg.off, 0).In(s.Location)
		}
		if seg.end.IsZero() {
			break
		}
		x, first = seg.end, false
	}
	return time.Time{}
}

// Prev returns the last tick at or before t; zero when there is none within
// searchSpan, and for @every, whose ticks follow the snapshots.
func (s *Schedule) Prev(t time.Time) time.Time {
	if s.every > 0 {
		return time.Time{}
	}
	limit := t.Add(-searchSpan)
	x, first := t, true
	for x.After(limit) {
		seg := s.segmentAt(x)
		hi := floorDiv(t.Unix()+seg.off, 60)
		if !first {
			hi = ceilDiv(seg.end.Unix()+seg.off, 60) - 1
		}
		lo := floorDiv(limit.Unix()+seg.off, 60)
		if !seg.start.IsZero() {
			lo = max(lo, ceilDiv(seg.start.Unix()+seg.off, 60), seg.firstOwnMinute(s))
		}
		if c, ok := s.prevCivil(lo, hi); ok {
			return time.Unix(c*60-seg.off, 0).In(s.Location)
		}
		if seg.start.IsZero() {
			break
		}
		if seg.gapTick(s) {
			return seg.start
		}
		x, first = seg.start.Add(-time.Nanosecond), false
	}
	return time.Time{}
}

// segment is a stretch of time with one UTC offset in the schedule's zone,
// with the offset before it. A zero start or end means it has none.
type segment struct {
	start, end   time.Time
	off, prevOff int64 // seconds east of UTC
}

func (s *Schedule) segmentAt(x time.Time) segment {
	lx := x.In(s.Location)
	_, off := lx.Zone()
	start, end := lx.ZoneBounds()
	seg := segment{start: start, end: end, off: int64(off), prevOff: int64(off)}
	if !start.IsZero() {
		_, prev := start.Add(-time.Nanosecond).In(s.Location).Zone()
		seg.prevOff = int64(prev)
	}
	return seg
}

// firstOwnMinute is the first local minute of the segment that ticks in it:
// after a jump back of up to maxDSTJump, a fixed-time job does not tick again
// in the repeated local times (their first occurrence was before the jump).
func (seg segment) firstOwnMinute(s *Schedule) int64 {
	back := seg.prevOff - seg.off
	if s.wild || seg.start.IsZero() || back <= 0 || back > int64(maxDSTJump/time.Second) {
		return minInt64
	}
	return ceilDiv(seg.start.Unix()+seg.prevOff, 60)
}

// gapTick reports whether the job ticks at the start of the segment because
// a local time it matches was skipped by the jump forward there: a
// fixed-time job after a jump of up to maxDSTJump, any job after one of up
// to smallJump.
func (seg segment) gapTick(s *Schedule) bool {
	fwd := seg.off - seg.prevOff
	if seg.start.IsZero() || fwd <= 0 || fwd > int64(maxDSTJump/time.Second) {
		return false
	}
	if s.wild && fwd > int64(smallJump/time.Second) {
		return false // after a DST jump, cron(8) runs wildcard jobs by the new time only
	}
	lo := ceilDiv(seg.start.Unix()+seg.prevOff, 60)
	hi := ceilDiv(seg.start.Unix()+seg.off, 60) - 1
	_, ok := s.nextCivil(lo, hi)
	return ok
}

const minInt64 = -1 << 63

// A local minute is counted from 1970-01-01 00:00 of the local clock.
func civilTime(c int64) time.Time { return time.Unix(c*60, 0).UTC() }

// nextCivil is the first local minute in [lo, hi] that matches the fields.
func (s *Schedule) nextCivil(lo, hi int64) (int64, bool) {
	for c := lo; c <= hi; {
		t := civilTime(c)
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			c = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).Unix() / 60
		case !s.dayMatches(t):
			c = floorDiv(c, 1440)*1440 + 1440
		case s.hour&(1<<uint(t.Hour())) == 0:
			c = floorDiv(c, 60)*60 + 60
		case s.minute&(1<<uint(t.Minute())) == 0:
			c++
		default:
			return c, true
		}
	}
	return 0, false
}

// prevCivil is the last local minute in [lo, hi] that matches the fields.
func (s *Schedule) prevCivil(lo, hi int64) (int64, bool) {
	for c := hi; c >= lo; {
		t := civilTime(c)
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			c = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix()/60 - 1
		case !s.dayMatches(t):
			c = floorDiv(c, 1440)*1440 - 1
		case s.hour&(1<<uint(t.Hour())) == 0:
			c = floorDiv(c, 60)*60 - 1
		case s.minute&(1<<uint(t.Minute())) == 0:
			c--
		default:
			return c, true
		}
	}
	return 0, false
}

// dayMatches is cron(8)'s day rule: both day fields must match when either
// is "*", else one of them is enough.
func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<uint(t.Day())) != 0
	dow := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
