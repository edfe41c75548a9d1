package snapshot

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bmatcuk/doublestar/v4"
)

// ExtractTar is Extract for a plain (uncompressed) tar stream, such as
// ReadChunks yields: the same checks, the same guarantees. The stream is
// read to its end after the tar trailer, so that a stream digest error at
// its end (a *DigestError of ReadChunks) is returned.
func ExtractTar(ctx context.Context, r io.Reader, dir string, opts ExtractOptions) (*ExtractStats, error) {
	for _, pat := range opts.Include {
		if !doublestar.ValidatePattern(pat) {
			return nil, fmt.Errorf("invalid include pattern %q", pat)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil { // private, as Extract's
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	t := &trap{r: r}
	x := newExtractor(ctx, root, opts)
	err = x.unpackTar(t)
	if err == nil {
		err = x.finishDirs()
	}
	return x.statistics(), t.cause(err)
}

// unpackTar extracts the plain tar stream t, then reads it to its end.
func (x *extractor) unpackTar(t *trap) error {
	err := x.run(tar.NewReader(streamReader{x.ctx, t}))
	if err == nil {
		_, err = io.Copy(io.Discard, streamReader{x.ctx, t}) // so that the stream digest gets checked
	}
	err = x.pool.wait(err)
	x.handles.close()
	return err
}
