package executor

import (
	"context"
	"io"
	"path"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Restore extracts the snapshot in dir at st into target, checking every
// piece's digest while reading; a mismatch stops it with a *snapshot.DigestError.
// Nothing is ever written outside target.
func Restore(ctx context.Context, st providers.Store, dir, target string, opts snapshot.ExtractOptions) (*snapshot.Manifest, *snapshot.ExtractStats, error) {
	m, _, err := readManifest(ctx, st, dir)
	if err != nil {
		return nil, nil, err
	}
	open := func(ctx context.Context, name string) (io.ReadCloser, error) {
		return st.Open(ctx, path.Join(dir, name))
	}
	r := snapshot.NewReader(ctx, m.Pieces, open)
	defer r.Close()
	stats, err := snapshot.Extract(ctx, r, target, opts)
	return m, stats, err
}
