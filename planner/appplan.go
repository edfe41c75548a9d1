package planner

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/spec"
)

// appPlan plans one application down its chain of tiers.
type appPlan struct {
	*builder
	app    *spec.Application
	tiers  []*tierPlan
	hasNew bool
	newSec int64
	// readers lists, per existing copy, the actions that read it; a purge
	// of the copy waits for them (safety rule 2).
	readers map[copyRef][]string
	// held are copies kept from purges because a transfer that reads them
	// waits for the window; waiting is set once something waits for it.
	held    map[copyRef]bool
	waiting bool
}

type copyRef struct {
	loc Location
	sec int64
}

// tierPlan is one tier of the application's chain with its retention result.
type tierPlan struct {
	tier *spec.Tier
	idx  int
	// up is the nearest upstream tier the application is kept in.
	up   *tierPlan
	locs []*locPlan
	// cands are the candidate snapshot times (oldest first) and masks the
	// rules that keep each (0: not kept).
	cands []int64
	masks []keepRule
}

// locPlan is one location of the application: what is there and what the
// plan brings.
type locPlan struct {
	loc     Location
	destIdx int
	appPath string
	copies  []Copy // oldest first
	failed  bool
	// detached is set (with failed) at a removable destination that is
	// not attached: nothing is known or planned there, but unlike a failed
	// listing it holds nothing back elsewhere.
	detached bool
	// made are copies the plan creates here (snapshot, repair), incoming
	// those it transfers here (in time order).
	made, incoming []pendingCopy
	// purged marks copies the plan purges; nil when none.
	purged []bool
	// moving maps the time of a copy a move of this plan brings here to
	// the move's key; nil when none.
	moving map[int64]string
}

// pendingCopy is a copy that exists only once an action of the plan has run.
type pendingCopy struct {
	sec   int64
	key   string
	kind  ActionKind
	size  int64
	isNew bool
}

func newAppPlan(b *builder, a *spec.Application) *appPlan {
	ap := &appPlan{builder: b, app: a, readers: map[copyRef][]string{}}
	byName := map[string]*tierPlan{}
	for i, t := range a.Tiers {
		tp := &tierPlan{tier: t, idx: i, up: upstreamOf(t, byName)}
		for j, d := range t.Destinations {
			tp.locs = append(tp.locs, ap.newLocPlan(t, d, j))
		}
		byName[t.Name] = tp
		ap.tiers = append(ap.tiers, tp)
	}
	return ap
}

// upstreamOf finds the nearest tier above t that the application is kept in.
func upstreamOf(t *spec.Tier, seen map[string]*tierPlan) *tierPlan {
	for f := t.From; f != nil; f = f.From {
		if tp := seen[f.Name]; tp != nil {
			return tp
		}
	}
	return nil
}

func (ap *appPlan) newLocPlan(t *spec.Tier, d *spec.Destination, idx int) *locPlan {
	loc := Location{Tier: t.Name, Destination: d.Name}
	lp := &locPlan{loc: loc, destIdx: idx, appPath: ap.app.Paths[t.Name]}
	if _, failed := ap.inv.Failed[d.Name]; failed {
		lp.failed = true
		return lp
	}
	if _, detached := ap.inv.Detached[d.Name]; detached {
		lp.failed, lp.detached = true, true
		return lp
	}
	lp.copies = sortedCopies(ap.inv.Copies[ap.app.Name][loc])
	return lp
}

// sortedCopies returns cs oldest first, copying only when it is not.
func sortedCopies(cs []Copy) []Copy {
	sorted := true
	for i := 1; i < len(cs) && sorted; i++ { // by index: a Copy is large to pass around
		sorted = !cs[i].ID.Time().Before(cs[i-1].ID.Time())
	}
	if sorted {
		return cs
	}
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b Copy) int { return a.ID.Time().Compare(b.ID.Time()) })
	return cs
}

// run plans the application: a snapshot, then per tier retention, repairs
// and transfers, then purges, verifications and cleanups, which need to
// know every transfer first.
func (ap *appPlan) run() {
	for _, tp := range ap.tiers {
		for _, lp := range tp.locs {
			ap.planMoves(tp, lp)
		}
	}
	ap.warnFuture()
	ap.planSnapshot()
	for _, tp := range ap.tiers {
		ap.retain(tp)
		for _, lp := range tp.locs {
			ap.repairs(tp, lp)
		}
		for _, lp := range tp.locs {
			ap.transfers(tp, lp)
		}
	}
	for _, tp := range ap.tiers {
		for _, lp := range tp.locs {
			ap.purges(tp, lp)
			ap.verifies(tp, lp)
			ap.cleanups(tp, lp)
		}
	}
	ap.planStandbys()
	ap.checks()
}

// origin is the application's origin tier, where snapshots are made.
func (ap *appPlan) origin() *tierPlan {
	for _, tp := range ap.tiers {
		if tp.tier.From == nil && len(tp.locs) > 0 {
			return tp
		}
	}
	return nil
}

