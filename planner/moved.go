package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// MoveConflictError says that a moved block's target already holds a
// history of its own that the moved snapshots would interleave with: an
// old copy is newer than a copy already at the target (DESIGN.md §8). The
// move is left out of the plan; both histories stay where they are.
type MoveConflictError struct {
	App, From string
	Location  Location
	// OldPath and Path are the application's paths before and after.
	OldPath, Path string
	// Old is the newest old snapshot, Target the oldest one already at
	// the target.
	Old, Target string
}

func (e *MoveConflictError) Error() string {
	return fmt.Sprintf("cannot move the snapshots of %s (was %s) at %s from %s to %s: %s already holds snapshots since %s, older than %s at %s, "+
		"so they belong to another history; move or forget one of them by hand, or delete the moved block",
		e.App, e.From, e.Location, e.OldPath, e.Path, e.Path, e.Target, e.Old, e.OldPath)
}

// moveReason is the display-only reason of a move: which block, and what it
// costs on the server.
func moveReason(prev spec.Previous, n int, bytes int64) string {
	return fmt.Sprintf("moved block at %s:%d (%s is now %s); server-side: one rename per snapshot where the backend renames directories (local, SFTP), "+
		"else a server-side copy and delete of each object (object stores: %d snapshot(s), %d bytes copied inside the store); nothing is downloaded or uploaded",
		prev.Moved.DeclRange.Filename, prev.Moved.DeclRange.Start.Line, prev.Name, prev.Moved.To, n, bytes)
}

// planMoves plans, at one location, one move per previous path that still
// holds snapshots, and counts what they move as already at the
// application's path: retention, transfers and purges of this plan see the
// moved history, and wait for the move.
func (ap *appPlan) planMoves(tp *tierPlan, lp *locPlan) {
	if lp.failed {
		return
	}
	prevKey := ""
	for _, prev := range ap.app.Previous {
		old, ok := prev.Paths[tp.tier.Name]
		olds := ap.inv.Old[OldKey{App: ap.app.Name, Location: lp.loc, Path: old}]
		if !ok || len(olds) == 0 {
			continue
		}
		if ap.moveConflict(prev, lp, old, olds) {
			continue
		}
		key := "move:" + ap.app.Name + ":" + lp.loc.String() + ":" + prev.Name
		moves, bytes := ap.moveDirs(tp, lp, old, olds, key)
		if len(moves) == 0 {
			continue
		}
		a := Action{Key: key, Kind: Move, App: ap.app.Name, Location: lp.loc, AppPath: lp.appPath,
			SourceAppPath: old, Moves: moves, Bytes: bytes, Reason: moveReason(prev, len(moves), bytes)}
		if prevKey != "" {
			a.DependsOn = []string{prevKey}
		}
		ap.add(a, tp.idx, lp.destIdx, 0)
		prevKey = key
	}
}

// moveConflict reports an old copy newer than a copy already at the
// target that is not the same snapshot (a copy at both paths is one
// snapshot half-moved, or transferred to both).
func (ap *appPlan) moveConflict(prev spec.Previous, lp *locPlan, old string, olds []Copy) bool {
	var newestOld *Copy
	for i := range olds {
		if c := &olds[i]; c.Complete && lp.find(secOf(c)) == nil {
			newestOld = c
		}
	}
	for i := range lp.copies {
		c := &lp.copies[i]
		if !c.Complete || newestOld == nil {
			continue
		}
		if c.ID.Time().Before(newestOld.ID.Time()) {
			ap.conflicts = append(ap.conflicts, &MoveConflictError{App: ap.app.Name, From: prev.Name, Location: lp.loc,
				OldPath: old, Path: lp.appPath, Old: newestOld.ID.String(), Target: c.ID.String()})
			return true
		}
		break // copies are oldest first: only the oldest matters
	}
	return false
}

// moveDirs lists the snapshot directories to move, newest first (an
// interrupted move then leaves the newest history at the target and the
// oldest at the old path, which the conflict rule accepts), merges them into
// the location's copies, and plans the cleanup of incomplete old
// directories that nothing at the target continues.
func (ap *appPlan) moveDirs(tp *tierPlan, lp *locPlan, old string, olds []Copy, key string) ([]DirMove, int64) {
	var moves []DirMove
	var bytes int64
	merged := slices.Clone(lp.copies)
	for i := len(olds) - 1; i >= 0; i-- {
		c := &olds[i]
		sec := secOf(c)
		at := lp.find(sec)
		if !c.Complete && at == nil {
			ap.oldCleanup(tp, lp, c, key)
			continue
		}
		to := snapshot.Path(lp.appPath, c.ID)
		moves = append(moves, DirMove{From: c.Dir, To: to})
		if c.Complete {
			bytes += c.Size
		}
		merged = mergeMoved(merged, *c, to)
		lp.markMoving(sec, key)
	}
	slices.SortStableFunc(merged, func(a, b Copy) int { return a.ID.Time().Compare(b.ID.Time()) })
	lp.copies = merged
	return moves, bytes
}

