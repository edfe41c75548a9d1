package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"sync"
)

// ChunkSink is a destination's chunk store as WriteChunks sees it. Both
// methods are called from several goroutines at once, at most once per
// distinct chunk of a run.
type ChunkSink interface {
	// Has reports whether the destination holds chunk id. It may answer
	// from a ChunkSet of complete snapshots' chunks.txt before asking the
	// store.
	Has(ctx context.Context, id ChunkID) (bool, error)
	// Put stores frame, one zstd frame of chunk id, at ChunkPath(id),
	// visible only once complete. frame is valid only during the call.
	Put(ctx context.Context, id ChunkID, frame []byte) error
}

// ChunkOptions tune WriteChunks.
type ChunkOptions struct {
	Concurrency int // goroutines hashing, compressing and storing; 0 = GOMAXPROCS, at most maxChunkWorkers
	// Progress, when set, is called with each count of source bytes read
	// (file contents, before compression), from the goroutine that reads
	// the sources; it must be quick.
	Progress func(n int64)
	// Cache, when set, is the file cache of this destination and
	// application: the large files it holds unchanged are hashed along
	// their cached chunks rather than cut, where every chunk is known
	// present (the store must have a Known method, see ChunkKnower), and
	// the files of this run are recorded in it for FileCache.Save.
	Cache *FileCache
}

// ChunkKnower is a ChunkSink that can tell, without asking the destination,
// that it holds a chunk — e.g. because a complete snapshot there references
// it. Only such chunks are taken from the file cache.
type ChunkKnower interface {
	Known(id ChunkID) bool
}

// maxChunkWorkers bounds the default concurrency, and so memory: each
// worker holds a frame and about two chunks in flight, up to 4 MiB each.
const maxChunkWorkers = 16

// ChunkedResult describes a stream written by WriteChunks.
type ChunkedResult struct {
	Chunks      []ChunkRef // the stream, in order
	Size        int64      // bytes of the whole tar stream (the logical size)
	SHA256      string     // hex digest of the whole tar stream
	Added       int64      // compressed bytes this run stored
	AddedChunks int        // chunks this run stored
	Summary     SourceSummary
	Warnings    []string // files that changed or vanished while read, skipped special files

	// What the file cache saved: bytes of the stream cut by the chunker,
	// bytes of unchanged large files passed on along their cached chunks
	// instead (read and hashed, but neither cut, looked up, compressed nor
	// stored), and files whose cached chunks did not match their content
	// (cut after all).
	CutBytes, CachedBytes int64
	CacheFallbacks        int
}

// List returns what chunks.txt and data.tar.sha256 record of the stream.
func (r *ChunkedResult) List() ChunkList { return ChunkList{Chunks: r.Chunks, SHA256: r.SHA256} }

// WriteChunks archives src as a tar (PAX) stream, cuts it into chunks
// (file-aware, see Chunker), hashes each and, for those store lacks,
// compresses it as one zstd frame and puts it — in one pass, with
// opts.Concurrency goroutines hashing, compressing and storing, and a fixed
// number of chunks in flight. A chunk repeated within the stream is
// looked up and stored once. The first error of the archive, of store or
// of ctx stops everything; WriteChunks returns only once every call it
// made to store has returned. On success every chunk of the result is at
// the destination.
func WriteChunks(ctx context.Context, src Source, opts ChunkOptions, store ChunkSink) (*ChunkedResult, error) {
	src, err := src.check()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a := newArchiver(ctx, src)
	a.onRead = opts.Progress
	defer a.close()
	c, err := newCutter(a)
	if err != nil {
		return nil, err
	}
	a.spans = c.span
	if opts.Cache != nil {
		opts.Cache.begin()
		a.cache = opts.Cache
		if k, ok := store.(ChunkKnower); ok {
			c.known = k.Known
		}
	}
	p, err := newChunkPipeline(ctx, cancel, opts, store)
	if err != nil {
		return nil, err
	}
	err = c.runMeta(p.submit)
	res, perr := p.finish(err)
	if perr != nil {
		return nil, perr
	}
	a.summary.Paths = src.Paths
	res.Summary, res.Warnings = a.summary, a.warnings
	res.CutBytes, res.CachedBytes, res.CacheFallbacks = c.cut, c.cached, c.fallbacks
	return res, nil
}

// chunkJob is one chunk on its way through the pipeline.
type chunkJob struct {
	data  []byte // the chunk, in a buffer of the pipeline's free list
	meta  chunkMeta
	id    ChunkID
	added int64 // compressed bytes stored, if this job stored the chunk
	err   error
	done  chan struct{}
}

// chunkPipeline hashes, compresses and stores chunks on worker goroutines
// while a collector puts their results back in stream order. At most
// cap(free) chunks are in flight.
type chunkPipeline struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	store  ChunkSink
	cache  *FileCache
	file   *fileRun  // the large file the collector is recording, if any
	seen   *ChunkSet // chunks of this run looked up (or being stored) already
	// encoders are shared by the workers, one per core: a worker holds
	// one only while it compresses, so that more workers than cores (for a
	// slow link, see ChunkOptions.Concurrency) do not mean more encoders,
	// each with a window of history.
	encoders chan frameEncoder
	free     chan []byte
	jobs     chan *chunkJob
	order    chan *chunkJob
	wg       sync.WaitGroup
	done     chan struct{} // closed when the collector is done

	stream hash.Hash
	res    ChunkedResult
	err    error // the collector's first error
}

