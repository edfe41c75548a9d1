package snapshot

import (
	"bytes"
	"os"
)

// holeBlock is the unit in which restore leaves holes: a file system block.
const holeBlock = 4096

var zeroBlock [holeBlock]byte

// sparseWriter writes a large file's content leaving a hole wherever a whole
// aligned block is zero, as `cp --sparse=auto` and GNU tar's --sparse do on
// restore: a sparse file (a VM image, a database file) comes back sparse,
// and no byte of a hole is written or allocated. The content read back is
// the same either way. Runs of non-zero blocks are written with one pwrite.
type sparseWriter struct {
	f   *os.File
	off int64 // bytes of the file handled so far
	end int64 // end of the last write: beyond it, the file is still short
}

// Write writes b at the current offset, skipping zero blocks.
func (w *sparseWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		run, zero := w.nextRun(b)
		if !zero {
			if _, err := w.f.WriteAt(b[:run], w.off); err != nil {
				return n, err
			}
			w.end = w.off + int64(run)
		}
		w.off += int64(run)
		n += run
		b = b[run:]
	}
	return n, nil
}

// nextRun returns the length of the run at the start of b that is either
// all whole zero blocks (zero) or not, cut at block boundaries of the file.
func (w *sparseWriter) nextRun(b []byte) (int, bool) {
	run, zero := 0, false
	for run < len(b) {
		k := min(holeBlock-int((w.off+int64(run))%holeBlock), len(b)-run)
		z := k == holeBlock && bytes.Equal(b[run:run+k], zeroBlock[:])
		if run == 0 {
			zero = z
		} else if z != zero {
			break
		}
		run += k
	}
	return run, zero
}

// finish gives the file its full size when it ends in a hole.
func (w *sparseWriter) finish() error {
	if w.off > w.end {
		return w.f.Truncate(w.off)
	}
	return nil
}
