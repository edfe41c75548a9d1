package snapshot

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// inodeKey identifies a file with more than one name: the second name a
// walk meets is archived as a hard link to the first.
type inodeKey struct{ dev, ino uint64 }

// linkKey returns the inode of fi if it has more than one link.
func linkKey(fi fs.FileInfo) (inodeKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return inodeKey{}, false
	}
	return inodeKey{dev: st.Dev, ino: st.Ino}, true
}

// stampOf returns what says the file of fi is unchanged since the file
// cache saw it: its size, mtime, ctime and inode.
func stampOf(fi fs.FileInfo) (fileStamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStamp{}, false
	}
	return fileStamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), CTime: st.Ctim.Nano(), Ino: st.Ino}, true
}

// noXattrs says whether err means the file system keeps no extended
// attributes (or none of that name): nothing to record, not a failure.
func noXattrs(err error) bool {
	return errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENODATA)
}

// fileXattrs returns the extended attributes of the open file f.
func fileXattrs(f *os.File) (map[string]string, error) {
	var out map[string]string
	err := withFd(f, func(fd int) error {
		var err error
		out, err = readXattrs(
			func(b []byte) (int, error) { return unix.Flistxattr(fd, b) },
			func(k string, b []byte) (int, error) { return unix.Fgetxattr(fd, k, b) })
		return err
	})
	return out, err
}

// pathXattrs returns the extended attributes of p itself (not of what a
// symlink points to).
func pathXattrs(p string) (map[string]string, error) {
	return readXattrs(
		func(b []byte) (int, error) { return unix.Llistxattr(p, b) },
		func(k string, b []byte) (int, error) { return unix.Lgetxattr(p, k, b) })
}

// readXattrs lists and reads extended attributes, growing its buffers as
// the kernel asks.
func readXattrs(list func([]byte) (int, error), get func(string, []byte) (int, error)) (map[string]string, error) {
	names, err := grow(list)
	if err != nil || len(names) == 0 {
		if noXattrs(err) {
			err = nil
		}
		return nil, err
	}
	out := map[string]string{}
	for _, k := range strings.Split(strings.TrimSuffix(string(names), "\x00"), "\x00") {
		if k == "" {
			continue
		}
		v, err := grow(func(b []byte) (int, error) { return get(k, b) })
		if errors.Is(err, unix.ENODATA) { // removed since listed
			continue
		}
		if err != nil {
			return nil, err
		}
		out[k] = string(v)
	}
	return out, nil
}

// grow calls f with a buffer large enough for what it returns: a size
// query first (a nil buffer), then the read, again if it grew meanwhile.
func grow(f func([]byte) (int, error)) ([]byte, error) {
	for range 4 {
		n, err := f(nil)
		if err != nil || n == 0 {
			return nil, err
		}
		b := make([]byte, n)
		n, err = f(b)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return b[:n], nil
	}
	return nil, unix.ERANGE
}

// setFileXattrs sets the extended attributes xs on the open file f; it
// returns the first error, having tried them all.
func setFileXattrs(f *os.File, xs map[string]string) error {
	return withFd(f, func(fd int) error {
		var first error
		for k, v := range xs {
			if err := unix.Fsetxattr(fd, k, []byte(v), 0); err != nil && first == nil {
				first = &fs.PathError{Op: "setxattr " + k, Path: f.Name(), Err: err}
			}
		}
		return first
	})
}

// withFd runs fn with the descriptor of f, leaving f as it is.
func withFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// mknodAt makes the FIFO or device node base in the open directory dir.
// base is one component: nothing outside dir can be reached.
func mknodAt(dir *os.File, base string, mode fs.FileMode, major, minor int64) error {
	m := uint32(mode.Perm())
	switch {
	case mode&fs.ModeNamedPipe != 0:
		m |= unix.S_IFIFO
	case mode&fs.ModeCharDevice != 0:
		m |= unix.S_IFCHR
	case mode&fs.ModeDevice != 0:
		m |= unix.S_IFBLK
	}
	dev := unix.Mkdev(uint32(major), uint32(minor))
	return withFd(dir, func(fd int) error {
		if err := unix.Mknodat(fd, base, m, int(dev)); err != nil {
			return &fs.PathError{Op: "mknod", Path: base, Err: err}
		}
		return nil
	})
}

// lutimesAt sets the times of base in the open directory dir without
// following it if it is a symlink.
func lutimesAt(dir *os.File, base string, mtime time.Time) error {
	ts := unix.NsecToTimespec(mtime.UnixNano())
	return withFd(dir, func(fd int) error {
		if err := unix.UtimesNanoAt(fd, base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return &fs.PathError{Op: "utimes", Path: base, Err: err}
		}
		return nil
	})
}

// openSource opens a source file for reading. os.Open tries to register
// every file with the network poller, which a regular file refuses: five
// system calls wasted on each of tens of thousands of files (two fcntl to
// set O_NONBLOCK, a failing epoll_ctl, two fcntl to clear it). A file made
// by os.NewFile from a blocking descriptor is never registered.
func openSource(path string) (*os.File, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
