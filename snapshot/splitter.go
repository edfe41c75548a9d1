package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// PieceSink receives piece i of an archive as a stream, under its name. It is
// called when the piece starts, in a goroutine of its own, and must read r to
// EOF (or return an error, which stops the whole write). It should give up
// when ctx is cancelled.
type PieceSink func(ctx context.Context, name string, r io.Reader) error

// errSinkShort is what a writer sees when a sink returned without reading its
// piece to the end.
var errSinkShort = errors.New("sink returned before reading the whole piece")

// splitter cuts the compressed stream into pieces and streams each piece to
// the sink through a pipe, one piece after the other. The piece and the whole
// archive are hashed as the sink reads, in the sink's goroutine, off the path
// of the compressor; as sinks run one after the other, the whole-archive hash
// is never written by two at once.
type splitter struct {
	ctx    context.Context
	sink   PieceSink
	limit  int64 // piece size; 0 = a single piece
	whole  hash.Hash
	size   int64
	cur    *pieceWriter
	pieces []Piece
	err    error // set by abort
}

// pieceWriter is the piece being written.
type pieceWriter struct {
	name string
	pw   *io.PipeWriter
	hash hash.Hash // nil when unsplit: the whole-archive hash serves
	n    int64
	errc chan error // the sink's result
	stop func() bool
}

func newSplitter(ctx context.Context, limit int64, sink PieceSink) *splitter {
	return &splitter{ctx: ctx, sink: sink, limit: limit, whole: sha256.New()}
}

// Write implements io.Writer.
func (s *splitter) Write(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	total := 0
	for len(b) > 0 {
		if s.cur == nil {
			s.start()
		}
		chunk := b
		if room := s.limit - s.cur.n; s.limit > 0 && int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		n, err := s.cur.write(chunk)
		s.size += int64(n)
		total += n
		if err != nil {
			return total, fmt.Errorf("piece %s: %w", s.cur.name, err)
		}
		if s.limit > 0 && s.cur.n == s.limit {
			if err := s.finish(); err != nil {
				return total, err
			}
		}
		b = b[n:]
	}
	return total, nil
}

// start opens the next piece and hands its reading end to the sink.
func (s *splitter) start() {
	p := &pieceWriter{name: PieceName(len(s.pieces), s.limit > 0), errc: make(chan error, 1)}
	if s.limit > 0 {
		p.hash = sha256.New()
	}
	pr, pw := io.Pipe()
	p.pw = pw
	hr := &hashingReader{r: pr, hashes: []hash.Hash{s.whole}}
	if p.hash != nil {
		hr.hashes = append(hr.hashes, p.hash)
	}
	p.stop = context.AfterFunc(s.ctx, func() { pr.CloseWithError(context.Cause(s.ctx)) })
	go func() {
		err := s.sink(s.ctx, p.name, hr)
		if err != nil {
			pr.CloseWithError(err)
		} else {
			pr.CloseWithError(errSinkShort)
		}
		p.errc <- err
	}()
	s.cur = p
}

func (p *pieceWriter) write(b []byte) (int, error) {
	n, err := p.pw.Write(b)
	p.n += int64(n)
	return n, err
}

// hashingReader hashes what is read through it.
type hashingReader struct {
	r      io.Reader
	hashes []hash.Hash
}

func (h *hashingReader) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	for _, hh := range h.hashes {
		hh.Write(b[:n])
	}
	return n, err
}

// finish ends the current piece and waits for its sink.
func (s *splitter) finish() error {
	p := s.cur
	s.cur = nil
	p.pw.Close()
	err := <-p.errc
	p.stop()
	if err != nil {
		return fmt.Errorf("piece %s: %w", p.name, err)
	}
	h := p.hash
	if h == nil {
		h = s.whole
	}
	s.pieces = append(s.pieces, Piece{Name: p.name, Size: p.n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// close ends the last piece.
func (s *splitter) close() error {
	if s.cur == nil {
		return nil
	}
	return s.finish()
}

// abort ends the current piece with err and waits for its sink to return.
// Later writes fail with err.
func (s *splitter) abort(err error) {
	s.err = err
	if p := s.cur; p != nil {
		s.cur = nil
		p.pw.CloseWithError(err)
		<-p.errc
		p.stop()
	}
}

// digest returns the hex SHA-256 of everything written. Call it only once
// every sink has returned.
func (s *splitter) digest() string { return hex.EncodeToString(s.whole.Sum(nil)) }