// planSnapshot adds a snapshot at the origin's first destination when due.
func (ap *appPlan) planSnapshot() {
	origin := ap.origin()
	if origin == nil {
		return
	}
	reason, due := snapshotReason(ap.app, ap.newestComplete(origin.locs), ap.now, ap.opts.Force)
	if f := ap.newestFuture(origin.locs); due && f != nil {
		reason += fmt.Sprintf(" (%s, dated in the future, does not count)", f.ID)
	}
	lp := origin.locs[0]
	// An incomplete directory of the same second (a crashed apply at the
	// same --now) is cleaned up first; anything else there blocks.
	after := ap.cleanupKey(lp, ap.nowSec)
	switch {
	case !due:
		ap.wakeForSchedule(false)
		return
	case ap.windowClosed():
		ap.waitForWindow()
		return
	case lp.detached:
		ap.warnf("no new snapshot of %s: %s is detached", ap.app.Name, lp.loc)
		ap.wakeForSchedule(false)
		return
	case lp.failed:
		ap.warnf("no new snapshot of %s: the listing of %s failed", ap.app.Name, lp.loc)
		ap.wakeForSchedule(true)
		return
	case lp.find(ap.nowSec) != nil && after == "":
		ap.warnf("no new snapshot of %s: %s already has one at %s", ap.app.Name, lp.loc, idOf(ap.nowSec))
		ap.wakeForSchedule(false)
		return
	}
	ap.wakeForSchedule(false)
	key := actionKey(Snapshot, ap.app.Name, lp.loc, ap.nowSec, true)
	a := Action{Key: key, Kind: Snapshot, App: ap.app.Name, Location: lp.loc, AppPath: lp.appPath, Reason: reason,
		Bytes: ap.opts.SourceBytes[ap.app.Name], Input: snapshotInput(ap.app, ap.cfg.Destination(lp.loc.Destination))}
	if after != "" {
		a.DependsOn = []string{after}
	}
	ap.add(a, origin.idx, lp.destIdx, ap.nowSec)
	lp.made = append(lp.made, pendingCopy{sec: ap.nowSec, key: key, kind: Snapshot, isNew: true})
	ap.hasNew, ap.newSec = true, ap.nowSec
}

// newestComplete is the time of the newest complete copy at any location,
// leaving out copies dated in the future.
func (ap *appPlan) newestComplete(locs []*locPlan) time.Time {
	var newest time.Time
	for _, lp := range locs {
		for i := len(lp.copies) - 1; i >= 0; i-- {
			if lp.copies[i].Complete && !ap.future(&lp.copies[i]) {
				newest = later(newest, lp.copies[i].ID.Time())
				break
			}
		}
	}
	return newest
}

// retain applies the tier's retention to its candidates: healthy and pending
// copies upstream, complete and pending copies at the tier itself; copies
// dated in the future are no candidates (see Future).
func (ap *appPlan) retain(tp *tierPlan) {
	var ids []int64
	if tp.up != nil {
		for _, lp := range tp.up.locs {
			ids = lp.appendIDs(ids, func(c *Copy) bool { return c.Healthy() && !ap.future(c) })
		}
	}
	for _, lp := range tp.locs {
		ids = lp.appendIDs(ids, func(c *Copy) bool { return c.Complete && !ap.future(c) })
	}
	slices.Sort(ids)
	tp.cands = slices.Compact(ids)
	tp.masks = keepMasks(tp.tier.Keep, tp.cands)
}

// appendIDs appends the times of the copies that pass ok and of every
// pending copy.
func (lp *locPlan) appendIDs(ids []int64, ok func(*Copy) bool) []int64 {
	ids = slices.Grow(ids, len(lp.copies)+len(lp.made)+len(lp.incoming))
	for i := range lp.copies {
		if ok(&lp.copies[i]) {
			ids = append(ids, secOf(&lp.copies[i]))
		}
	}
	for _, p := range lp.made {
		ids = append(ids, p.sec)
	}
	for _, p := range lp.incoming {
		ids = append(ids, p.sec)
	}
	return ids
}

// mask returns the rules of the tier's retention that keep sec (0: none).
func (tp *tierPlan) mask(sec int64) keepRule {
	if i, ok := slices.BinarySearch(tp.cands, sec); ok {
		return tp.masks[i]
	}
	return 0
}

// find returns the copy of sec at the location, or nil.
func (lp *locPlan) find(sec int64) *Copy {
	if i := lp.index(sec); i >= 0 {
		return &lp.copies[i]
	}
	return nil
}

// pendingAt returns the pending copy of sec at the location, or nil;
// incoming transfers count only when withIncoming is set.
func (lp *locPlan) pendingAt(sec int64, withIncoming bool) *pendingCopy {
	for i := range lp.made {
		if lp.made[i].sec == sec {
			return &lp.made[i]
		}
	}
	if !withIncoming {
		return nil
	}
	i, ok := slices.BinarySearchFunc(lp.incoming, sec, func(p pendingCopy, s int64) int { return cmp.Compare(p.sec, s) })
	if !ok {
		return nil
	}
	return &lp.incoming[i]
}

func secOf(c *Copy) int64 { return c.ID.Time().Unix() }

// read records that the action key reads the existing copy of sec at loc.
func (ap *appPlan) read(loc Location, sec int64, key string) {
	r := copyRef{loc: loc, sec: sec}
	ap.readers[r] = append(ap.readers[r], key)
}

// liveLease returns a live lease at the destination, or nil.
func (ap *appPlan) liveLease(dest string) *Lease {
	for i, l := range ap.inv.Leases[dest] {
		if l.Live(ap.now) {
			return &ap.inv.Leases[dest][i]
		}
	}
	return nil
}
