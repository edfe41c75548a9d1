package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// A standby refresh restores beside the standby and swaps the new tree in
// with two renames in its parent directory:
//
//	.<base>.strata-new-<id>   the new tree, restored and verified, with its marker
//	.<base>.strata-old        the previous standby, between the renames and until removed
//
// Cut short before the first rename, the old standby is untouched and the
// new tree a leftover; between the renames, the old standby waits under
// its old name and the next refresh (or gather) puts it back first.

// standbyNewInfix and standbyOldSuffix name the siblings of a standby path.
const (
	standbyNewInfix  = ".strata-new-"
	standbyOldSuffix = ".strata-old"
)

func standbyNew(p, id string) string {
	return filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+standbyNewInfix+strings.ReplaceAll(id, ":", ""))
}

func standbyOld(p string) string {
	return filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+standbyOldSuffix)
}

// GatherStandbys reads what each standby path holds: one stat and one
// small marker read per path, and the names of its siblings (leftovers of
// an interrupted refresh). A path missing while its old standby waits
// under the old name holds that one.
func GatherStandbys(paths []string) []planner.StandbyState {
	out := make([]planner.StandbyState, 0, len(paths))
	for _, p := range paths {
		out = append(out, standbyState(p))
	}
	return out
}

func standbyState(p string) planner.StandbyState {
	st := planner.StandbyState{Path: p, Leftovers: standbyLeftovers(p)}
	dir := p
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(standbyOld(p)); err != nil {
			return st // never restored
		}
		dir = standbyOld(p)
	} else if err != nil {
		st.Err = err.Error()
		return st
	}
	held, err := readStandbyMarker(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st.Foreign = !emptyDir(dir)
	case err != nil:
		st.Err = err.Error()
	default:
		st.Held = held
	}
	return st
}

