package snapshot

// Format 2: a snapshot as content-defined chunks, stored once per destination.
//
// The pieces (DESIGN.md §2):
//
//   - The tar stream. The archiver writes the sources as one PAX tar stream
//     in a deterministic order, exactly as for format 1.
//   - The cut. The stream is cut into content-defined chunks by a frozen,
//     versioned, unkeyed FastCDC variant (ChunkerVersion, from
//     github.com/PlakarKorp/go-cdc-chunkers). The cut is file-aware: the
//     archiver tells where each regular file's content lies (ContentSpan)
//     before any of it is read, and the content of a file of at least
//     LargeFileSize bytes is cut on its own, with a boundary where it starts
//     and where it ends and large parameters (LargeCut); the rest of the
//     stream — tar headers, padding and small files — is cut with small
//     ones (SmallCut). No chunk exceeds MaxChunkSize. Chunker names the
//     algorithm and every parameter; the manifest records it, and any change
//     to it is a new chunker version (old chunks stay valid).
//   - Chunks. A chunk's ID is the SHA-256 of its uncompressed bytes; it is
//     stored as one zstd frame at ChunkPath(id), relative to the destination
//     root, shared by every application, tier and host writing there.
//   - chunks.txt (ChunkListName): the stream as "<sha256> <size>\n" lines in
//     stream order (FormatChunkList, ParseChunkList).
//   - data.tar.sha256 (StreamSumName): "<sha256 of the whole stream>  -\n",
//     which `sha256sum -c` checks against its standard input
//     (FormatStreamSum, ParseStreamSum).
//
// Because concatenated zstd frames are one zstd stream, a snapshot restores
// without strata, in the destination root:
//
//	awk '{print ".strata/chunks/" substr($1,1,2) "/" $1 ".zst"}' APP/…/chunks.txt |
//	  xargs cat | zstd -dc | tee >(sha256sum -c APP/…/data.tar.sha256 >&2) | tar -x
//
// (sha256sum's verdict goes to stderr: its stdout would be tee's, the pipe
// into tar.)
//
// WriteChunks archives, cuts, hashes, compresses and hands to a ChunkSink
// only the chunks the destination lacks, in one pass on every core.
// ReadChunks fetches a snapshot's chunks in parallel, checks each against
// its ID and size and the whole stream against its digest, and yields the
// tar stream.
//
// What the executor must do to use them:
//
//  1. Build a ChunkSet from the chunks.txt of the complete snapshots (those
//     with a manifest.json) already at the destination: gc never deletes a
//     chunk that any chunks.txt references, so they are present. Its
//     ChunkSink.Has answers from that set first and asks the store (in
//     parallel: WriteChunks calls Has from several goroutines) only for the
//     rest; it never lists the chunk store, which is gc's job.
//  2. Put writes each chunk under a temporary name and makes it visible only
//     complete, at ChunkPath(id).
//  3. Once WriteChunks has returned without error — every chunk it names is
//     then present — write chunks.txt and data.tar.sha256 into the snapshot
//     directory, and manifest.json last (with Chunker, the chunk count, the
//     logical size, the bytes added and the stream digest): its presence is
//     the commit marker, so a crash before it leaves an incomplete snapshot
//     and, at worst, unreferenced chunks for gc.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// The names of format 2 on storage.
const (
	ChunkDir      = ".strata/chunks"  // the chunk store, relative to the destination root
	ChunkListName = "chunks.txt"      // in the snapshot directory: the chunk list
	StreamSumName = "data.tar.sha256" // in the snapshot directory: the stream's digest
)

// MaxChunkSize is the largest chunk the format allows.
const MaxChunkSize = 4 << 20

// ChunkID is the SHA-256 of a chunk's uncompressed bytes.
type ChunkID [sha256.Size]byte

// String returns the ID in lower-case hex, its name on storage.
func (id ChunkID) String() string { return hex.EncodeToString(id[:]) }

// ParseChunkID parses a lower-case hex SHA-256.
func ParseChunkID(s string) (ChunkID, error) {
	var id ChunkID
	if !isHexDigest(s) {
		return id, fmt.Errorf("invalid chunk ID %q: want 64 lower-case hex digits", s)
	}
	hex.Decode(id[:], []byte(s))
	return id, nil
}

// ChunkPath is where chunk id is stored, relative to the destination root:
// ".strata/chunks/<first 2 hex>/<sha256>.zst".
func ChunkPath(id ChunkID) string {
	h := id.String()
	return ChunkDir + "/" + h[:2] + "/" + h + ".zst"
}

// ChunkRef is one chunk of a stream: its ID and uncompressed size.
type ChunkRef struct {
	ID   ChunkID
	Size int64
}

