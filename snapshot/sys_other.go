//go:build !linux

package snapshot

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// inodeKey identifies a file with more than one name.
type inodeKey struct{ dev, ino uint64 }

// linkKey: hard links are archived as separate files on this system.
func linkKey(fs.FileInfo) (inodeKey, bool) { return inodeKey{}, false }

// stampOf: the file cache is not used on this system.
func stampOf(fs.FileInfo) (fileStamp, bool) { return fileStamp{}, false }

var errNotHere = errors.New("not supported on this system")

func fileXattrs(*os.File) (map[string]string, error)            { return nil, nil }
func pathXattrs(string) (map[string]string, error)              { return nil, nil }
func setFileXattrs(*os.File, map[string]string) error           { return errNotHere }
func mknodAt(*os.File, string, fs.FileMode, int64, int64) error { return errNotHere }
func lutimesAt(*os.File, string, time.Time) error               { return errNotHere }

// openSource opens a source file for reading.
func openSource(path string) (*os.File, error) { return os.Open(path) }
