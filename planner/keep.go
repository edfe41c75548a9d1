package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// Decision is what a retention policy says about one snapshot.
type Decision struct {
	ID      snapshot.ID `json:"id"`
	Keep    bool        `json:"keep"`
	Reasons []string    `json:"reasons,omitempty"`
}

// keepRule identifies one rule of a policy; a keep mask has one bit per rule.
type keepRule uint16

const (
	ruleLast keepRule = 1 << iota
	ruleHourly
	ruleDaily
	ruleWeekly
	ruleMonthly
	ruleYearly
	ruleWithin
	ruleAll    // the policy is empty: restic keeps everything
	ruleNewest // a policy with any rule keeps the newest
)

// bucketRules are the counted rules in restic's order, with their bucket
// functions (a snapshot's bucket; "last" gives every snapshot its own).
var bucketRules = []struct {
	rule   keepRule
	count  func(spec.Keep) int
	bucket func(t time.Time, nr int) int
}{
	{ruleLast, func(k spec.Keep) int { return k.Last }, func(_ time.Time, nr int) int { return nr }},
	{ruleHourly, func(k spec.Keep) int { return k.Hourly }, func(t time.Time, _ int) int { return hourBucket(t) }},
	{ruleDaily, func(k spec.Keep) int { return k.Daily }, func(t time.Time, _ int) int { return dayBucket(t) }},
	{ruleWeekly, func(k spec.Keep) int { return k.Weekly }, func(t time.Time, _ int) int { return weekBucket(t) }},
	{ruleMonthly, func(k spec.Keep) int { return k.Monthly }, func(t time.Time, _ int) int { return t.Year()*100 + int(t.Month()) }},
	{ruleYearly, func(k spec.Keep) int { return k.Yearly }, func(t time.Time, _ int) int { return t.Year() }},
}

func hourBucket(t time.Time) int { return dayBucket(t)*100 + t.Hour() }
func dayBucket(t time.Time) int  { return t.Year()*10000 + int(t.Month())*100 + t.Day() }
func weekBucket(t time.Time) int {
	y, w := t.ISOWeek()
	return y*100 + w
}

// ApplyKeep applies a retention policy to snapshot IDs given in any order, with
// restic's semantics: the union of the rules; `last N` keeps the N newest;
// hourly/daily/weekly/monthly/yearly N keep the newest snapshot of each of the
// N newest buckets (UTC) that hold one; `within D` keeps every snapshot less
// than D older than the newest. An empty policy keeps everything. Decisions
// come newest first; duplicates are dropped. now is accepted for symmetry with
// Plan; restic's rules do not depend on it.
func ApplyKeep(k spec.Keep, ids []snapshot.ID, now time.Time) []Decision {
	_ = now
	secs := make([]int64, 0, len(ids))
	for _, id := range ids {
		secs = append(secs, id.Time().Unix())
	}
	slices.Sort(secs)
	secs = slices.Compact(secs)
	masks := keepMasks(k, secs)
	out := make([]Decision, 0, len(secs))
	for i := len(secs) - 1; i >= 0; i-- {
		out = append(out, Decision{
			ID:      idOf(secs[i]),
			Keep:    masks[i] != 0,
			Reasons: keepReasons(k, secs[i], masks[i]),
		})
	}
	return out
}

// keepMasks is ApplyKeep over distinct Unix seconds sorted oldest first: it
// returns, per snapshot, the rules that keep it (0: not kept).
func keepMasks(k spec.Keep, secs []int64) []keepRule {
	masks := make([]keepRule, len(secs))
	if len(secs) == 0 {
		return masks
	}
	if k.IsZero() {
		for i := range masks {
			masks[i] = ruleAll
		}
		return masks
	}
	applyBuckets(k, secs, masks)
	if k.Within > 0 {
		limit := secs[len(secs)-1] - int64(k.Within/time.Second)
		for i, s := range secs {
			if s > limit {
				masks[i] |= ruleWithin
			}
		}
	}
	if masks[len(masks)-1] == 0 {
		masks[len(masks)-1] = ruleNewest
	}
	return masks
}

// applyBuckets walks the snapshots newest first, as restic does, giving each
// counted rule's remaining slots to the first snapshot of every new bucket.
// A negative count means unlimited.
func applyBuckets(k spec.Keep, secs []int64, masks []keepRule) {
	var left, last [6]int
	for r, br := range bucketRules {
		left[r], last[r] = br.count(k), -1
	}
	for nr := 0; nr < len(secs); nr++ {
		i := len(secs) - 1 - nr
		t := time.Unix(secs[i], 0).UTC()
		for r, br := range bucketRules {
			if left[r] == 0 {
				continue
			}
			if b := br.bucket(t, nr); b != last[r] {
				masks[i] |= br.rule
				last[r] = b
				if left[r] > 0 {
					left[r]--
				}
			}
		}
	}
}

// keepReasons turns a mask into the reasons shown to a person.
func keepReasons(k spec.Keep, sec int64, m keepRule) []string {
	if m == 0 {
		return nil
	}
	if m&ruleAll != 0 {
		return []string{"no keep rules"}
	}
	t := time.Unix(sec, 0).UTC()
	y, w := t.ISOWeek()
	var out []string
	add := func(r keepRule, s string) {
		if m&r != 0 {
			out = append(out, s)
		}
	}
	add(ruleLast, "last "+strconv.Itoa(k.Last))
	add(ruleHourly, "hourly "+t.Format("2006-01-02 15"))
	add(ruleDaily, "daily "+t.Format("2006-01-02"))
	add(ruleWeekly, fmt.Sprintf("weekly %d-W%02d", y, w))
	add(ruleMonthly, "monthly "+t.Format("2006-01"))
	add(ruleYearly, "yearly "+t.Format("2006"))
	add(ruleWithin, "within "+formatDuration(k.Within))
	add(ruleNewest, "newest")
	return out
}

// KeepString renders a policy the way it is written: keep { last = 7, daily = 14 }.
func KeepString(k spec.Keep) string {
	var parts []string
	for _, f := range []struct {
		name string
		n    int
	}{{"last", k.Last}, {"hourly", k.Hourly}, {"daily", k.Daily}, {"weekly", k.Weekly}, {"monthly", k.Monthly}, {"yearly", k.Yearly}} {
		if f.n != 0 {
			parts = append(parts, fmt.Sprintf("%s = %d", f.name, f.n))
		}
	}
	if k.Within > 0 {
		parts = append(parts, fmt.Sprintf("within = %q", formatDuration(k.Within)))
	}
	if len(parts) == 0 {
		return "keep {}"
	}
	return "keep { " + strings.Join(parts, ", ") + " }"
}

// formatDuration writes whole days as "30d", whole hours as "36h", whole
// minutes as "90m", anything else as Go does.
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d > 0 && d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return d.String()
}

func idOf(sec int64) snapshot.ID { return snapshot.NewID(time.Unix(sec, 0)) }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
