package snapshot

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// FormatVersion is the version of the manifest format written by this strata.
const FormatVersion = 1

// Manifest describes one complete snapshot; its presence commits the snapshot.
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
	Pieces        []Piece           `json:"pieces"`
	Size          int64             `json:"size"`   // bytes of the whole archive
	SHA256        string            `json:"sha256"` // hex digest of the whole archive
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

// Piece is one stored piece of the archive.
type Piece struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Marshal encodes the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	return json.MarshalIndent(m, "", "  ")
}

// ParseManifest decodes and checks a manifest: a supported format version,
// pieces named as PieceName names them, hex SHA-256 digests, and piece sizes
// that add up to the archive size.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.FormatVersion < 1 || m.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("manifest: unsupported format_version %d", m.FormatVersion)
	}
	if err := checkPieces(m.Pieces, m.Size); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if !isHexDigest(m.SHA256) {
		return nil, fmt.Errorf("manifest: invalid sha256 %q", m.SHA256)
	}
	return &m, nil
}

// checkPieces checks the names, sizes and digests of an archive's pieces.
func checkPieces(pieces []Piece, total int64) error {
	if len(pieces) == 0 {
		return fmt.Errorf("no pieces")
	}
	split := pieces[0].Name != ArchiveName
	var sum int64
	for i, p := range pieces {
		if want := PieceName(i, split); p.Name != want {
			return fmt.Errorf("piece %d is named %q, want %q", i, p.Name, want)
		}
		if p.Size < 0 || sum+p.Size < sum {
			return fmt.Errorf("piece %s: invalid size %d", p.Name, p.Size)
		}
		if !isHexDigest(p.SHA256) {
			return fmt.Errorf("piece %s: invalid sha256 %q", p.Name, p.SHA256)
		}
		sum += p.Size
	}
	if sum != total {
		return fmt.Errorf("pieces add up to %d bytes, size says %d", sum, total)
	}
	return nil
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
