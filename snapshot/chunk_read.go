package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strconv"
	"sync"
)

// ChunkFetch opens the stored frame of chunk id. It should return an error
// matching fs.ErrNotExist when the chunk does not exist.
type ChunkFetch func(ctx context.Context, id ChunkID) (io.ReadCloser, error)

// maxFrameSize is the largest stored frame ReadChunks reads: a frame of an
// incompressible chunk of MaxChunkSize is only a little larger.
const maxFrameSize = MaxChunkSize + MaxChunkSize/8

// ReadChunks returns the tar stream of list: its chunks, fetched with fetch
// on up to parallel goroutines (read-ahead bounded to as many chunks),
// decompressed and yielded in order. Each chunk is checked against its ID
// and size before any of it is yielded, and the whole stream against
// list.SHA256 at its end, unless the list is sealed (ChunkList.Sealed: the
// chunks' own checks prove the stream then). A mismatch is a *DigestError
// naming the chunk (its ChunkPath) or the stream (StreamSumName) instead of
// io.EOF. Errors are sticky; Close stops the fetches and waits for them.
func ReadChunks(ctx context.Context, list ChunkList, fetch ChunkFetch, parallel int) io.ReadCloser {
	return ReadChunksFrom(ctx, list, []ChunkFetch{fetch}, parallel)
}

// ReadChunksFrom is ReadChunks over several copies of the chunk store (e.g.
// the destinations of other tiers), in order of preference: a chunk that
// is missing or fails its check at one is fetched from the next, and only
// when none has a good one is it an error (that of the last).
func ReadChunksFrom(ctx context.Context, list ChunkList, fetches []ChunkFetch, parallel int) io.ReadCloser {
	return ReadChunksFallback(ctx, list, fetches, parallel, nil)
}

// Fallback is told that chunk id could not be read from the store at
// index store of the fetches (err says why) and is tried at the next one:
// a restore that heals itself says so, never silently.
type Fallback func(id ChunkID, store int, err error)

// ReadChunksFallback is ReadChunksFrom that reports every fallback to
// onFallback (which may be nil), from the fetching goroutines.
func ReadChunksFallback(ctx context.Context, list ChunkList, fetches []ChunkFetch, parallel int, onFallback Fallback) io.ReadCloser {
	parallel = max(parallel, 1)
	ctx, cancel := context.WithCancel(ctx)
	r := &chunkReader{ctx: ctx, cancel: cancel, list: list, fetches: fetches, fallback: onFallback,
		order: make(chan *fetchJob, parallel), slots: make(chan struct{}, parallel)}
	if !list.Sealed {
		r.hash = sha256.New()
	}
	if len(list.Chunks) == 0 {
		r.err = errors.New("chunk list is empty")
	}
	if len(fetches) == 0 {
		r.err = errors.New("no chunk store to read from")
	}
	dec, err := newFrameDecoder(parallel)
	if err != nil && r.err == nil {
		r.err = err
	}
	if r.err != nil {
		close(r.order)
		return r
	}
	r.dec = dec
	r.wg.Add(1)
	go r.dispatch()
	return r
}

// chunkReader implements ReadChunks.
type chunkReader struct {
	ctx      context.Context
	cancel   context.CancelFunc
	list     ChunkList
	fetches  []ChunkFetch
	fallback Fallback
	dec      frameDecoder
	order    chan *fetchJob // the fetches, in stream order
	slots    chan struct{}  // one per fetch in flight or chunk not yet read
	wg       sync.WaitGroup

	cur  *fetchJob // the chunk being read, or nil
	off  int       // bytes of it read
	hash hash.Hash // of the stream so far; nil for a sealed list
	err  error
}

// fetchJob is one chunk being fetched and checked.
type fetchJob struct {
	ref  ChunkRef
	data []byte
	err  error
	done chan struct{}
}

// dispatch starts the fetches in order, as slots free up.
func (r *chunkReader) dispatch() {
	defer r.wg.Done()
	defer close(r.order)
	for _, ref := range r.list.Chunks {
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		j := &fetchJob{ref: ref, done: make(chan struct{})}
		r.order <- j // never blocks: no more jobs than slots
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			j.data, j.err = r.fetchChunk(ref)
			close(j.done)
		}()
	}
}

