package snapshot

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
)

// entryName checks an archive entry name and returns it cleaned of a leading
// "./" and a trailing "/". Names that are absolute, not clean, or that climb
// out of the extraction directory are refused: cleaning them would hide an
// attack, not defuse it.
func entryName(raw string) (string, error) {
	name := raw
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	name = strings.TrimSuffix(name, "/")
	switch {
	case name == "" || name == ".":
		return "", errors.New("empty name")
	case strings.ContainsRune(name, 0):
		return "", errors.New("NUL in name")
	case path.IsAbs(name):
		return "", errors.New("absolute name")
	case path.Clean(name) != name:
		return "", errors.New("name is not clean (\"..\", \".\" or \"//\")")
	case !filepath.IsLocal(filepath.FromSlash(name)):
		return "", errors.New("name leaves the target directory")
	}
	return name, nil
}

// checkLinkTarget refuses a symlink target that could point outside the
// extraction directory: an absolute target, more leading ".." than the link
// has parents, or a ".." after a named component (which the system resolves
// through whatever that component is, perhaps another symlink).
func checkLinkTarget(name, target string) error {
	if target == "" || strings.ContainsRune(target, 0) {
		return errors.New("invalid target")
	}
	if path.IsAbs(target) || filepath.VolumeName(target) != "" {
		return errors.New("absolute target")
	}
	up, named := 0, false
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			if named {
				return errors.New("\"..\" after a named component")
			}
			up++
		default:
			named = true
		}
	}
	if up > depth(name)-1 {
		return errors.New("target leaves the target directory")
	}
	return nil
}

// depth is the number of components of a clean relative name.
func depth(name string) int { return strings.Count(name, "/") + 1 }
