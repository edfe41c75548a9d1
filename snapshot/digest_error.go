package snapshot

import "fmt"

// Reason says what is wrong with a stored object.
type Reason string

// The reasons of a DigestError.
const (
	ReasonSize    Reason = "size"    // the object has another size than its list says
	ReasonDigest  Reason = "digest"  // the object has another SHA-256 than its name or list says
	ReasonMissing Reason = "missing" // the object does not exist
)

// DigestError reports a stored chunk (or the whole stream) that does not
// match what names it.
type DigestError struct {
	// Piece is the path of the chunk (ChunkPath, relative to the
	// destination root), or StreamSumName for the whole stream.
	Piece  string
	Reason Reason
	Want   string // the expected size or digest
	Got    string // the stored object's size or digest
	Err    error  // for ReasonMissing, the error of the open
}

func (e *DigestError) Error() string {
	switch e.Reason {
	case ReasonMissing:
		return fmt.Sprintf("%s is missing", e.Piece)
	case ReasonSize:
		return fmt.Sprintf("%s has %s bytes, want %s", e.Piece, e.Got, e.Want)
	default:
		return fmt.Sprintf("%s has SHA-256 %s, want %s", e.Piece, e.Got, e.Want)
	}
}

// Unwrap returns the underlying error, if any.
func (e *DigestError) Unwrap() error { return e.Err }
