package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// writers returns the number of goroutines writing files: more than the
// processors, since they mostly wait for the file system. Tests change it.
var writers = func() int { return max(4, runtime.GOMAXPROCS(0)) }

// jobQueue is the number of files waiting for a writer.
const jobQueue = 256

// fileJob is a regular file for a writer to create. Its contents are all in
// data (a small file), or arrive in chunks until chunks is closed (a large
// one).
type fileJob struct {
	name   string   // the archive name, for errors and the pool's inFlight
	dir    *dirRoot // the parent directory, a reference the job owns
	base   string   // the name within dir
	mode   fs.FileMode
	mtime  time.Time
	owner  owner
	xattrs map[string]string
	data   []byte
	chunks chan []byte
	done   chan struct{} // closed once the job is over
}

// writerPool writes regular files on a few goroutines, fed by the one
// reading the archive (the only one to call its submit and waitFor
// methods). The first error, of the reader or of a writer, ends ctx: the
// writers then drop their files and the rest of the queue.
type writerPool struct {
	ctx       context.Context
	fail      context.CancelCauseFunc
	overwrite bool
	jobs      chan *fileJob
	buffers   *bufferPool
	wg        sync.WaitGroup

	mu       sync.Mutex
	inFlight map[string]chan struct{} // the done of each file submitted and not over

	files, bytes atomic.Int64 // files written, and their bytes
	notes        notes        // what could not be restored
}

// newWriterPool starts n writers. The end of parent makes them drop their
// files, as an error does; wait stops them.
func newWriterPool(parent context.Context, overwrite bool, n int) *writerPool {
	ctx, fail := context.WithCancelCause(parent)
	p := &writerPool{
		ctx:       ctx,
		fail:      fail,
		overwrite: overwrite,
		jobs:      make(chan *fileJob, jobQueue),
		buffers:   newBufferPool(extractBudget),
		inFlight:  map[string]chan struct{}{},
	}
	p.wg.Add(n)
	for range n {
		go p.work()
	}
	return p
}

// wait takes no more files and returns once the writers are done, with the
// first error: err, the reader's, or one of a writer before it.
func (p *writerPool) wait(err error) error {
	if err != nil {
		p.fail(err)
	}
	close(p.jobs)
	p.wg.Wait()
	err = context.Cause(p.ctx)
	p.fail(context.Canceled) // releases the context
	return err
}

// waitFor returns once no writer has the file name any more, so that the
// caller can replace it or make it a directory.
func (p *writerPool) waitFor(name string) error {
	p.mu.Lock()
	done := p.inFlight[name]
	p.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// submitWhole reads the n bytes of a small file from r and queues it.
func (p *writerPool) submitWhole(j *fileJob, r io.Reader, n int) error {
	if n > 0 {
		b, err := p.buffers.get(p.ctx, n)
		if err != nil {
			j.dir.release()
			return err
		}
		j.data = b
		if err := readFull(r, b); err != nil {
			p.drop(j)
			return err
		}
	}
	return p.submit(j)
}

// submitStream queues a large file, then passes it the contents of r in
// chunks as they are read.
func (p *writerPool) submitStream(j *fileJob, r io.Reader, size int64) error {
	j.chunks = make(chan []byte, chunksInFlight)
	if err := p.submit(j); err != nil {
		return err
	}
	for size > 0 {
		b, err := p.buffers.get(p.ctx, int(min(size, chunkSize)))
		if err != nil {
			return err
		}
		if err := readFull(r, b); err != nil {
			p.buffers.put(b)
			return err
		}
		select {
		case j.chunks <- b:
		case <-p.ctx.Done():
			p.buffers.put(b)
			return p.ctx.Err()
		}
		size -= int64(len(b))
	}
	close(j.chunks) // only now: a closed channel means a complete file
	return nil
}

// readFull fills b from the archive: a short read means a truncated archive.
func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &decodeError{io.ErrUnexpectedEOF}
	}
	return err
}

