package planner

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// target is one (application, location) that claims an application path at a
// destination.
type target struct {
	app string
	loc Location
	// old is the previous path (a moved block's) this target claims; ""
	// for the application's own path.
	old string
}

// entryRef points at one entry of a listing with the offsets of its snapshot
// directory: path[:pfx] is the application path, path[:dir] the snapshot
// directory. dir is 0 for entries outside any snapshot directory.
type entryRef struct {
	i        int32
	pfx, dir int32
}

// BuildInventory classifies raw listings (one per destination) into the copies
// of every application at every location. A destination shared by several tiers
// is listed once and classified for all of them. Snapshot directories no
// application claims become Orphans; failed listings are recorded in Failed.
func BuildInventory(cfg *spec.Config, listings []Listing) *Inventory {
	inv := &Inventory{
		Copies: map[string]map[Location][]Copy{},
		Failed: map[string]string{},
		Leases: map[string][]Lease{},
		Old:    map[OldKey][]Copy{},
	}
	claims := claimsByDestination(cfg)
	sorted := slices.Clone(listings)
	slices.SortStableFunc(sorted, func(a, b Listing) int { return cmp.Compare(a.Destination, b.Destination) })
	fp := newFingerprinter()
	for i := range sorted {
		l := &sorted[i]
		if l.Err != "" {
			inv.Failed[l.Destination] = l.Err
			fp.failure(l.Destination, l.Err)
			continue
		}
		if len(l.Leases) > 0 {
			inv.Leases[l.Destination] = sortedLeases(l.Leases)
		}
		recordFree(inv, l)
		refs := sortedRefs(l.Entries)
		if len(refs) == 0 {
			if inv.Empty == nil {
				inv.Empty = map[string]bool{}
			}
			inv.Empty[l.Destination] = true
		}
		fp.listing(l.Destination, l.Entries, refs)
		classify(inv, l, refs, claims[l.Destination])
	}
	slices.SortFunc(inv.Orphans, func(a, b Orphan) int {
		return cmp.Or(cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.Dir, b.Dir))
	})
	slices.SortFunc(inv.Format1, func(a, b Format1Dir) int {
		return cmp.Or(cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.Dir, b.Dir))
	})
	inv.Fingerprint = fp.sum()
	return inv
}

// claimsByDestination maps destination name → application path → targets:
// the applications' paths, their previous paths (moved blocks) and the paths
// of removed applications.
func claimsByDestination(cfg *spec.Config) map[string]map[string][]target {
	out := map[string]map[string][]target{}
	claim := func(t *spec.Tier, p string, tg target) {
		for _, d := range t.Destinations {
			m := out[d.Name]
			if m == nil {
				m = map[string][]target{}
				out[d.Name] = m
			}
			tg.loc = Location{Tier: t.Name, Destination: d.Name}
			m[p] = append(m[p], tg)
		}
	}
	for _, a := range cfg.Applications {
		for _, t := range a.Tiers {
			claim(t, a.Paths[t.Name], target{app: a.Name})
			for _, prev := range a.Previous {
				if p, ok := prev.Paths[t.Name]; ok {
					claim(t, p, target{app: a.Name, old: p})
				}
			}
		}
	}
	for _, r := range cfg.Removed {
		for _, t := range cfg.Tiers {
			if p, ok := r.Paths[t.Name]; ok {
				claim(t, p, target{app: r.From})
			}
		}
	}
	return out
}

