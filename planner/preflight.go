package planner

import (
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/stratabackup/strata/spec"
)

// Free-space preflight (a destination's min_free): where the backend reports
// its free space, a snapshot, transfer or repair that would leave less than
// min_free there is refused. The plan keeps every other action; the refused
// ones, and the actions that depend on them, become warnings and a
// *FreeSpaceError, so plan and apply exit non-zero.
//
// The bytes of a new snapshot are estimated as the size of its sources
// (Options.SourceBytes: uncompressed and before deduplication, so
// conservative: format 2 stores only the chunks the destination lacks, and
// what a snapshot will add is known only once it is cut); a transfer's or
// repair's bytes are those of the copy's directory (its chunk list), so the
// check of a transfer is weak until the executor checks chunk by chunk. Purges in the same plan are not counted as
// freeing space: the check is conservative.

// Refusal is one action refused for lack of free space.
type Refusal struct {
	Key         string
	Destination string
	// Needed is the (estimated) bytes the action writes; Free the bytes
	// free before it (after the writes planned before it); MinFree the
	// destination's min_free.
	Needed, Free, MinFree int64
}

func (r Refusal) String() string {
	left, minFree := sizePair(r.Free-r.Needed, r.MinFree)
	return fmt.Sprintf("%s would write about %s to destination %q, which has %s free: that leaves %s, less than its min_free of %s",
		r.Key, ibytes(r.Needed), r.Destination, ibytes(r.Free), left, minFree)
}

// sizePair formats two sizes for a comparison; when they round to the same
// text, each also gets its exact byte count, so that a reader sees why one
// is less than the other.
func sizePair(a, b int64) (string, string) {
	sa, sb := ibytes(a), ibytes(b)
	if sa == sb && a != b {
		return fmt.Sprintf("%s (%d bytes)", sa, a), fmt.Sprintf("%s (%d bytes)", sb, b)
	}
	return sa, sb
}

// FreeSpaceError lists the actions refused by the free-space preflight.
type FreeSpaceError struct {
	Refused []Refusal
}

func (e *FreeSpaceError) Error() string {
	parts := make([]string, len(e.Refused))
	for i, r := range e.Refused {
		parts[i] = r.String()
	}
	return "not enough free space: " + strings.Join(parts, "; ") +
		"; free space at the destination, or lower its min_free"
}

func ibytes(n int64) string {
	if n < 0 {
		return "-" + humanize.IBytes(uint64(-n))
	}
	return humanize.IBytes(uint64(n))
}

// recordFree keeps the free space a listing reports.
func recordFree(inv *Inventory, l *Listing) {
	if !l.FreeKnown {
		return
	}
	if inv.Free == nil {
		inv.Free = map[string]int64{}
	}
	inv.Free[l.Destination] = l.Free
}

// finishChecked keeps the actions the plan's node owns, runs the preflight,
// plans the gc actions after what it kept, then finishes the plan; the
// preflight's error joins the plan's own.
func (b *builder) finishChecked() (*Plan, error) {
	b.splitOwned()
	ferr := b.preflight()
	b.planGCs()
	p, err := b.finish()
	switch {
	case ferr == nil:
		return p, err
	case err == nil:
		return p, ferr
	}
	return p, fmt.Errorf("%w; %w", err, ferr)
}

// preflight drops the writes that would go below a destination's min_free,
// and every action that depends on a dropped one.
func (b *builder) preflight() error {
	minFree := map[string]int64{}
	for _, d := range b.cfg.Destinations {
		if _, known := b.inv.Free[d.Name]; known && d.MinFree > 0 {
			minFree[d.Name] = d.MinFree
		}
	}
	if len(minFree) == 0 {
		return nil
	}
	var refused []Refusal
	drop := map[string]bool{}
	used := map[string]int64{}
	for _, o := range b.actions {
		a := &o.Action
		mf, checked := minFree[a.Location.Destination]
		if !checked || !writes(a.Kind) || dependsOnAny(a, drop) {
			continue
		}
		d, need := a.Location.Destination, b.estimate(a)
		free := b.inv.Free[d] - used[d]
		if free-need < mf {
			refused = append(refused, Refusal{Key: a.Key, Destination: d, Needed: need, Free: free, MinFree: mf})
			drop[a.Key] = true
			continue
		}
		used[d] += need
	}
	if len(refused) == 0 {
		return nil
	}
	for _, r := range refused {
		b.warnf("refused for lack of free space: %s", r)
	}
	b.dropWithDependents(drop)
	return &FreeSpaceError{Refused: refused}
}

// writes tells the action kinds that add data at their location.
func writes(k ActionKind) bool { return k == Snapshot || k == Transfer || k == Repair }

func dependsOnAny(a *Action, keys map[string]bool) bool {
	for _, k := range a.DependsOn {
		if keys[k] {
			return true
		}
	}
	return false
}

// estimate is the bytes an action writes: the size of its sources for a
// new snapshot, the action's own for a transfer or repair.
func (b *builder) estimate(a *Action) int64 {
	if a.Kind != Snapshot {
		return a.Bytes
	}
	return b.opts.SourceBytes[a.App]
}

// NeedsSourceBytes tells whether the preflight of app's snapshots needs the
// size of its sources: its origin tier writes to a destination with a
// min_free.
func NeedsSourceBytes(app *spec.Application) bool {
	for _, t := range app.Tiers {
		for _, d := range t.Destinations {
			if t.From == nil && d.MinFree > 0 {
				return true
			}
		}
	}
	return false
}

// dropWithDependents removes the actions in drop and, transitively, every
// action that depends on one of them, with a warning for each dependent.
func (b *builder) dropWithDependents(drop map[string]bool) {
	for changed := true; changed; {
		changed = false
		for i := range b.actions {
			a := &b.actions[i].Action
			if !drop[a.Key] && dependsOnAny(a, drop) {
				drop[a.Key] = true
				b.warnf("not planned: %s depends on an action refused for lack of free space", a.Key)
				changed = true
			}
		}
	}
	kept := b.actions[:0]
	for _, o := range b.actions {
		if !drop[o.Key] {
			kept = append(kept, o)
		}
	}
	b.actions = kept
}
