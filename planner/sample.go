package planner

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/stratabackup/strata/spec"
)

// sampleBuckets is how many daily groups `verify { sample = S }` splits the
// copies into: ceil(100/S), or 1 when every copy is checked every run.
func sampleBuckets(v *spec.Verify) int64 {
	if v == nil || v.Sample <= 0 || v.Sample >= 100 {
		return 1
	}
	return int64((100 + v.Sample - 1) / v.Sample)
}

// sampled says whether a due copy is checked by a plan made at now. With a
// sample of S%, the copies are hashed (application, location, snapshot ID)
// into ceil(100/S) groups and the plan of day D checks group D mod groups:
// deterministic, about S% per day, and every due copy is checked within
// that many days of plans. A copy already overdue by that many days (runs
// may be sparser than daily) is checked whatever its group, so the bound
// holds however often strata runs.
func sampled(v *spec.Verify, app string, loc Location, c *Copy, now time.Time) (string, bool) {
	n := sampleBuckets(v)
	if n == 1 {
		return "", true
	}
	last := c.Verified
	if last.IsZero() {
		last = c.ID.Time()
	}
	if now.Sub(last) >= v.Every+time.Duration(n-1)*24*time.Hour {
		return fmt.Sprintf("sample %d%%: overdue by %d days or more", v.Sample, n-1), true
	}
	group := sampleGroup(app, loc, c, n)
	if group != floorDiv(now.Unix(), 86400)%n {
		return "", false
	}
	return fmt.Sprintf("sample %d%%: group %d of %d, checked today", v.Sample, group+1, n), true
}

// sampleGroup is the group of n a copy falls into.
func sampleGroup(app string, loc Location, c *Copy, n int64) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s", app, loc, c.ID)
	return int64(h.Sum64() % uint64(n))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
