package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Mark is the content of verified.json or corrupt.json.
type Mark struct {
	Checked       time.Time   `json:"checked"`
	StrataVersion string      `json:"strata_version"`
	OK            bool        `json:"ok"`
	Pieces        []MarkPiece `json:"pieces,omitempty"`
	Problem       string      `json:"problem,omitempty"`
}

// MarkPiece is the check of one piece, with rclone's marker (= * + !).
type MarkPiece struct {
	Name   string `json:"name"`
	Marker string `json:"marker"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// DamagedError says a verification found a copy damaged.
type DamagedError struct {
	Location, Dir, Problem string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("copy %s at %s is damaged: %s; the next plan repairs it from a healthy copy", e.Dir, e.Location, e.Problem)
}

// verify re-reads a copy, checks every piece against the manifest and the
// sidecar, and records the result next to the snapshot.
func (e *Executor) verify(ctx context.Context, res *Result) error {
	a := res.Action
	dir, _, err := e.dirs(a, res.Snapshot)
	if err != nil {
		return err
	}
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return err
	}
	mark, err := e.Check(ctx, st, dir)
	if err != nil {
		return err
	}
	fault(FaultBeforeVerifyRecord)
	return e.Record(ctx, st, dir, a.Location.String(), mark)
}

// Check re-reads the copy in dir at st, checks every piece against the
// manifest and the sidecar, and returns its mark; an error means the check
// itself could not run (the copy's state is unknown). It writes nothing.
func (e *Executor) Check(ctx context.Context, st providers.Store, dir string) (*Mark, error) {
	mark := &Mark{Checked: time.Now().UTC(), StrataVersion: e.opts.Version}
	m, _, err := readManifest(ctx, st, dir)
	if errors.Is(err, providers.ErrNotFound) {
		mark.Problem = "manifest.json is missing"
		return mark, nil
	}
	if err != nil {
		var p permanent
		if errors.As(err, &p) {
			mark.Problem = err.Error()
			return mark, nil
		}
		return nil, err
	}
	open := func(ctx context.Context, name string) (io.ReadCloser, error) {
		return st.Open(ctx, path.Join(dir, name))
	}
	checks := snapshot.VerifyPieces(ctx, m, open)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, c := range checks {
		mark.Pieces = append(mark.Pieces, MarkPiece{Name: c.Piece.Name, Marker: c.Status.Marker(), Status: c.Status.String(), Detail: c.Detail})
	}
	mark.Problem = strings.Join(append(pieceProblems(checks), sidecarProblem(ctx, st, dir, m)...), "; ")
	mark.OK = mark.Problem == ""
	return mark, nil
}

func pieceProblems(checks []snapshot.PieceCheck) []string {
	var out []string
	for _, c := range checks {
		if c.Status != snapshot.CheckOK {
			out = append(out, fmt.Sprintf("%s %s: %s", c.Status.Marker(), c.Piece.Name, c.Detail))
		}
	}
	return out
}

func sidecarProblem(ctx context.Context, st providers.Store, dir string, m *snapshot.Manifest) []string {
	rc, err := st.Open(ctx, path.Join(dir, snapshot.SidecarName))
	if err != nil {
		return []string{snapshot.SidecarName + " is missing or unreadable"}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifest))
	if err != nil {
		return []string{snapshot.SidecarName + " is unreadable"}
	}
	sums, err := snapshot.ParseSidecar(b)
	if err != nil {
		return []string{err.Error()}
	}
	for _, p := range m.Pieces {
		if sums[p.Name] != p.SHA256 {
			return []string{snapshot.SidecarName + " disagrees with manifest.json about " + p.Name}
		}
	}
	return nil
}

// Record writes verified.json (and drops a stale corrupt.json) or
// corrupt.json next to the copy in dir; for a failed check it then returns a
// *DamagedError naming loc.
func (e *Executor) Record(ctx context.Context, st providers.Store, dir, loc string, mark *Mark) error {
	b, _ := json.MarshalIndent(mark, "", "  ")
	name, stale := snapshot.VerifiedName, snapshot.CorruptName
	if !mark.OK {
		name, stale = snapshot.CorruptName, snapshot.VerifiedName
	}
	if _, err := st.Write(ctx, path.Join(dir, name), bytes.NewReader(b), int64(len(b))); err != nil {
		return err
	}
	if err := st.Delete(ctx, path.Join(dir, stale)); err != nil && !errors.Is(err, providers.ErrNotFound) {
		return err
	}
	if !mark.OK {
		return permanent{&DamagedError{Location: loc, Dir: dir, Problem: mark.Problem}}
	}
	return nil
}

// purge deletes a copy outside retention.
func (e *Executor) purge(ctx context.Context, res *Result) error {
	st, err := e.store(res.Action.Location.Destination)
	if err != nil {
		return err
	}
	if res.Action.Dir == "" {
		return permanent{fmt.Errorf("%s: no directory to purge", res.Action.Key)}
	}
	fault(FaultBeforePurge)
	// The manifest goes first: a purge cut short leaves an incomplete
	// directory (cleaned up later), never a complete-looking partial copy.
	if err := st.Delete(ctx, path.Join(res.Action.Dir, snapshot.ManifestName)); err != nil {
		return err
	}
	return st.DeleteDir(ctx, res.Action.Dir)
}

// cleanup deletes an incomplete snapshot directory or leftover temporary objects.
func (e *Executor) cleanup(ctx context.Context, res *Result) error {
	st, err := e.store(res.Action.Location.Destination)
	if err != nil {
		return err
	}
	for _, p := range res.Action.Paths {
		if err := st.Delete(ctx, p); err != nil {
			return err
		}
	}
	if res.Action.Dir != "" {
		return st.DeleteDir(ctx, res.Action.Dir)
	}
	return nil
}