// mergeMoved counts the old copy c as at dir: a copy of the same snapshot
// already there (an interrupted move) becomes complete if either was.
func mergeMoved(copies []Copy, c Copy, dir string) []Copy {
	for i := range copies {
		if copies[i].ID != c.ID {
			continue
		}
		at := &copies[i]
		if !at.Complete && c.Complete {
			at.Complete, at.Size = true, c.Size
		}
		at.Verified, at.Corrupt = later(at.Verified, c.Verified), later(at.Corrupt, c.Corrupt)
		at.ModTime = later(at.ModTime, c.ModTime)
		return copies
	}
	c.Dir, c.Temps = dir, nil
	return append(copies, c)
}

// oldCleanup deletes an incomplete directory under a previous path (an
// interrupted snapshot of the application under its old name), unless a
// live lease may still be writing it.
func (ap *appPlan) oldCleanup(tp *tierPlan, lp *locPlan, c *Copy, moveKey string) {
	if ap.anyFailed || ap.liveLease(lp.loc.Destination) != nil {
		return
	}
	sec := secOf(c)
	ap.add(Action{
		Key:  actionKey(Cleanup, ap.app.Name, lp.loc, sec, false) + ":" + strings.TrimPrefix(moveKey, "move:"+ap.app.Name+":"+lp.loc.String()+":"),
		Kind: Cleanup, App: ap.app.Name, Location: lp.loc, Snapshot: c.ID.String(), Dir: c.Dir, AppPath: lp.appPath,
		Bytes: c.Size, Reason: "incomplete snapshot (no manifest.json) under the old path " + c.Dir[:len(c.Dir)-19],
	}, tp.idx, lp.destIdx, sec)
}

// markMoving records that the copy of sec at lp arrives by the move key.
func (lp *locPlan) markMoving(sec int64, key string) {
	if lp.moving == nil {
		lp.moving = map[int64]string{}
	}
	lp.moving[sec] = key
}

// after adds to deps the move that brings the copy of sec to lp, if any.
func (lp *locPlan) after(sec int64, deps []string) []string {
	if k, ok := lp.moving[sec]; ok {
		return append(deps, k)
	}
	return deps
}

// destroyRemoved purges every snapshot of the applications whose removed
// block says destroy = true, at every location; exempt from the
// mass-deletion cap, since the block asked for exactly this. Incomplete
// directories are cleaned up unless a live lease covers them.
func (b *builder) destroyRemoved() {
	for _, r := range b.cfg.Removed {
		if !r.Destroy {
			continue
		}
		if b.anyFailed || b.holdPurges {
			b.warnf("removed application %s is not destroyed in this plan: a listing failed", r.From)
			continue
		}
		for ti, t := range b.cfg.Tiers {
			if p, ok := r.Paths[t.Name]; ok {
				b.destroyAt(r, ti, t, p)
			}
		}
	}
}

func (b *builder) destroyAt(r *spec.Removed, ti int, t *spec.Tier, appPath string) {
	reason := fmt.Sprintf("removed block at %s:%d with destroy = true", r.DeclRange.Filename, r.DeclRange.Start.Line)
	for di, d := range t.Destinations {
		loc := Location{Tier: t.Name, Destination: d.Name}
		leased := b.liveLeaseAt(d.Name)
		for _, c := range b.inv.Copies[r.From][loc] {
			sec := secOf(&c)
			kind := Purge
			if !c.Complete {
				if leased {
					continue
				}
				kind = Cleanup
			}
			b.add(Action{Key: actionKey(kind, r.From, loc, sec, false), Kind: kind, App: r.From, Location: loc,
				Snapshot: c.ID.String(), Dir: c.Dir, AppPath: appPath, Bytes: c.Size, Reason: reason}, ti, di, sec)
		}
	}
}

func (b *builder) liveLeaseAt(dest string) bool {
	for _, l := range b.inv.Leases[dest] {
		if l.Live(b.now) {
			return true
		}
	}
	return false
}
