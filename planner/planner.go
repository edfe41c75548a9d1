package planner

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// builder accumulates one plan across applications.
type builder struct {
	cfg    *spec.Config
	inv    *Inventory
	now    time.Time
	nowSec int64
	// horizon is the latest snapshot time that counts (now + ClockSkew).
	horizon   int64
	opts      Options
	anyFailed bool
	// holdPurges is set when a listing came back empty while other
	// locations of the same chain hold copies: no purge anywhere.
	holdPurges bool
	actions    []ordered
	warnings   []string
	mass       []*MassPurgeError
	missing    []MissingCopy
	conflicts  []*MoveConflictError
	wakeup     *Wakeup
	// elsewhere and waiting are the actions splitOwned takes out.
	elsewhere, waiting []ordered
}

// ordered is an action with its sort position: application, tier in chain
// order, kind, destination in declaration order, snapshot time.
type ordered struct {
	Action
	tier, dest int
	sec        int64
}

// BuildPlan computes the actions that make the inventory match cfg at time
// now (DESIGN.md §3). It is pure and deterministic. With a *MassPurgeError or
// a *NoHealthyCopyError it still returns the plan, for display only in the
// first case; several errors are joined.
func BuildPlan(cfg *spec.Config, inv *Inventory, now time.Time, opts Options) (*Plan, error) {
	now = now.UTC()
	b := &builder{cfg: cfg, inv: inv, now: now, nowSec: now.Unix(), horizon: now.Add(ClockSkew).Unix(),
		opts: opts, anyFailed: len(inv.Failed) > 0}
	b.warnFailed()
	b.checkEmpty()
	for _, a := range sortedApps(cfg) {
		newAppPlan(b, a).run()
	}
	b.destroyRemoved()
	b.warnOrphans()
	b.warnFormat1()
	return b.finishChecked()
}

func sortedApps(cfg *spec.Config) []*spec.Application {
	apps := slices.Clone(cfg.Applications)
	slices.SortFunc(apps, func(a, b *spec.Application) int { return cmp.Compare(a.Name, b.Name) })
	return apps
}

func (b *builder) warnf(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

func (b *builder) add(a Action, tier, dest int, sec int64) {
	slices.Sort(a.DependsOn)
	a.DependsOn = slices.Compact(a.DependsOn)
	b.chunkParams(&a)
	b.actions = append(b.actions, ordered{Action: a, tier: tier, dest: dest, sec: sec})
}

func (b *builder) warnFailed() {
	for _, d := range sortedKeys(b.inv.Failed) {
		b.warnf("listing of destination %q failed: %s; the plan purges and cleans up nothing until it succeeds",
			d, b.inv.Failed[d])
	}
}

// warnOrphans reports orphaned snapshots, one warning per destination and path.
func (b *builder) warnOrphans() {
	os := b.inv.Orphans
	for i := 0; i < len(os); {
		j, prefix := i+1, orphanPrefix(os[i])
		for j < len(os) && os[j].Destination == os[i].Destination && orphanPrefix(os[j]) == prefix {
			j++
		}
		if j-i == 1 {
			b.warnf("orphaned: 1 snapshot at %s:%s (%s) that no application claims, left alone",
				os[i].Destination, prefix, os[i].ID)
		} else {
			b.warnf("orphaned: %d snapshots at %s:%s (%s … %s) that no application claims, left alone",
				j-i, os[i].Destination, prefix, os[i].ID, os[j-1].ID)
		}
		i = j
	}
}

// warnFormat1 reports every format-1 snapshot directory, with the recipe
// that restores it without strata.
func (b *builder) warnFormat1() {
	for _, f := range b.inv.Format1 {
		b.warnf("format 1: %s:%s holds %s, which this strata no longer reads; it is left alone (never restored, "+
			"transferred or purged). To restore it without strata, in that directory: %s",
			f.Destination, f.Dir, snapshot.Format1Archive, snapshot.Format1Recipe(f.Split))
	}
}

func orphanPrefix(o Orphan) string {
	if len(o.Dir) <= 18 {
		return ""
	}
	return o.Dir[:len(o.Dir)-19]
}

// finish sorts the actions and assembles the plan and its error.
func (b *builder) finish() (*Plan, error) {
	p := &Plan{
		FormatVersion: PlanFormatVersion,
		Now:           b.now,
		Fingerprint:   b.inv.Fingerprint, ConfigFingerprint: b.cfg.Fingerprint,
		Actions: inOrder(b.actions),
		Orphans: slices.Clone(b.inv.Orphans),
		Node:    b.planNode(), Elsewhere: inOrder(b.elsewhere), Waiting: inOrder(b.waiting),
	}
	if len(p.Elsewhere) == 0 {
		p.Elsewhere = nil
	}
	if len(p.Waiting) == 0 {
		p.Waiting = nil
	}
	p.Warnings = dedupe(b.warnings)
	p.Summary = summarize(p.Actions)
	p.NextWakeup = b.wakeup
	return p, b.err()
}

// inOrder sorts os in plan order and returns their actions.
func inOrder(os []ordered) []Action {
	slices.SortFunc(os, func(x, y ordered) int {
		return cmp.Or(cmp.Compare(gcLast(x.Kind), gcLast(y.Kind)), cmp.Compare(x.App, y.App), cmp.Compare(x.tier, y.tier), cmp.Compare(kindRank(x.Kind), kindRank(y.Kind)),
			cmp.Compare(x.dest, y.dest), cmp.Compare(x.sec, y.sec), cmp.Compare(x.Key, y.Key))
	})
	out := make([]Action, len(os))
	for i := range os {
		out[i] = os[i].Action
	}
	return out
}

func (b *builder) err() error {
	var errs []error
	if len(b.mass) > 0 {
		first := b.mass[0]
		for _, e := range b.mass {
			first.Needed = max(first.Needed, e.Purges)
		}
		errs = append(errs, first)
	}
	for _, c := range b.conflicts {
		errs = append(errs, c)
	}
	if len(b.missing) > 0 {
		errs = append(errs, &NoHealthyCopyError{Copies: b.missing})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func summarize(actions []Action) Summary {
	s := Summary{}
	for _, name := range kindNames {
		s[name] = 0
	}
	for _, a := range actions {
		s[a.Kind.String()]++
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// idString is the ID of a snapshot time, or "" for the new snapshot.
func idString(sec int64, isNew bool) string {
	if isNew {
		return ""
	}
	return idOf(sec).String()
}

// actionKey is "<kind>:<app>:<tier>/<dest>:<id or new>".
func actionKey(k ActionKind, app string, loc Location, sec int64, isNew bool) string {
	id := "new"
	if !isNew {
		id = idOf(sec).String()
	}
	return k.String() + ":" + app + ":" + loc.String() + ":" + id
}

// dirOf is the snapshot directory for sec under appPath, "" for the new one.
func dirOf(appPath string, sec int64, isNew bool) string {
	if isNew {
		return ""
	}
	return snapshot.Path(appPath, idOf(sec))
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
