package snapshot

import (
	"context"
	"math/bits"
	"sync"
)

// The buffers of file contents between the reader and the writers.
const (
	chunkSize      = 1 << 20 // the largest buffer: a small file whole, or a chunk of a large one
	minBufferSize  = 4 << 10 // the smallest buffer handed out
	bufferClasses  = 9       // powers of two from minBufferSize to chunkSize
	extractBudget  = 8 << 20 // the most bytes of buffers in use at once
	chunksInFlight = 4       // the chunks of a large file queued for its writer
)

// bufferPool hands out buffers of file contents, recycled by size class,
// while bounding the bytes of those in use.
type bufferPool struct {
	budget  budget
	classes [bufferClasses]sync.Pool // of *[]byte
}

func newBufferPool(budget int) *bufferPool {
	p := &bufferPool{}
	p.budget.init(budget)
	return p
}

// get returns a buffer of n bytes (at most chunkSize), waiting for the
// budget to allow it unless ctx ends first.
func (p *bufferPool) get(ctx context.Context, n int) ([]byte, error) {
	c := sizeClass(n)
	if err := p.budget.acquire(ctx, minBufferSize<<c); err != nil {
		return nil, err
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n], nil
	}
	return make([]byte, n, minBufferSize<<c), nil
}

// put takes back a buffer from get.
func (p *bufferPool) put(b []byte) {
	c := sizeClass(cap(b))
	p.classes[c].Put(&b)
	p.budget.release(minBufferSize << c)
}

// sizeClass returns the class of the buffers that hold n bytes.
func sizeClass(n int) int {
	if n <= minBufferSize {
		return 0
	}
	return bits.Len(uint(n-1)) - bits.Len(minBufferSize-1)
}

// budget is a count of bytes that one goroutine takes and any gives back.
type budget struct {
	mu   sync.Mutex
	free int
	more chan struct{} // signaled after a release
}

func (b *budget) init(n int) {
	b.free = n
	b.more = make(chan struct{}, 1)
}

// acquire takes n bytes, waiting for them unless ctx ends first. Only one
// goroutine may call it: others would miss the signal.
func (b *budget) acquire(ctx context.Context, n int) error {
	for {
		b.mu.Lock()
		ok := b.free >= n
		if ok {
			b.free -= n
		}
		b.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-b.more:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release gives back n bytes.
func (b *budget) release(n int) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	select {
	case b.more <- struct{}{}:
	default:
	}
}