func newChunkPipeline(ctx context.Context, cancel context.CancelCauseFunc, opts ChunkOptions, store ChunkSink) (*chunkPipeline, error) {
	n := opts.Concurrency
	if n <= 0 {
		n = min(runtime.GOMAXPROCS(0), maxChunkWorkers)
	}
	inFlight := 2*n + 2
	p := &chunkPipeline{ctx: ctx, cancel: cancel, store: store, cache: opts.Cache, seen: NewChunkSet(),
		free: make(chan []byte, inFlight), jobs: make(chan *chunkJob, inFlight),
		order: make(chan *chunkJob, inFlight), done: make(chan struct{}), stream: sha256.New()}
	for range inFlight {
		p.free <- nil // allocated on first use
	}
	cores := min(n, runtime.GOMAXPROCS(0))
	p.encoders = make(chan frameEncoder, cores)
	for range cores {
		enc, err := newFrameEncoder()
		if err != nil {
			p.closeEncoders()
			return nil, fmt.Errorf("zstd: %w", err)
		}
		p.encoders <- enc
	}
	for range n {
		p.wg.Add(1)
		go p.worker()
	}
	go p.collect()
	return p, nil
}

// submit hands one chunk, valid only during the call, to the workers.
func (p *chunkPipeline) submit(chunk []byte, m chunkMeta) error {
	var buf []byte
	select {
	case buf = <-p.free:
	case <-p.ctx.Done():
		return context.Cause(p.ctx)
	}
	if cap(buf) < len(chunk) {
		buf = make([]byte, 0, max(len(chunk), SmallCut.Max))
	}
	j := &chunkJob{data: append(buf[:0], chunk...), meta: m, id: m.id, done: make(chan struct{})}
	p.order <- j // never blocks: there are no more jobs than free buffers
	p.jobs <- j
	return nil
}

// worker hashes each job's chunk and stores it if nobody has yet. A chunk
// of the file cache is hashed and known present already.
func (p *chunkPipeline) worker() {
	defer p.wg.Done()
	var frame []byte
	for j := range p.jobs {
		if j.meta.cached {
			p.seen.Add(j.id)
			close(j.done)
			continue
		}
		j.id = sha256.Sum256(j.data)
		if p.ctx.Err() == nil && p.seen.Add(j.id) {
			frame, j.added, j.err = p.store1(j, frame)
		}
		close(j.done)
	}
}

// store1 compresses and puts j's chunk if the store lacks it.
func (p *chunkPipeline) store1(j *chunkJob, frame []byte) ([]byte, int64, error) {
	have, err := p.store.Has(p.ctx, j.id)
	if err != nil {
		return frame, 0, fmt.Errorf("chunk %s: %w", j.id, err)
	}
	if have {
		return frame, 0, nil
	}
	frame, err = p.compress(j, frame)
	if err != nil {
		return frame, 0, fmt.Errorf("compress chunk %s: %w", j.id, err)
	}
	if err := p.store.Put(p.ctx, j.id, frame); err != nil {
		return frame, 0, fmt.Errorf("store chunk %s: %w", j.id, err)
	}
	return frame, int64(len(frame)), nil
}

// compress returns j's chunk as one zstd frame, in frame's memory.
func (p *chunkPipeline) compress(j *chunkJob, frame []byte) ([]byte, error) {
	enc := <-p.encoders // there are as many as workers compressing at once
	defer func() { p.encoders <- enc }()
	return enc.encode(frame, j.data, defaultLevel)
}

// closeEncoders releases the encoders once no worker runs.
func (p *chunkPipeline) closeEncoders() {
	for {
		select {
		case enc := <-p.encoders:
			enc.close()
		default:
			return
		}
	}
}

// collect takes the jobs in stream order as they finish, records them,
// hashes the stream and frees their buffers. After an error it goes on
// freeing buffers, so that submit never waits for ever.
func (p *chunkPipeline) collect() {
	defer close(p.done)
	for j := range p.order {
		<-j.done
		if j.err != nil && p.err == nil {
			p.err = j.err
			p.cancel(j.err)
		}
		if p.err == nil {
			p.record(j)
		}
		p.free <- j.data
	}
}

func (p *chunkPipeline) record(j *chunkJob) {
	p.stream.Write(j.data)
	ref := ChunkRef{ID: j.id, Size: int64(len(j.data))}
	p.res.Chunks = append(p.res.Chunks, ref)
	p.recordFile(j.meta.file, ref)
	p.res.Size += int64(len(j.data))
	if j.added > 0 {
		p.res.Added += j.added
		p.res.AddedChunks++
	}
}

// recordFile gives the file cache each large file's chunks once its last
// one is in: chunks come in stream order, and a large file's are together.
func (p *chunkPipeline) recordFile(f *fileRun, ref ChunkRef) {
	if f != p.file && p.file != nil {
		p.cache.record(p.file)
		p.file.chunks = nil
	}
	p.file = f
	if f != nil {
		f.chunks = append(f.chunks, ref)
	}
}

// finish waits for the workers and the collector once the cut has ended
// with err, and returns the result or the first error.
func (p *chunkPipeline) finish(err error) (*ChunkedResult, error) {
	if err != nil {
		p.cancel(err)
	}
	close(p.jobs)
	close(p.order)
	p.wg.Wait()
	p.closeEncoders()
	<-p.done
	switch {
	case p.err != nil:
		return nil, p.err
	case err != nil:
		return nil, err
	case p.ctx.Err() != nil:
		return nil, context.Cause(p.ctx)
	}
	p.recordFile(nil, ChunkRef{})
	p.res.SHA256 = hex.EncodeToString(p.stream.Sum(nil))
	return &p.res, nil
}