func sortedLeases(ls []Lease) []Lease {
	out := slices.Clone(ls)
	slices.SortFunc(out, func(a, b Lease) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// sortedRefs returns references to the entries that are not under .strata/,
// sorted by snapshot directory, then path, size and modtime: a total order that
// groups each snapshot directory and makes the fingerprint order-independent.
func sortedRefs(entries []Entry) []entryRef {
	refs := make([]entryRef, 0, len(entries))
	for i := range entries {
		p := entries[i].Path
		if strings.HasPrefix(p, ".strata/") {
			continue
		}
		pfx, dir, _ := splitSnapshotPath(p)
		refs = append(refs, entryRef{i: int32(i), pfx: int32(pfx), dir: int32(dir)})
	}
	less := func(a, b entryRef) int {
		ea, eb := &entries[a.i], &entries[b.i]
		return cmp.Or(
			strings.Compare(ea.Path[:a.dir], eb.Path[:b.dir]),
			strings.Compare(ea.Path, eb.Path),
			cmp.Compare(ea.Size, eb.Size),
			ea.ModTime.Compare(eb.ModTime))
	}
	if !slices.IsSortedFunc(refs, less) {
		slices.SortFunc(refs, less)
	}
	return refs
}

// splitSnapshotPath finds the first snapshot directory "YYYY/MM/DD/HHMMSSZ"
// in p, as snapshot.SplitPath does, without allocating. p[:pfx] is the
// application path (pfx is 0 for a directory at the root), p[:dir] the
// snapshot directory; ok is false when p holds none.
func splitSnapshotPath(p string) (pfx, dir int, ok bool) {
	const n = len("2006/01/02/150405Z")
	for start := 0; start+n <= len(p); {
		end := start + n
		if end == len(p) || p[end] == '/' {
			if _, good := dirSeconds(p[start:end]); good {
				return max(start-1, 0), end, true
			}
		}
		next := strings.IndexByte(p[start:], '/')
		if next < 0 {
			break
		}
		start += next + 1
	}
	return 0, 0, false
}

// dirSeconds parses the directory form "2026/11/21/020000Z" into Unix
// seconds, accepting exactly what snapshot.ParseDir accepts, without
// allocating.
func dirSeconds(s string) (int64, bool) {
	if len(s) != 18 || s[4] != '/' || s[7] != '/' || s[10] != '/' || s[17] != 'Z' {
		return 0, false
	}
	var f [6]int
	for i, span := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {13, 15}, {15, 17}} {
		for _, c := range []byte(s[span[0]:span[1]]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			f[i] = f[i]*10 + int(c-'0')
		}
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	if t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return 0, false
	}
	return t.Unix(), true
}

// dirID is the ID of a snapshot directory path found by splitSnapshotPath.
func dirID(dir string) snapshot.ID {
	sec, _ := dirSeconds(dir[len(dir)-18:])
	return idOf(sec)
}

// classify scans the sorted entries of one listing group by group and files
// each snapshot directory under the targets that claim its application path.
func classify(inv *Inventory, l *Listing, refs []entryRef, claims map[string][]target) {
	counts := map[target]int{}
	forEachDir(l.Entries, refs, func(group []entryRef) {
		e := &l.Entries[group[0].i]
		for _, t := range claims[e.Path[:group[0].pfx]] {
			counts[t]++
		}
	})
	forEachDir(l.Entries, refs, func(group []entryRef) {
		e := &l.Entries[group[0].i]
		dir := e.Path[:group[0].dir]
		ts := claims[e.Path[:group[0].pfx]]
		if len(ts) == 0 {
			inv.Orphans = append(inv.Orphans, Orphan{Destination: l.Destination, Dir: dir, ID: dirID(dir)})
			return
		}
		c := buildCopy(l.Entries, group)
		if c.Format1 {
			inv.Format1 = append(inv.Format1, Format1Dir{Destination: l.Destination, Dir: dir, Split: c.Format1Split})
			return
		}
		for _, t := range ts {
			addCopy(inv, t, c, counts[t])
		}
	})
}

// forEachDir calls fn with each run of refs sharing one snapshot directory.
func forEachDir(entries []Entry, refs []entryRef, fn func([]entryRef)) {
	for i := 0; i < len(refs); {
		r := refs[i]
		if r.dir == 0 {
			i++
			continue
		}
		key := entries[r.i].Path[:r.dir]
		j := i + 1
		for j < len(refs) && refs[j].dir == r.dir && entries[refs[j].i].Path[:r.dir] == key {
			j++
		}
		fn(refs[i:j])
		i = j
	}
}

func addCopy(inv *Inventory, t target, c Copy, n int) {
	if t.old != "" {
		k := OldKey{App: t.app, Location: t.loc, Path: t.old}
		inv.Old[k] = append(inv.Old[k], c)
		return
	}
	m := inv.Copies[t.app]
	if m == nil {
		m = map[Location][]Copy{}
		inv.Copies[t.app] = m
	}
	s := m[t.loc]
	if s == nil {
		s = make([]Copy, 0, n)
	}
	m[t.loc] = append(s, c)
}

// buildCopy summarises the objects of one snapshot directory.
func buildCopy(entries []Entry, group []entryRef) Copy {
	first := &entries[group[0].i]
	dir := first.Path[:group[0].dir]
	c := Copy{ID: dirID(dir), Dir: dir}
	for _, r := range group {
		e := &entries[r.i]
		rest := strings.TrimPrefix(e.Path[r.dir:], "/")
		if rest == "" {
			continue
		}
		if e.ModTime.After(c.ModTime) {
			c.ModTime = e.ModTime
		}
		classifyObject(&c, e, rest)
	}
	return c
}

// classifyObject records what one object (name rest inside the snapshot
// directory) says about the copy.
func classifyObject(c *Copy, e *Entry, rest string) {
	switch {
	case isTemp(rest):
		c.Temps = append(c.Temps, e.Path)
	case rest == snapshot.ManifestName:
		c.Complete = true
	case rest == snapshot.VerifiedName:
		c.Verified = later(c.Verified, e.ModTime)
	case rest == snapshot.CorruptName:
		c.Corrupt = later(c.Corrupt, e.ModTime)
	case rest == snapshot.CheckedName:
		c.Checked = later(c.Checked, e.ModTime)
	case isFormat1(rest):
		c.Format1 = true
		c.Format1Split = c.Format1Split || rest != snapshot.Format1Archive
	}
	if !isTemp(rest) {
		c.Size += e.Size
	}
}

func isTemp(name string) bool {
	return strings.Contains(name, snapshot.TempMarker) || strings.HasSuffix(name, ".partial")
}

// isFormat1 reports whether name is format 1's data.tar.zst or one of its
// pieces data.tar.zst.NNN.
func isFormat1(name string) bool {
	if name == snapshot.Format1Archive {
		return true
	}
	num, ok := strings.CutPrefix(name, snapshot.Format1Archive+".")
	if !ok || len(num) < 3 {
		return false
	}
	for i := 0; i < len(num); i++ {
		if num[i] < '0' || num[i] > '9' {
			return false
		}
	}
	return true
}

// fingerprinter hashes listings in their canonical order.
type fingerprinter struct {
	h   hash.Hash
	buf []byte
}

func newFingerprinter() *fingerprinter {
	return &fingerprinter{h: sha256.New(), buf: make([]byte, 0, 256)}
}

func (f *fingerprinter) str(s string) {
	f.buf = binary.AppendUvarint(f.buf[:0], uint64(len(s)))
	f.buf = append(f.buf, s...)
	f.h.Write(f.buf)
}

func (f *fingerprinter) num(n int64) {
	f.buf = binary.AppendVarint(f.buf[:0], n)
	f.h.Write(f.buf)
}

func (f *fingerprinter) failure(dest, err string) {
	f.str("failed")
	f.str(dest)
	f.str(err)
}

func (f *fingerprinter) listing(dest string, entries []Entry, refs []entryRef) {
	f.str("listing")
	f.str(dest)
	for _, r := range refs {
		e := &entries[r.i]
		f.str(e.Path)
		f.num(e.Size)
		f.num(e.ModTime.UnixNano())
	}
}

func (f *fingerprinter) sum() string { return "sha256:" + hex.EncodeToString(f.h.Sum(nil)) }
