package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Source is what goes into an archive.
type Source struct {
	// Paths are absolute paths of files or directories. Inside the archive each
	// keeps its absolute path without the leading "/". A path nested in another
	// one is archived once.
	Paths []string
	// Exclude holds doublestar globs matched against archive names (the path
	// without its leading "/"), e.g. "**/log/**". A pattern without a "/" also
	// matches the base name at any depth ("*.tmp"). A matching directory is
	// skipped whole. Excludes do not apply to Extra.
	Exclude []string
	// Extra directories, e.g. the staging directories of hooks.
	Extra []ExtraDir
	// FailUnreadable fails the snapshot on a path that cannot be read for
	// lack of permission, instead of skipping it with a warning.
	FailUnreadable bool
}

// ExtraDir is a local directory whose contents join the archive under Prefix.
type ExtraDir struct {
	Prefix string // archive folder, e.g. "hooks/dump-db"
	Dir    string // local directory
}

// check validates s and returns it with its paths cleaned and de-nested.
func (s Source) check() (Source, error) {
	if len(s.Paths) == 0 && len(s.Extra) == 0 {
		return s, errors.New("nothing to archive: no source paths")
	}
	paths := make([]string, 0, len(s.Paths))
	for _, p := range s.Paths {
		if !filepath.IsAbs(p) {
			return s, fmt.Errorf("source path %q is not absolute", p)
		}
		if _, err := os.Lstat(p); err != nil {
			return s, fmt.Errorf("source path %s: %w", p, unwrapPathError(err))
		}
		paths = append(paths, filepath.Clean(p))
	}
	s.Paths = dropNested(paths)
	for _, pat := range s.Exclude {
		if !doublestar.ValidatePattern(pat) {
			return s, fmt.Errorf("invalid exclude pattern %q", pat)
		}
	}
	for _, x := range s.Extra {
		if err := x.check(); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (x ExtraDir) check() error {
	if x.Prefix == "" || path.Clean(x.Prefix) != x.Prefix || !filepath.IsLocal(x.Prefix) {
		return fmt.Errorf("invalid archive prefix %q for %s", x.Prefix, x.Dir)
	}
	fi, err := os.Stat(x.Dir)
	if err != nil {
		return fmt.Errorf("directory for %s: %w", x.Prefix, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s (for %s) is not a directory", x.Dir, x.Prefix)
	}
	return nil
}

// unwrapPathError drops the op and path of a *fs.PathError, for callers that
// name the path themselves.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dropNested removes duplicates and paths inside another path of the list.
func dropNested(paths []string) []string {
	var out []string
	for i, p := range paths {
		if !nestedIn(p, i, paths) {
			out = append(out, p)
		}
	}
	return out
}

// nestedIn reports whether paths[i] = p repeats an earlier path or lies inside
// another one.
func nestedIn(p string, i int, paths []string) bool {
	for j, q := range paths {
		if (q == p && j < i) || (q != p && within(p, q)) {
			return true
		}
	}
	return false
}

// within reports whether p lies strictly inside dir.
func within(p, dir string) bool {
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// archiveName is the name of an absolute local path inside the archive.
func archiveName(p string) string {
	return strings.TrimPrefix(filepath.ToSlash(p), "/")
}

// hookNames lists the hook names of extra dirs under "hooks/".
func hookNames(extra []ExtraDir) []string {
	var names []string
	for _, x := range extra {
		if name, ok := strings.CutPrefix(x.Prefix, "hooks/"); ok {
			names = append(names, name)
		}
	}
	return names
}

// excluder matches archive names against exclude patterns.
type excluder struct{ patterns []string }

func (e excluder) match(name string) bool {
	for _, pat := range e.patterns {
		if doublestar.MatchUnvalidated(pat, name) {
			return true
		}
		if !strings.Contains(pat, "/") && doublestar.MatchUnvalidated(pat, path.Base(name)) {
			return true
		}
	}
	return false
}
