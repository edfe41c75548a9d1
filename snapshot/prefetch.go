package snapshot

import (
	"context"
	"io"
	"io/fs"
	"iter"
	"os"
	"sync"
)

// The walk and the opening and reading of small files run ahead of the
// archiver on goroutines of their own: with tens of thousands of small
// files, the system calls of each (open, fstat, read, close) would otherwise
// keep the single goroutine that feeds the encoder busy while the encoder
// waits for data.
const (
	// prefetchWindow bounds how many entries are walked ahead of the
	// archiver, and so the files held open and the bytes held in memory
	// (at most prefetchWindow × smallFile).
	prefetchWindow = 128
	// smallFile is the largest file read whole ahead of the archiver;
	// larger ones are opened ahead and streamed by the archiver.
	smallFile = 64 << 10
	// prefetchWorkers open and read files ahead.
	prefetchWorkers = 2
)

// item is one entry of the walk, in walk order. For a regular file a worker
// opens it and fills file, fi and data (or err), then closes ready.
type item struct {
	walkEntry
	ready chan struct{}

	file *os.File    // open, for a file larger than smallFile
	fi   fs.FileInfo // of the open file
	data []byte      // the whole content of a small file, as read
	grew bool        // the small file held more than fi.Size() bytes
	err  error       // opening or reading failed

	xattrs map[string]string // the file's extended attributes
	xerr   error             // reading them failed (a warning)
}

// prefetcher hands the archiver the walk's entries in order, with regular
// files already opened (and small ones read) by its workers.
type prefetcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	order  chan *item // every entry, in walk order
	work   chan *item // regular files, for the workers
	wg     sync.WaitGroup
}

func newPrefetcher(ctx context.Context, walk iter.Seq[walkEntry]) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{ctx: ctx, cancel: cancel,
		order: make(chan *item, prefetchWindow), work: make(chan *item, prefetchWindow)}
	p.wg.Add(1 + prefetchWorkers)
	go p.walk(walk)
	for range prefetchWorkers {
		go p.worker()
	}
	return p
}

// walk queues every entry, and each regular file for a worker too.
func (p *prefetcher) walk(walk iter.Seq[walkEntry]) {
	defer p.wg.Done()
	defer close(p.order)
	defer close(p.work)
	for e := range walk {
		it := &item{walkEntry: e, ready: make(chan struct{})}
		regular := e.err == nil && e.d != nil && e.d.Type().IsRegular()
		if !regular {
			close(it.ready)
		}
		if !p.send(p.order, it) || (regular && !p.send(p.work, it)) {
			return
		}
	}
}

func (p *prefetcher) send(ch chan<- *item, it *item) bool {
	select {
	case ch <- it:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// worker opens the regular files it is given and reads the small ones.
func (p *prefetcher) worker() {
	defer p.wg.Done()
	for it := range p.work {
		if p.ctx.Err() == nil {
			it.open()
		}
		close(it.ready)
	}
}

// open opens the item's file; a small one is read whole and closed.
func (it *item) open() {
	f, err := openSource(it.path)
	if err != nil {
		it.err = err
		return
	}
	fi, err := f.Stat()
	if err == nil && fi.Mode().IsRegular() {
		it.xattrs, it.xerr = fileXattrs(f)
	}
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > smallFile {
		it.file, it.fi, it.err = f, fi, err
		return
	}
	defer f.Close()
	// One byte more than the size shows a file that grew since.
	buf := make([]byte, fi.Size()+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		it.err = err
		return
	}
	it.fi, it.grew = fi, int64(n) > fi.Size()
	it.data = buf[:min(int64(n), fi.Size())]
}

// next returns the next entry once it is ready; false at the end of the
// walk or of ctx.
func (p *prefetcher) next() (*item, bool) {
	var it *item
	select {
	case i, ok := <-p.order:
		if !ok {
			return nil, false
		}
		it = i
	case <-p.ctx.Done():
		return nil, false
	}
	select {
	case <-it.ready:
		return it, true
	case <-p.ctx.Done():
		return nil, false
	}
}

// stop ends the walk and the workers and closes the files they opened that
// the archiver never took.
func (p *prefetcher) stop() {
	p.cancel()
	p.wg.Wait()
	for it := range p.order {
		if it.file != nil {
			it.file.Close()
		}
	}
}