// ChunkList is a snapshot's stream as chunks: what chunks.txt and
// data.tar.sha256 hold together.
type ChunkList struct {
	Chunks []ChunkRef
	SHA256 string // hex digest of the whole stream
	// Sealed says Chunks matched the digest of chunks.txt that the
	// snapshot's manifest records (Manifest.ChunksSHA256). Then chunks that
	// each match their ID make up the stream SHA256 names, and ReadChunks
	// does not hash the stream again: a second SHA-256 over every byte that
	// would prove nothing more.
	Sealed bool
}

// Size is the length of the whole stream.
func (l ChunkList) Size() int64 {
	var n int64
	for _, c := range l.Chunks {
		n += c.Size
	}
	return n
}

// FormatChunkList returns the contents of chunks.txt for chunks: one
// "<sha256> <size>\n" line per chunk, in stream order.
func FormatChunkList(chunks []ChunkRef) []byte {
	b := make([]byte, 0, len(chunks)*(2*sha256.Size+10))
	for _, c := range chunks {
		b = appendChunkLine(b, c)
	}
	return b
}

// appendChunkLine appends c's line of chunks.txt to b.
func appendChunkLine(b []byte, c ChunkRef) []byte {
	b = hex.AppendEncode(b, c.ID[:])
	b = append(b, ' ')
	b = strconv.AppendInt(b, c.Size, 10)
	return append(b, '\n')
}

// ChunkListDigest is the hex SHA-256 of FormatChunkList(chunks), computed
// a line at a time (a large list is never formatted whole).
func ChunkListDigest(chunks []ChunkRef) string {
	h := sha256.New()
	line := make([]byte, 0, 2*sha256.Size+24)
	for _, c := range chunks {
		line = appendChunkLine(line[:0], c)
		h.Write(line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ParseChunkList parses chunks.txt strictly: at least one line, every line
// "<64 lower-case hex> <size>" ended by "\n", with a decimal size from 1 to
// MaxChunkSize without sign or leading zeros. Errors name the line.
func ParseChunkList(b []byte) ([]ChunkRef, error) {
	if len(b) == 0 {
		return nil, errors.New(ChunkListName + ": empty")
	}
	if b[len(b)-1] != '\n' {
		return nil, errors.New(ChunkListName + ": last line does not end with a newline")
	}
	lines := bytes.Count(b, []byte{'\n'})
	chunks := make([]ChunkRef, 0, lines)
	for i := 1; len(b) > 0; i++ {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		c, err := parseChunkLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", ChunkListName, i, err)
		}
		chunks = append(chunks, c)
		b = rest
	}
	return chunks, nil
}

func parseChunkLine(line []byte) (ChunkRef, error) {
	const hexLen = 2 * sha256.Size
	if len(line) < hexLen+2 || line[hexLen] != ' ' {
		return ChunkRef{}, fmt.Errorf("want \"<sha256> <size>\", got %q", line)
	}
	id, err := ParseChunkID(string(line[:hexLen]))
	if err != nil {
		return ChunkRef{}, err
	}
	size, err := parseChunkSize(line[hexLen+1:])
	if err != nil {
		return ChunkRef{}, err
	}
	return ChunkRef{ID: id, Size: size}, nil
}

// parseChunkSize parses a canonical decimal size in [1, MaxChunkSize].
func parseChunkSize(s []byte) (int64, error) {
	if len(s) == 0 || len(s) > 8 || s[0] == '0' {
		return 0, fmt.Errorf("invalid chunk size %q", s)
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid chunk size %q", s)
		}
		n = n*10 + int64(c-'0')
	}
	if n > MaxChunkSize {
		return 0, fmt.Errorf("chunk size %d exceeds the maximum %d", n, MaxChunkSize)
	}
	return n, nil
}

// FormatStreamSum returns the contents of data.tar.sha256 for the stream
// digest sum: "<sum>  -\n", so that `sha256sum -c` checks its standard input.
func FormatStreamSum(sum string) []byte {
	return []byte(sum + "  -\n")
}

// ParseStreamSum parses data.tar.sha256 strictly: exactly what
// FormatStreamSum writes.
func ParseStreamSum(b []byte) (string, error) {
	const hexLen = 2 * sha256.Size
	s := string(b)
	if len(s) != hexLen+4 || s[hexLen:] != "  -\n" {
		return "", fmt.Errorf("%s: want \"<sha256>  -\\n\", got %q", StreamSumName, truncateForError(s))
	}
	if !isHexDigest(s[:hexLen]) {
		return "", fmt.Errorf("%s: invalid sha256 %q", StreamSumName, s[:hexLen])
	}
	return s[:hexLen], nil
}

// truncateForError keeps an error about bad input short.
func truncateForError(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
