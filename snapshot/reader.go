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
)

// OpenFunc opens a piece of a snapshot by name. It should return an error
// matching fs.ErrNotExist when the piece does not exist.
type OpenFunc func(ctx context.Context, name string) (io.ReadCloser, error)

// Reason says what is wrong with a piece.
type Reason string

// The reasons of a DigestError.
const (
	ReasonSize    Reason = "size"    // the piece has another size than the manifest says
	ReasonDigest  Reason = "digest"  // the piece has another SHA-256 than the manifest says
	ReasonMissing Reason = "missing" // the piece does not exist
)

// DigestError reports a piece that does not match the manifest.
type DigestError struct {
	Piece  string
	Reason Reason
	Want   string // the manifest's size or digest
	Got    string // the stored piece's size or digest
	Err    error  // for ReasonMissing, the error of the open
}

func (e *DigestError) Error() string {
	switch e.Reason {
	case ReasonMissing:
		return fmt.Sprintf("piece %s is missing", e.Piece)
	case ReasonSize:
		return fmt.Sprintf("piece %s has %s bytes, manifest says %s", e.Piece, e.Got, e.Want)
	default:
		return fmt.Sprintf("piece %s has SHA-256 %s, manifest says %s", e.Piece, e.Got, e.Want)
	}
}

// Unwrap returns the underlying error, if any.
func (e *DigestError) Unwrap() error { return e.Err }

// NewReader returns the archive made of pieces, read one after the other with
// open. At the end of each piece it checks the piece's size and SHA-256
// against pieces and, if they differ, returns a *DigestError instead of
// io.EOF. Errors are sticky.
func NewReader(ctx context.Context, pieces []Piece, open OpenFunc) io.ReadCloser {
	r := &pieceReader{ctx: ctx, pieces: pieces, open: open, hash: sha256.New()}
	if len(pieces) == 0 {
		r.err = errors.New("archive has no pieces")
	}
	return r
}

// pieceReader implements NewReader.
type pieceReader struct {
	ctx    context.Context
	pieces []Piece
	open   OpenFunc
	next   int           // index of the next piece to open
	cur    io.ReadCloser // the open piece, or nil
	hash   hash.Hash
	n      int64 // bytes read of the open piece
	err    error
}

func (r *pieceReader) Read(p []byte) (int, error) {
	for r.err == nil {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			break
		}
		if r.cur == nil && !r.openNext() {
			break
		}
		n, err := r.readPiece(p)
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, r.err
}

// openNext opens the next piece; false means there is none or it failed.
func (r *pieceReader) openNext() bool {
	if r.next == len(r.pieces) {
		r.err = io.EOF
		return false
	}
	piece := r.pieces[r.next]
	rc, err := r.open(r.ctx, piece.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.err = &DigestError{Piece: piece.Name, Reason: ReasonMissing, Err: err}
	case err != nil:
		r.err = fmt.Errorf("open piece %s: %w", piece.Name, err)
	default:
		r.cur, r.n = rc, 0
		r.hash.Reset()
		r.next++
	}
	return err == nil
}

// readPiece reads from the open piece, checking it at its end.
func (r *pieceReader) readPiece(p []byte) (int, error) {
	piece := r.pieces[r.next-1]
	n, err := r.cur.Read(p)
	r.n += int64(n)
	if r.n > piece.Size {
		r.err = r.sizeError(piece, ">"+strconv.FormatInt(piece.Size, 10))
		return 0, r.err
	}
	r.hash.Write(p[:n])
	switch {
	case err == io.EOF:
		r.err = r.endPiece(piece)
		return n, r.err
	case err != nil:
		r.err = fmt.Errorf("read piece %s: %w", piece.Name, err)
		return n, r.err
	}
	return n, nil
}

// endPiece closes the open piece and checks its size and digest.
func (r *pieceReader) endPiece(piece Piece) error {
	err := r.cur.Close()
	r.cur = nil
	if r.n != piece.Size {
		return r.sizeError(piece, strconv.FormatInt(r.n, 10))
	}
	if got := hex.EncodeToString(r.hash.Sum(nil)); got != piece.SHA256 {
		return &DigestError{Piece: piece.Name, Reason: ReasonDigest, Want: piece.SHA256, Got: got}
	}
	if err != nil {
		return fmt.Errorf("close piece %s: %w", piece.Name, err)
	}
	return nil
}

func (r *pieceReader) sizeError(piece Piece, got string) error {
	return &DigestError{Piece: piece.Name, Reason: ReasonSize, Want: strconv.FormatInt(piece.Size, 10), Got: got}
}

// finishPiece reads the rest of the open piece so that it gets checked, and
// returns the reader's error. Extract calls it when decoding fails, to report
// a damaged piece rather than the garbage it decodes to.
func (r *pieceReader) finishPiece() error {
	if r.cur != nil && r.err == nil {
		buf := make([]byte, 64<<10)
		for r.cur != nil && r.err == nil {
			r.readPiece(buf)
		}
	}
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// Close closes the open piece, if any.
func (r *pieceReader) Close() error {
	var err error
	if r.cur != nil {
		err = r.cur.Close()
		r.cur = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = errors.New("read of a closed archive")
	}
	return err
}
