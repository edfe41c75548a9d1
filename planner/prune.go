package planner

import (
	"fmt"
	"slices"
	"time"
)

// purges removes the copies at lp outside the tier's retention, under the
// safety rules of DESIGN.md §3.
func (ap *appPlan) purges(tp *tierPlan, lp *locPlan) {
	if ap.anyFailed || ap.holdPurges || lp.failed {
		return
	}
	idx, complete := ap.purgeable(tp, lp)
	producers := lp.producers()
	if len(idx) > 0 && len(idx) == complete && len(producers) == 0 {
		newest := &lp.copies[idx[len(idx)-1]]
		ap.warnf("kept %s %s at %s although outside %s: it is the last complete snapshot there",
			ap.app.Name, newest.ID, lp.loc, KeepString(tp.tier.Keep))
		idx = idx[:len(idx)-1]
	}
	if len(idx) == 0 {
		return
	}
	ap.checkMass(lp, len(idx), complete+len(producers))
	lp.purged = make([]bool, len(lp.copies))
	for _, i := range idx {
		lp.purged[i] = true
		ap.purge(tp, lp, &lp.copies[i], producers)
	}
}

// purgeable lists the indexes of the complete copies outside retention,
// leaving a corrupt copy alone when no healthy copy of it exists anywhere,
// and counts the complete copies. Copies dated in the future are neither
// (see Future): retention cannot judge them.
func (ap *appPlan) purgeable(tp *tierPlan, lp *locPlan) (idx []int, complete int) {
	for i := range lp.copies {
		c := &lp.copies[i]
		if !c.Complete || ap.future(c) {
			continue
		}
		complete++
		sec := secOf(c)
		if tp.mask(sec) != 0 {
			continue
		}
		if ap.held[copyRef{loc: lp.loc, sec: sec}] {
			ap.warnf("kept %s %s at %s although outside %s: a transfer of it waits for the window",
				ap.app.Name, c.ID, lp.loc, KeepString(tp.tier.Keep))
			continue
		}
		if !c.Healthy() {
			if src, _ := ap.healthySource(tp, lp, sec); src == nil {
				ap.warnf("no healthy copy of %s %s anywhere: the corrupt copy at %s is outside retention but kept as is",
					ap.app.Name, c.ID, lp.loc)
				continue
			}
		}
		idx = append(idx, i)
	}
	return idx, complete
}

// producers are the keys of the actions that bring new copies here.
func (lp *locPlan) producers() []string {
	var keys []string
	for _, p := range lp.made {
		if p.kind == Snapshot {
			keys = append(keys, p.key)
		}
	}
	for _, p := range lp.incoming {
		keys = append(keys, p.key)
	}
	return keys
}

// checkMass records a refusal when the purges at one location exceed the cap
// (safety rule 3): the explicit --max-purge or max_purge, else half of the
// copies present or arriving.
func (ap *appPlan) checkMass(lp *locPlan, purges, copies int) {
	limit := ap.opts.MaxPurge
	if limit == nil {
		limit = ap.cfg.Settings.MaxPurge
	}
	over := 2*purges > copies
	if limit != nil {
		over = purges > *limit
	}
	if over {
		ap.mass = append(ap.mass, &MassPurgeError{
			App: ap.app.Name, Location: lp.loc, Purges: purges, Copies: copies, Cap: limit, Needed: purges,
		})
	}
}

func (ap *appPlan) purge(tp *tierPlan, lp *locPlan, c *Copy, producers []string) {
	sec := secOf(c)
	deps := lp.after(sec, append(slices.Clone(ap.readers[copyRef{loc: lp.loc, sec: sec}]), producers...))
	ap.add(Action{
		Key: actionKey(Purge, ap.app.Name, lp.loc, sec, false), Kind: Purge, App: ap.app.Name,
		Location: lp.loc, Snapshot: c.ID.String(), Dir: c.Dir, AppPath: lp.appPath, Bytes: c.Size,
		Reason: "outside " + KeepString(tp.tier.Keep), DependsOn: deps,
	}, tp.idx, lp.destIdx, sec)
}

// verifies follows the tier's verify policy: with a `verify` block, every
// healthy copy that is due is checked, and every copy the plan writes here is
// checked after it is written. Without one, apply reads no copy back (DESIGN
// §4: the write itself hashes what it reads and checks the size written) —
// but a repaired copy is always verified.
func (ap *appPlan) verifies(tp *tierPlan, lp *locPlan) {
	if lp.failed {
		return
	}
	policy := tp.tier.Verify != nil
	if policy {
		ap.dueVerifies(tp, lp)
	}
	for _, list := range [][]pendingCopy{lp.made, lp.incoming} {
		for _, p := range list {
			reason := "verify after write"
			if p.kind == Repair {
				reason = "verify after repair"
			} else if !policy {
				continue
			}
			ap.verify(tp, lp, p.sec, p.isNew, dirOf(lp.appPath, p.sec, p.isNew), p.size, reason, []string{p.key})
			ap.wakeForNewCopy(tp, lp)
		}
	}
}