// submit queues j for a writer.
func (p *writerPool) submit(j *fileJob) error {
	j.done = make(chan struct{})
	p.mu.Lock()
	p.inFlight[j.name] = j.done
	p.mu.Unlock()
	select {
	case p.jobs <- j:
		return nil
	case <-p.ctx.Done():
		p.drop(j)
		return p.ctx.Err()
	}
}

// drop ends a job, written or not: it gives back its buffer and directory
// and lets waitFor return.
func (p *writerPool) drop(j *fileJob) {
	if j.data != nil {
		p.buffers.put(j.data)
		j.data = nil
	}
	j.dir.release()
	if j.done != nil {
		p.mu.Lock()
		delete(p.inFlight, j.name)
		p.mu.Unlock()
		close(j.done)
	}
}

// work writes queued files until the queue is closed, dropping them after
// the first error.
func (p *writerPool) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		if p.ctx.Err() == nil {
			if err := p.write(j); err != nil {
				p.fail(err)
			}
		}
		p.drop(j)
	}
}

// write creates the file of j, fills it and sets its mode and time. A file
// left incomplete is removed.
func (p *writerPool) write(j *fileJob) error {
	f, err := p.create(j)
	if err != nil {
		return err
	}
	n, err := p.fill(f, j)
	if err == nil {
		p.meta(f, j)
		err = f.Chmod(j.mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		j.dir.Remove(j.base)
		return fmt.Errorf("%s: %w", j.name, err)
	}
	p.files.Add(1)
	p.bytes.Add(n)
	if err := j.dir.Chtimes(j.base, j.mtime, j.mtime); err != nil {
		return fmt.Errorf("%s: %w", j.name, err)
	}
	return nil
}

// meta gives the file of j its owner, then its extended attributes (chown
// clears a file capability, and the set-id bits the mode sets after),
// noting what the system refuses.
func (p *writerPool) meta(f *os.File, j *fileJob) {
	if j.owner.ok {
		if err := f.Chown(j.owner.uid, j.owner.gid); err != nil {
			p.notes.add(noteOwners, j.name, err)
		}
	}
	if len(j.xattrs) > 0 {
		if err := setFileXattrs(f, j.xattrs); err != nil {
			p.notes.add(noteXattrs, j.name, err)
		}
	}
}

// create creates the file of j, clearing the way first as prepare would if
// something is there.
func (p *writerPool) create(j *fileJob) (*os.File, error) {
	const flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	f, err := j.dir.OpenFile(j.base, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if err = p.clear(j); err != nil {
			return nil, err
		}
		f, err = j.dir.OpenFile(j.base, flags, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", j.name, err)
	}
	return f, nil
}

// clear removes what is in the way of the file of j, if Overwrite allows.
func (p *writerPool) clear(j *fileJob) error {
	fi, err := j.dir.Lstat(j.base)
	switch {
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s: a directory is in the way", j.name)
	case !p.overwrite:
		return fmt.Errorf("%s: %w (use --force to overwrite)", j.name, fs.ErrExist)
	}
	return j.dir.Remove(j.base)
}

// fill writes the contents of j to f and returns their size.
func (p *writerPool) fill(f *os.File, j *fileJob) (int64, error) {
	if j.chunks != nil {
		return p.fillChunks(f, j.chunks)
	}
	if len(j.data) == 0 {
		return 0, nil
	}
	n, err := f.Write(j.data)
	return int64(n), err
}

// fillChunks writes chunks to f until the channel is closed, giving back
// their buffers; whole zero blocks are left as holes (sparseWriter).
func (p *writerPool) fillChunks(f *os.File, chunks <-chan []byte) (int64, error) {
	var n int64
	w := &sparseWriter{f: f}
	for {
		select {
		case b, ok := <-chunks:
			if !ok {
				return n, w.finish()
			}
			m, err := w.Write(b)
			n += int64(m)
			p.buffers.put(b)
			if err != nil {
				return n, err
			}
		case <-p.ctx.Done():
			return n, p.ctx.Err()
		}
	}
}
