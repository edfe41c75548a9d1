package planner

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/stratabackup/strata/snapshot"
)

// transfers brings every kept snapshot missing at the location.
func (ap *appPlan) transfers(tp *tierPlan, lp *locPlan) {
	if lp.detached {
		ap.waitForDrive(tp, lp)
	}
	if lp.failed {
		return
	}
	for i, sec := range tp.cands {
		if tp.masks[i] == 0 {
			continue
		}
		if c := lp.find(sec); c != nil && c.Complete {
			continue
		}
		if lp.pendingAt(sec, false) != nil {
			continue
		}
		if ap.windowClosed() {
			ap.holdForWindow(tp, lp, sec)
			ap.waitForWindow()
			continue
		}
		ap.transfer(tp, lp, sec, tp.masks[i])
	}
}

// transfer adds the transfer of sec to lp from the best source.
func (ap *appPlan) transfer(tp *tierPlan, lp *locPlan, sec int64, mask keepRule) {
	isNew := ap.hasNew && sec == ap.newSec
	src, c, p := ap.transferSource(tp, lp, sec)
	if src == nil {
		return // only corrupt copies: the repair warning says so
	}
	key := actionKey(Transfer, ap.app.Name, lp.loc, sec, isNew)
	a := Action{
		Key: key, Kind: Transfer, App: ap.app.Name, Location: lp.loc, Source: &src.loc,
		Snapshot: idString(sec, isNew), Dir: dirOf(lp.appPath, sec, isNew), AppPath: lp.appPath,
		SourceDir: dirOf(src.appPath, sec, isNew), SourceAppPath: src.appPath, Reason: ap.transferReason(tp, sec, mask, isNew),
	}
	if c != nil {
		a.SourceDir, a.Bytes = c.Dir, c.Size
		a.DependsOn = src.after(sec, a.DependsOn)
		ap.read(src.loc, sec, key)
	} else {
		a.Bytes = p.size
		a.DependsOn = append(a.DependsOn, p.key)
	}
	if k := ap.cleanupKey(lp, sec); k != "" {
		a.DependsOn = append(a.DependsOn, k)
	}
	a.DependsOn = lp.after(sec, a.DependsOn)
	ap.add(a, tp.idx, lp.destIdx, sec)
	lp.incoming = append(lp.incoming, pendingCopy{sec: sec, key: key, kind: Transfer, size: a.Bytes, isNew: isNew})
}

func (ap *appPlan) transferReason(tp *tierPlan, sec int64, mask keepRule, isNew bool) string {
	why := strings.Join(keepReasons(tp.tier.Keep, sec, mask), ", ")
	if isNew {
		return fmt.Sprintf("new snapshot, wanted by tier %s (%s)", tp.tier.Name, why)
	}
	return fmt.Sprintf("wanted by tier %s (%s) and missing here", tp.tier.Name, why)
}

// transferSource picks where a transfer reads: a healthy copy upstream, else
// one arriving upstream in this plan, else a healthy sibling copy, else one a
// sibling makes in this plan. Exactly one of the copy and the pending copy is
// set when the location is.
func (ap *appPlan) transferSource(tp *tierPlan, lp *locPlan, sec int64) (*locPlan, *Copy, *pendingCopy) {
	if tp.up != nil {
		if src, c := bestHealthy(tp.up.locs, nil, sec); src != nil {
			return src, c, nil
		}
		if src, p := firstPending(tp.up.locs, nil, sec, true); src != nil {
			return src, nil, p
		}
	}
	if src, c := bestHealthy(tp.locs, lp, sec); src != nil {
		return src, c, nil
	}
	if src, p := firstPending(tp.locs, lp, sec, false); src != nil {
		return src, nil, p
	}
	return nil, nil, nil
}

