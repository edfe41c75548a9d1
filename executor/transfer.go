package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// maxManifest bounds how much of a manifest is read.
const maxManifest = 64 << 20

// dirs returns the snapshot directory of an action at its location and at
// its source, filling in pending IDs from the result.
func (e *Executor) dirs(a planner.Action, id string) (dst, src string, err error) {
	sid, err := snapshot.ParseID(id)
	if err != nil {
		return "", "", permanent{fmt.Errorf("%s: %v", a.Key, err)}
	}
	dst = a.Dir
	if dst == "" {
		if a.AppPath == "" {
			return "", "", permanent{fmt.Errorf("%s: the plan gives no application path at %s", a.Key, a.Location)}
		}
		dst = snapshot.Path(a.AppPath, sid)
	}
	src = a.SourceDir
	if src == "" && a.Source != nil {
		if a.SourceAppPath == "" {
			return "", "", permanent{fmt.Errorf("%s: the plan gives no application path at %s", a.Key, a.Source)}
		}
		src = snapshot.Path(a.SourceAppPath, sid)
	}
	return dst, src, nil
}

// readManifest reads and parses the manifest of the snapshot in dir.
func readManifest(ctx context.Context, st providers.Store, dir string) (*snapshot.Manifest, []byte, error) {
	rc, err := st.Open(ctx, path.Join(dir, snapshot.ManifestName))
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxManifest))
	if err != nil {
		return nil, nil, err
	}
	m, err := snapshot.ParseManifest(raw)
	if err != nil {
		return nil, nil, permanent{fmt.Errorf("%s at %s: %v", dir, st.Name(), err)}
	}
	return m, raw, nil
}

// transfer copies a snapshot from its source location, hashing every piece
// it reads and comparing with the manifest; the manifest is written last.
// A repair is the same copy over a damaged one.
func (e *Executor) transfer(ctx context.Context, res *Result) error {
	a := res.Action
	if a.Source == nil {
		return permanent{fmt.Errorf("%s has no source", a.Key)}
	}
	dstDir, srcDir, err := e.dirs(a, res.Snapshot)
	if err != nil {
		return err
	}
	src, err := e.store(a.Source.Destination)
	if err != nil {
		return err
	}
	dst, err := e.store(a.Location.Destination)
	if err != nil {
		return err
	}
	m, raw, err := readManifest(ctx, src, srcDir)
	if err != nil {
		return fmt.Errorf("reading the manifest at %s: %w", a.Source, err)
	}
	progress := e.progress(res)
	progress.total = m.Size // the copy's own size, known now even for a new snapshot's
	progress.start()
	if err := copyPieces(ctx, m, src, srcDir, dst, dstDir, progress); err != nil {
		if a.Kind == planner.Transfer {
			deleteQuietly(dst, dstDir, err)
		}
		return err
	}
	if err := commit(ctx, dst, dstDir, m, raw); err != nil {
		if a.Kind == planner.Transfer {
			deleteQuietly(dst, dstDir, err)
		}
		return err
	}
	res.Bytes = m.Size
	res.Detail = fmt.Sprintf("%s in %d piece(s)", HumanBytes(m.Size), len(m.Pieces))
	if a.Kind == planner.Repair {
		return clearMarks(ctx, dst, dstDir)
	}
	return nil
}

func copyPieces(ctx context.Context, m *snapshot.Manifest, src providers.Store, srcDir string,
	dst providers.Store, dstDir string, progress *progressCounter) error {
	for _, p := range m.Pieces {
		if err := copyPiece(ctx, p, src, path.Join(srcDir, p.Name), dst, path.Join(dstDir, p.Name), progress); err != nil {
			return err
		}
	}
	return nil
}

func copyPiece(ctx context.Context, p snapshot.Piece, src providers.Store, from string,
	dst providers.Store, to string, progress *progressCounter) error {
	rc, err := src.Open(ctx, from)
	if err != nil {
		return fmt.Errorf("reading %s at %s: %w", from, src.Name(), err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := dst.Write(ctx, to, io.TeeReader(progress.wrap(rc), h), p.Size)
	if err != nil {
		return fmt.Errorf("writing %s at %s: %w", to, dst.Name(), err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if n != p.Size || got != p.SHA256 {
		_ = dst.Delete(context.WithoutCancel(ctx), to)
		return permanent{fmt.Errorf("piece %s read from %s does not match its manifest (size %d, sha256 %s; want size %d, sha256 %s)",
			from, src.Name(), n, got, p.Size, p.SHA256)}
	}
	fault(FaultAfterPiece)
	return nil
}

// clearMarks removes the verification marks of a replaced copy.
func clearMarks(ctx context.Context, st providers.Store, dir string) error {
	for _, name := range []string{snapshot.CorruptName, snapshot.VerifiedName} {
		if err := st.Delete(ctx, path.Join(dir, name)); err != nil && !errors.Is(err, providers.ErrNotFound) {
			return err
		}
	}
	return nil
}

// ReadManifest reads the manifest of the snapshot in dir at st.
func ReadManifest(ctx context.Context, st providers.Store, dir string) (*snapshot.Manifest, error) {
	m, _, err := readManifest(ctx, st, dir)
	return m, err
}
