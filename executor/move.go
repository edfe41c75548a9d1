package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// move re-homes the snapshot directories of a moved block within one
// destination, newest first (DESIGN.md §8), on the server: one directory
// rename each where the backend has it, else object by object with the
// manifest last. Cut short anywhere, every snapshot is complete at one of
// its two paths, and the next plan moves what is left.
func (e *Executor) move(ctx context.Context, res *Result) error {
	a := res.Action
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return err
	}
	for _, m := range a.Moves {
		if !under(m.From, a.SourceAppPath) || !under(m.To, a.AppPath) {
			return permanent{fmt.Errorf("%s: %s -> %s is not a move from %s to %s", a.Key, m.From, m.To, a.SourceAppPath, a.AppPath)}
		}
	}
	for _, m := range a.Moves {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := moveSnapshot(ctx, st, m.From, m.To); err != nil {
			return err
		}
		fault(FaultDuringMove)
	}
	return nil
}

// under reports whether dir is a snapshot directory below appPath.
func under(dir, appPath string) bool {
	return appPath != "" && strings.HasPrefix(dir, appPath+"/") && len(dir) == len(appPath)+1+len("2006/01/02/150405Z")
}

// moveSnapshot moves one snapshot directory: a rename when the backend
// has one and to does not exist, else object by object.
func moveSnapshot(ctx context.Context, st providers.Store, from, to string) error {
	err := st.MoveDir(ctx, from, to)
	if err == nil || !errors.Is(err, providers.ErrCantMove) {
		return err
	}
	return moveObjects(ctx, st, from, to)
}

// moveObjects moves the objects of from to to one by one, the manifest
// last, so that to is never complete before every other object is there;
// then it removes from. A snapshot complete at both paths (a move cut short
// between copying its manifest and deleting the old one, or a snapshot
// transferred to both) must be the same snapshot: the manifests are
// compared, and a difference stops the move with nothing deleted.
func moveObjects(ctx context.Context, st providers.Store, from, to string) error {
	var names []string
	err := st.ListDir(ctx, from, func(e providers.Entry) error {
		names = append(names, e.Path)
		return nil
	})
	if err != nil || len(names) == 0 {
		return err
	}
	oldManifest := path.Join(from, snapshot.ManifestName)
	if done, err := alreadyThere(ctx, st, from, to, names); done || err != nil {
		return err
	}
	for _, p := range names {
		if p == oldManifest {
			continue
		}
		if err := st.Move(ctx, p, to+strings.TrimPrefix(p, from)); err != nil {
			return err
		}
		fault(FaultDuringMove)
	}
	if hasName(names, oldManifest) {
		if err := st.Move(ctx, oldManifest, path.Join(to, snapshot.ManifestName)); err != nil {
			return err
		}
	}
	return st.DeleteDir(ctx, from)
}

// alreadyThere reports whether to is complete already, deleting what is
// left at from when it is the same snapshot.
func alreadyThere(ctx context.Context, st providers.Store, from, to string, names []string) (bool, error) {
	newRaw, err := readSmall(ctx, st, path.Join(to, snapshot.ManifestName), maxManifest)
	if errors.Is(err, providers.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if hasName(names, path.Join(from, snapshot.ManifestName)) {
		oldRaw, err := readSmall(ctx, st, path.Join(from, snapshot.ManifestName), maxManifest)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(oldRaw, newRaw) {
			return false, permanent{fmt.Errorf("%s: %s and %s hold different snapshots of the same time; nothing was moved or deleted: compare them (strata history) and forget one",
				st.Name(), from, to)}
		}
	}
	return true, st.DeleteDir(ctx, from)
}

func hasName(names []string, p string) bool {
	for _, n := range names {
		if n == p {
			return true
		}
	}
	return false
}