// dueVerifies checks every healthy copy whose verification is due.
func (ap *appPlan) dueVerifies(tp *tierPlan, lp *locPlan) {
	for i := range lp.copies {
		c := &lp.copies[i]
		if !c.Healthy() || (lp.purged != nil && lp.purged[i]) || ((ap.anyFailed || ap.holdPurges) && tp.mask(secOf(c)) == 0) {
			continue
		}
		reason, due := verifyDue(tp, c.Verified, ap.now)
		if !due {
			ap.wakeForVerify(tp, lp, c, false)
			continue
		}
		why, ok := sampled(tp.tier.Verify, ap.app.Name, lp.loc, c, ap.now)
		if !ok {
			ap.wakeForVerify(tp, lp, c, false)
			continue
		}
		if why != "" {
			reason += " (" + why + ")"
		}
		ap.verify(tp, lp, secOf(c), false, c.Dir, c.Size, reason, lp.after(secOf(c), nil))
		ap.wakeForVerify(tp, lp, c, true)
	}
}

func (ap *appPlan) verify(tp *tierPlan, lp *locPlan, sec int64, isNew bool, dir string, size int64, reason string, deps []string) {
	ap.add(Action{
		Key: actionKey(Verify, ap.app.Name, lp.loc, sec, isNew), Kind: Verify, App: ap.app.Name,
		Location: lp.loc, Snapshot: idString(sec, isNew), Dir: dir, AppPath: lp.appPath, Bytes: size,
		Reason: reason, DependsOn: deps,
	}, tp.idx, lp.destIdx, sec)
}

// verifyDue says whether a copy last verified at last needs verifying.
func verifyDue(tp *tierPlan, last, now time.Time) (string, bool) {
	if last.IsZero() {
		return "never verified", true
	}
	v := tp.tier.Verify
	if v == nil || v.Every <= 0 || now.Before(last.Add(v.Every)) {
		return "", false
	}
	return fmt.Sprintf("last verified %s, verify every %s", last.UTC().Format(time.RFC3339), formatDuration(v.Every)), true
}

// cleanups deletes incomplete snapshot directories and temporary objects,
// unless a live lease may still be writing them.
func (ap *appPlan) cleanups(tp *tierPlan, lp *locPlan) {
	if ap.anyFailed || lp.failed {
		return
	}
	lease := ap.liveLease(lp.loc.Destination)
	for i := range lp.copies {
		c := &lp.copies[i]
		if c.Complete && len(c.Temps) == 0 {
			continue
		}
		if lease != nil {
			ap.warnf("cleanup at destination %q waits for lease %s (host %s, pid %d, expires %s)",
				lp.loc.Destination, lease.ID, lease.Host, lease.PID, lease.Expires.UTC().Format(time.RFC3339))
			return
		}
		ap.cleanup(tp, lp, c)
	}
}

func (ap *appPlan) cleanup(tp *tierPlan, lp *locPlan, c *Copy) {
	sec := secOf(c)
	a := Action{
		Key: actionKey(Cleanup, ap.app.Name, lp.loc, sec, false), Kind: Cleanup, App: ap.app.Name,
		Location: lp.loc, Snapshot: c.ID.String(), AppPath: lp.appPath, DependsOn: lp.after(sec, nil),
	}
	if c.Complete {
		a.Paths = slices.Sorted(slices.Values(c.Temps))
		a.Reason = fmt.Sprintf("%d temporary object(s) left by an interrupted write", len(c.Temps))
	} else {
		a.Dir, a.Bytes = c.Dir, c.Size
		a.Reason = fmt.Sprintf("incomplete snapshot (no %s), last written %s", "manifest.json", c.ModTime.UTC().Format(time.RFC3339))
	}
	ap.add(a, tp.idx, lp.destIdx, sec)
}

// cleanupKey is the key of the planned cleanup of an incomplete copy of sec
// at lp, or "" when there is none.
func (ap *appPlan) cleanupKey(lp *locPlan, sec int64) string {
	if ap.anyFailed || ap.liveLease(lp.loc.Destination) != nil {
		return ""
	}
	if c := lp.find(sec); c == nil || c.Complete {
		return ""
	}
	return actionKey(Cleanup, ap.app.Name, lp.loc, sec, false)
}
