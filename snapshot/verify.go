package snapshot

import (
	"context"
	"errors"
	"fmt"
)

// CheckStatus is the outcome of checking one chunk.
type CheckStatus int

// The outcomes of a chunk check.
const (
	CheckOK      CheckStatus = iota // size and digest match
	CheckDiffers                    // size or digest differ, or not a valid frame
	CheckMissing                    // the chunk does not exist
	CheckError                      // the chunk could not be read
)

// Marker returns rclone check's marker for s: "=", "*", "+" or "!".
func (s CheckStatus) Marker() string {
	switch s {
	case CheckOK:
		return "="
	case CheckDiffers:
		return "*"
	case CheckMissing:
		return "+"
	default:
		return "!"
	}
}

func (s CheckStatus) String() string {
	switch s {
	case CheckOK:
		return "ok"
	case CheckDiffers:
		return "differs"
	case CheckMissing:
		return "missing"
	default:
		return "error"
	}
}

// StatusOf classifies the error of a chunk's fetch or check.
func StatusOf(err error) CheckStatus {
	var de *DigestError
	switch {
	case err == nil:
		return CheckOK
	case errors.As(err, &de) && de.Reason == ReasonMissing:
		return CheckMissing
	case errors.As(err, &de):
		return CheckDiffers
	default:
		return CheckError
	}
}

// ChunkChecker fetches stored chunks and checks them against their IDs and
// sizes, from several goroutines at once.
type ChunkChecker struct{ dec frameDecoder }

// NewChunkChecker returns a checker for up to concurrency goroutines.
func NewChunkChecker(concurrency int) (*ChunkChecker, error) {
	dec, err := newFrameDecoder(concurrency)
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return &ChunkChecker{dec: dec}, nil
}

// Fetch reads the stored frame of chunk ref with fetch and checks that it
// decompresses to ref.Size bytes whose SHA-256 is ref.ID; it returns the
// frame as stored (to copy it elsewhere unchanged). A chunk that is missing
// or does not match is a *DigestError.
func (c *ChunkChecker) Fetch(ctx context.Context, ref ChunkRef, fetch ChunkFetch) ([]byte, error) {
	frame, err := fetchFrame(ctx, ref, fetch)
	if err != nil {
		return nil, err
	}
	data, err := decodeChunk(c.dec, ref, frame)
	if err != nil {
		return nil, err
	}
	putBuf(data)
	return frame, nil
}

// Release gives back the memory of a frame Fetch returned, for the next
// Fetch to reuse; frame must not be used after.
func (c *ChunkChecker) Release(frame []byte) { putBuf(frame) }

// Close releases the checker's decoder.
func (c *ChunkChecker) Close() { c.dec.close() }
