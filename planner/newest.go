package planner

// tierCandidate is the snapshot of an application at a tier that an action
// restoring from the tier (a standby refresh, a restore test) reads: an
// existing copy, or one this plan makes or brings there.
type tierCandidate struct {
	sec     int64
	lp      *locPlan
	cp      *Copy        // the existing copy, or nil
	pending *pendingCopy // the copy this plan brings, or nil
}

// newestHealthy is the newest snapshot of the application at tp that is
// healthy (complete, not corrupt), not dated in the future and not purged
// by this plan, or that this plan brings there. On a tie an existing copy
// beats one the plan brings, a verified copy an unverified one, and then
// the location declared first. Locations whose listing failed are left
// out. ok is false when there is none.
func (ap *appPlan) newestHealthy(tp *tierPlan) (best tierCandidate, ok bool) {
	better := func(c tierCandidate) bool {
		switch {
		case !ok || c.sec > best.sec:
			return true
		case c.sec < best.sec || c.pending != nil:
			return false
		}
		return best.pending != nil || (best.cp.Verified.IsZero() && !c.cp.Verified.IsZero())
	}
	consider := func(c tierCandidate) {
		if better(c) {
			best, ok = c, true
		}
	}
	for _, lp := range tp.locs {
		if lp.failed {
			continue
		}
		for i := range lp.copies {
			c := &lp.copies[i]
			if c.Healthy() && !ap.future(c) && (lp.purged == nil || !lp.purged[i]) {
				consider(tierCandidate{sec: secOf(c), lp: lp, cp: c})
			}
		}
		for _, list := range [][]pendingCopy{lp.made, lp.incoming} {
			for i := range list {
				consider(tierCandidate{sec: list[i].sec, lp: lp, pending: &list[i]})
			}
		}
	}
	return best, ok
}