// bestHealthy finds the best healthy copy of sec among locs (skipping
// exclude): verified first, then most recently verified, then the first in
// declaration order.
func bestHealthy(locs []*locPlan, exclude *locPlan, sec int64) (*locPlan, *Copy) {
	var best *locPlan
	var bc *Copy
	for _, l := range locs {
		if l == exclude {
			continue
		}
		c := l.find(sec)
		if c == nil || !c.Healthy() {
			continue
		}
		if bc == nil || c.Verified.After(bc.Verified) {
			best, bc = l, c
		}
	}
	return best, bc
}

// firstPending finds the first location (declaration order) where the plan
// makes a copy of sec.
func firstPending(locs []*locPlan, exclude *locPlan, sec int64, withIncoming bool) (*locPlan, *pendingCopy) {
	for _, l := range locs {
		if l == exclude {
			continue
		}
		if p := l.pendingAt(sec, withIncoming); p != nil {
			return l, p
		}
	}
	return nil, nil
}

// repairs replaces every kept copy whose last check failed.
func (ap *appPlan) repairs(tp *tierPlan, lp *locPlan) {
	for i := range lp.copies {
		c := &lp.copies[i]
		if !c.Complete || c.Healthy() || tp.mask(secOf(c)) == 0 {
			continue
		}
		ap.repair(tp, lp, c)
	}
	slices.SortFunc(lp.made, func(a, b pendingCopy) int { return cmp.Compare(a.sec, b.sec) })
}

func (ap *appPlan) repair(tp *tierPlan, lp *locPlan, c *Copy) {
	sec := secOf(c)
	src, sc := ap.healthySource(tp, lp, sec)
	if src == nil {
		ap.warnf("no healthy copy of %s %s anywhere: the corrupt copy at %s is kept as is", ap.app.Name, c.ID, lp.loc)
		ap.missing = append(ap.missing, MissingCopy{App: ap.app.Name, Location: lp.loc, ID: c.ID.String()})
		return
	}
	key := actionKey(Repair, ap.app.Name, lp.loc, sec, false)
	ap.read(src.loc, sec, key)
	ap.add(Action{
		Key: key, Kind: Repair, App: ap.app.Name, Location: lp.loc, Source: &src.loc,
		Snapshot: c.ID.String(), Dir: c.Dir, AppPath: lp.appPath, SourceDir: sc.Dir, SourceAppPath: src.appPath, Bytes: sc.Size,
		DependsOn: src.after(sec, lp.after(sec, nil)),
		Reason:    repairReason(c, lp.loc, src.loc),
	}, tp.idx, lp.destIdx, sec)
	lp.made = append(lp.made, pendingCopy{sec: sec, key: key, kind: Repair, size: sc.Size})
}

// repairReason says why the copy c at location at is repaired from the
// copy at src. Chunks are shared by every copy at a destination, so the
// chunks a verification finds bad are marked in every copy there that
// references them, verified or not; that mark leaves a verified.json in
// place, a copy's own failed verification removes it. A corrupt.json newer
// than a verified.json thus says that verifying another copy found them;
// without a verified.json the listing cannot tell which, and the reason
// says so.
func repairReason(c *Copy, at, src Location) string {
	why := fmt.Sprintf("its last verification failed, or verifying another copy at %s found chunks it shares damaged (see %s there)",
		at.Destination, snapshot.CorruptName)
	if !c.Verified.IsZero() {
		why = fmt.Sprintf("verifying another copy at %s found chunks it shares damaged since this copy last verified ok (see %s there)",
			at.Destination, snapshot.CorruptName)
	}
	return fmt.Sprintf("%s; the copy at %s is healthy", why, src)
}

// healthySource finds a healthy copy of sec at any location of the
// application: the same tier first, then upstream, then the others.
func (ap *appPlan) healthySource(tp *tierPlan, lp *locPlan, sec int64) (*locPlan, *Copy) {
	order := []*tierPlan{tp}
	for u := tp.up; u != nil; u = u.up {
		order = append(order, u)
	}
	for _, t := range ap.tiers {
		if !slices.Contains(order, t) {
			order = append(order, t)
		}
	}
	for _, t := range order {
		if src, c := bestHealthy(t.locs, lp, sec); src != nil {
			return src, c
		}
	}
	return nil, nil
}