// standbyLeftovers lists the new trees and the old standby an interrupted
// refresh left beside p.
func standbyLeftovers(p string) []string {
	news, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "."+escapeGlob(filepath.Base(p))+standbyNewInfix+"*"))
	if _, err := os.Lstat(standbyOld(p)); err == nil {
		news = append(news, standbyOld(p))
	}
	return news
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`).Replace(s)
}

// readStandbyMarker reads the marker at the top of a standby directory.
func readStandbyMarker(dir string) (*planner.StandbyHeld, error) {
	f, err := os.Open(filepath.Join(dir, planner.StandbyMarkerName))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, err
	}
	var h planner.StandbyHeld
	if err := json.Unmarshal(b, &h); err != nil || h.Snapshot == "" {
		return nil, fmt.Errorf("%s: not a standby marker (%v)", filepath.Join(dir, planner.StandbyMarkerName), err)
	}
	return &h, nil
}

// emptyDir reports whether dir is a directory with no entry (or no
// directory at all).
func emptyDir(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	return len(names) == 0 && errors.Is(err, io.EOF)
}

// standby refreshes one standby: it finishes what an interrupted refresh
// left, restores the snapshot beside the standby (every chunk and the
// whole stream checked against their digests), writes the marker into the
// new tree, swaps it in, removes the old one, then runs the after command.
// A failing after command fails the action; the new standby stays.
func (e *Executor) standby(ctx context.Context, res *Result) error {
	a, sp := res.Action, res.Action.Standby
	if sp == nil || !filepath.IsAbs(sp.Path) || res.Snapshot == "" {
		return permanent{fmt.Errorf("%s: no standby path or snapshot in the action", a.Key)}
	}
	if err := recoverStandby(sp.Path); err != nil {
		return err
	}
	if h, err := readStandbyMarker(sp.Path); err == nil && h.Snapshot == res.Snapshot && h.App == a.App {
		res.Detail = fmt.Sprintf("%s already held %s: an interrupted refresh finished", sp.Path, res.Snapshot)
		return e.standbyAfter(ctx, res)
	}
	if foreignDir(sp.Path) {
		return permanent{fmt.Errorf("%s holds files strata did not restore (no %s): left alone", sp.Path, planner.StandbyMarkerName)}
	}
	tmp, err := e.restoreStandby(ctx, res)
	if err != nil {
		return err
	}
	fault(FaultDuringStandby)
	if err := swapStandby(sp.Path, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return e.standbyAfter(ctx, res)
}

// foreignDir reports whether dir exists, is not empty and carries no
// standby marker: strata never replaces what it did not restore.
func foreignDir(dir string) bool {
	if _, err := os.Lstat(dir); err != nil {
		return false
	}
	_, err := os.Lstat(filepath.Join(dir, planner.StandbyMarkerName))
	return err != nil && !emptyDir(dir)
}

// recoverStandby puts back an old standby a refresh cut short between its
// renames, removes the old standby a refresh cut short after them, and
// removes every new tree left beside it.
func recoverStandby(p string) error {
	old := standbyOld(p)
	if _, err := os.Lstat(old); err == nil {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(old, p); err != nil {
				return fmt.Errorf("putting the previous standby back at %s: %w", p, err)
			}
		} else if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("removing the previous standby %s: %w", old, err)
		}
	}
	news, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "."+escapeGlob(filepath.Base(p))+standbyNewInfix+"*"))
	for _, n := range news {
		if err := os.RemoveAll(n); err != nil {
			return fmt.Errorf("removing the leftover %s: %w", n, err)
		}
	}
	return nil
}

// restoreStandby restores the action's snapshot into a new tree beside the
// standby path and writes its marker there; cut short, it removes the tree.
func (e *Executor) restoreStandby(ctx context.Context, res *Result) (string, error) {
	a, sp := res.Action, res.Action.Standby
	copies, err := e.standbyCopies(res)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(sp.Path), 0o755); err != nil {
		return "", err
	}
	tmp := standbyNew(sp.Path, res.Snapshot)
	_, stats, err := Restore(ctx, copies, tmp, snapshot.ExtractOptions{AbsoluteSymlinks: true})
	if err == nil {
		res.Bytes = stats.Bytes
		res.Warnings = append(res.Warnings, stats.Warnings...)
		res.Detail = fmt.Sprintf("%s now holds %s (%s restored)", sp.Path, res.Snapshot, CountFiles(stats.Files, stats.Symlinks))
		err = writeStandbyMarker(tmp, planner.StandbyHeld{Standby: sp.Name, App: a.App, Snapshot: res.Snapshot,
			From: a.Location, Dir: copies[0].Dir, RestoredAt: e.opts.Now().UTC().Truncate(time.Second)})
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// standbyCopies are the copies to restore from: the action's, then its
// fallbacks.
func (e *Executor) standbyCopies(res *Result) ([]CopyAt, error) {
	a := res.Action
	dir := a.Dir
	if dir == "" {
		id, err := snapshot.ParseID(res.Snapshot)
		if err != nil {
			return nil, permanent{err}
		}
		dir = snapshot.Path(a.AppPath, id)
	}
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return nil, err
	}
	copies := []CopyAt{{Store: st, Dir: dir}}
	for _, f := range a.Standby.Fallback {
		if fst := e.stores[f.Location.Destination]; fst != nil {
			copies = append(copies, CopyAt{Store: fst, Dir: f.Dir})
		}
	}
	return copies, nil
}

func writeStandbyMarker(dir string, h planner.StandbyHeld) error {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, planner.StandbyMarkerName), append(b, '\n'), 0o600)
}

// swapStandby moves the standby at p aside, the new tree in, and removes
// the old one; if the second rename fails, the old standby is put back.
func swapStandby(p, tmp string) error {
	old := standbyOld(p)
	_, err := os.Lstat(p)
	had := err == nil
	if had {
		if err := os.Rename(p, old); err != nil {
			return fmt.Errorf("moving the standby %s aside: %w", p, err)
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		if had {
			_ = os.Rename(old, p)
		}
		return fmt.Errorf("moving the new standby to %s: %w", p, err)
	}
	if had {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("the new standby is at %s, but the previous one could not be removed: %w", p, err)
		}
	}
	return nil
}

// standbyAfter runs the after command in the standby directory.
func (e *Executor) standbyAfter(ctx context.Context, res *Result) error {
	a, sp := res.Action, res.Action.Standby
	if len(sp.After) == 0 {
		return nil
	}
	env := []string{"STRATA_APP=" + a.App, "STRATA_SNAPSHOT_ID=" + res.Snapshot, "STRATA_STANDBY=" + sp.Name, "STRATA_STANDBY_PATH=" + sp.Path}
	if out, _, err := runCommand(ctx, sp.After, sp.Path, env, sp.Timeout); err != nil {
		if out != "" {
			out = ": " + out
		}
		return permanent{fmt.Errorf("the after command of standby %s failed (the new standby %s is in place): %v%s", sp.Name, res.Snapshot, err, out)}
	}
	return nil
}
