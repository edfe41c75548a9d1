package snapshot

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FormatVersion is the version of the manifest format written by this
// strata: format 2, content-defined chunks (chunks.go). Format 1 (one whole
// data.tar.zst per snapshot) is no longer read.
const FormatVersion = 2

// Manifest describes one complete snapshot; its presence commits the
// snapshot. The chunks themselves are listed in chunks.txt, and the stream's
// digest is in data.tar.sha256 too: the manifest does not repeat the list.
type Manifest struct {
	FormatVersion int               `json:"format_version"`
	App           string            `json:"app"`
	Labels        map[string]string `json:"labels,omitempty"`
	ID            ID                `json:"id"`
	Host          string            `json:"host"`
	StrataVersion string            `json:"strata_version"`
	Created       time.Time         `json:"created"`
	Duration      float64           `json:"duration_seconds"`
	Source        SourceSummary     `json:"source"`
	Compression   string            `json:"compression"` // "zstd"
	Encryption    string            `json:"encryption"`  // "none" or "rclone-crypt"
	Chunker       string            `json:"chunker"`     // Chunker(): the cut's algorithm and parameters
	Chunks        int               `json:"chunks"`      // lines of chunks.txt
	Size          int64             `json:"size"`        // bytes of the whole tar stream (the logical size)
	// Added is the compressed bytes this snapshot stored at the destination
	// where it was made (the chunks it was the first to need there);
	// AddedChunks how many chunks that was.
	Added       int64  `json:"bytes_added"`
	AddedChunks int    `json:"chunks_added"`
	SHA256      string `json:"sha256"` // hex digest of the whole tar stream
	// ChunksSHA256 is the hex digest of chunks.txt as written (absent in
	// manifests written before strata recorded it). It seals the list: a
	// list that matches it, of chunks that each match their ID, is the
	// stream that SHA256 names, so a restore need not hash the stream
	// again (ChunkList.Sealed).
	ChunksSHA256 string `json:"chunks_sha256,omitempty"`
	// Warnings say what the snapshot left out or kept imperfectly: files that
	// changed, shrank, grew or vanished while read, unreadable or skipped paths.
	Warnings []string `json:"warnings,omitempty"`
}

// SourceSummary is the history record of a snapshot.
type SourceSummary struct {
	Paths []string `json:"paths"`
	Files int64    `json:"files"` // regular files and symlinks
	// Symlinks is how many of Files are symlinks (absent in manifests
	// written before strata counted them apart).
	Symlinks int64    `json:"symlinks,omitempty"`
	Dirs     int64    `json:"dirs"`            // directories
	Bytes    int64    `json:"bytes"`           // sum of the sizes of regular files
	Hooks    []string `json:"hooks,omitempty"` // names of the hooks whose output is under hooks/
}

// Marshal encodes the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	return json.MarshalIndent(m, "", "  ")
}

// ErrFormat1 is what ParseManifest returns (wrapped) for a manifest of
// format 1, which this strata no longer reads.
var ErrFormat1 = errors.New("format 1 (one whole " + Format1Archive + " per snapshot) is no longer read by strata")

// ParseManifest decodes and checks a manifest: format version 2, a chunker,
// at least one chunk, a non-negative size and added bytes, a hex SHA-256.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	switch {
	case m.FormatVersion == 1:
		return nil, fmt.Errorf("manifest: %w", ErrFormat1)
	case m.FormatVersion != FormatVersion:
		return nil, fmt.Errorf("manifest: unsupported format_version %d", m.FormatVersion)
	case m.Chunker == "":
		return nil, errors.New("manifest: no chunker")
	case m.Chunks < 1 || m.AddedChunks < 0 || m.AddedChunks > m.Chunks:
		return nil, fmt.Errorf("manifest: invalid chunk counts %d (added %d)", m.Chunks, m.AddedChunks)
	case m.Size < 0 || m.Added < 0:
		return nil, fmt.Errorf("manifest: invalid size %d or bytes added %d", m.Size, m.Added)
	case !isHexDigest(m.SHA256):
		return nil, fmt.Errorf("manifest: invalid sha256 %q", m.SHA256)
	case m.ChunksSHA256 != "" && !isHexDigest(m.ChunksSHA256):
		return nil, fmt.Errorf("manifest: invalid chunks_sha256 %q", m.ChunksSHA256)
	}
	return &m, nil
}

// CheckList checks that a snapshot's chunks.txt and data.tar.sha256 agree
// with its manifest: the chunk count, the size, the stream digest and, when
// the manifest records one, the digest of chunks.txt itself.
func (m *Manifest) CheckList(l ChunkList) error {
	switch {
	case len(l.Chunks) != m.Chunks:
		return fmt.Errorf("%s lists %d chunks, %s says %d", ChunkListName, len(l.Chunks), ManifestName, m.Chunks)
	case l.Size() != m.Size:
		return fmt.Errorf("%s adds up to %d bytes, %s says %d", ChunkListName, l.Size(), ManifestName, m.Size)
	case l.SHA256 != m.SHA256:
		return fmt.Errorf("%s says %s, %s says %s", StreamSumName, l.SHA256, ManifestName, m.SHA256)
	case m.ChunksSHA256 != "":
		if got := ChunkListDigest(l.Chunks); got != m.ChunksSHA256 {
			return fmt.Errorf("%s has SHA-256 %s, %s says %s (chunks_sha256): the list is damaged",
				ChunkListName, got, ManifestName, m.ChunksSHA256)
		}
	}
	return nil
}

// Format1Recipe is the shell recipe that restores a format-1 snapshot
// directory without strata, run in that directory: split says whether its
// archive is in numbered pieces (data.tar.zst.000, .001, …).
func Format1Recipe(split bool) string {
	pieces := Format1Archive
	if split {
		pieces = Format1Archive + ".[0-9]*"
	}
	return "sha256sum -c " + Format1Archive + ".sha256 && cat " + pieces + " | zstd -dc | tar -x -C TARGET"
}

// isHexDigest reports whether s is a SHA-256 digest in lower-case hex.
func isHexDigest(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