// fetchChunk fetches, decompresses and checks one chunk, from the first
// store that has a good one.
func (r *chunkReader) fetchChunk(ref ChunkRef) ([]byte, error) {
	var err error
	for i, fetch := range r.fetches {
		var frame, data []byte
		if frame, err = fetchFrame(r.ctx, ref, fetch); err == nil {
			data, err = decodeChunk(r.dec, ref, frame)
			putBuf(frame)
			if err == nil {
				return data, nil
			}
		}
		if r.ctx.Err() != nil {
			return nil, err
		}
		if r.fallback != nil && i+1 < len(r.fetches) {
			r.fallback(ref.ID, i, err)
		}
	}
	return nil, err
}

// fetchFrame reads the stored frame of chunk ref, bounded in size, into a
// buffer of getBuf's that the caller may give back with putBuf.
func fetchFrame(ctx context.Context, ref ChunkRef, fetch ChunkFetch) ([]byte, error) {
	name := ChunkPath(ref.ID)
	rc, err := fetch(ctx, ref.ID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &DigestError{Piece: name, Reason: ReasonMissing, Err: err}
	case err != nil:
		return nil, fmt.Errorf("open chunk %s: %w", name, err)
	}
	// A frame of ours is at most frameBufSize: the buffer grows only for
	// one that is not (up to the limit, then refused).
	frame, err := readAllInto(getBuf(frameBufSize(ref.Size)), io.LimitReader(rc, maxFrameSize+1))
	rc.Close()
	if err != nil {
		putBuf(frame)
		return nil, fmt.Errorf("read chunk %s: %w", name, err)
	}
	if len(frame) > maxFrameSize {
		putBuf(frame)
		return nil, &DigestError{Piece: name, Reason: ReasonSize, Want: "a frame of at most " + strconv.Itoa(maxFrameSize), Got: "more"}
	}
	return frame, nil
}

// decodeChunk decompresses a chunk's frame into a buffer of getBuf's (the
// caller may give it back with putBuf) and checks its size and digest.
func decodeChunk(dec frameDecoder, ref ChunkRef, frame []byte) ([]byte, error) {
	name := ChunkPath(ref.ID)
	data, err := dec.decode(getBuf(int(min(ref.Size, MaxChunkSize))), frame, ref.Size)
	if errors.Is(err, errFrameTooLong) {
		return nil, &DigestError{Piece: name, Reason: ReasonSize, Want: strconv.FormatInt(ref.Size, 10), Got: "more"}
	}
	if err != nil {
		return nil, &DigestError{Piece: name, Reason: ReasonDigest, Want: ref.ID.String(),
			Got: fmt.Sprintf("unknown (not a valid zstd frame: %v)", err)}
	}
	if int64(len(data)) != ref.Size {
		putBuf(data)
		return nil, &DigestError{Piece: name, Reason: ReasonSize,
			Want: strconv.FormatInt(ref.Size, 10), Got: strconv.Itoa(len(data))}
	}
	if got := ChunkID(sha256.Sum256(data)); got != ref.ID {
		putBuf(data)
		return nil, &DigestError{Piece: name, Reason: ReasonDigest, Want: ref.ID.String(), Got: got.String()}
	}
	return data, nil
}

// Read yields the stream, one checked chunk after the other.
func (r *chunkReader) Read(p []byte) (int, error) {
	for r.err == nil {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			break
		}
		if r.cur == nil && !r.nextChunk() {
			break
		}
		n := copy(p, r.cur.data[r.off:])
		r.off += n
		if r.hash != nil {
			r.hash.Write(p[:n])
		}
		if r.off == len(r.cur.data) {
			putBuf(r.cur.data) // copied out (and hashed, unless sealed)
			r.cur = nil
			<-r.slots
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, r.err
}

// nextChunk waits for the next chunk; false means the stream is over
// (r.err is io.EOF or the digest error) or failed.
func (r *chunkReader) nextChunk() bool {
	j, ok := <-r.order
	if !ok {
		r.err = r.end()
		return false
	}
	select {
	case <-j.done:
	case <-r.ctx.Done():
		r.err = r.ctx.Err()
		return false
	}
	if j.err != nil {
		r.err = j.err
		return false
	}
	r.cur, r.off = j, 0
	return true
}

// end checks the whole stream once every chunk is read.
func (r *chunkReader) end() error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if r.hash == nil {
		return io.EOF
	}
	if got := hex.EncodeToString(r.hash.Sum(nil)); got != r.list.SHA256 {
		return &DigestError{Piece: StreamSumName, Reason: ReasonDigest, Want: r.list.SHA256, Got: got}
	}
	return io.EOF
}

// Close stops the fetches and waits for them to return.
func (r *chunkReader) Close() error {
	r.cancel()
	r.wg.Wait()
	if r.dec != nil {
		r.dec.close()
		r.dec = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = errors.New("read of a closed chunk stream")
	}
	return nil
}
