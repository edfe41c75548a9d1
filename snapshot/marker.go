package snapshot

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// MarkerPath is the marker of a destination, relative to its root, written
// by `strata init`: a removable destination is written only while its root
// carries the marker with its own name (DESIGN.md §2).
const MarkerPath = StrataDir + "/destination.json"

// MaxMarkerSize bounds what is read of a marker.
const MaxMarkerSize = 64 << 10

// Marker is the content of .strata/destination.json.
type Marker struct {
	// Destination is the name of the destination the root belongs to.
	Destination string `json:"destination"`
	// ID tells two drives of the same name apart (random, 128 bits, hex).
	ID            string    `json:"id"`
	Created       time.Time `json:"created"`
	StrataVersion string    `json:"strata_version"`
}

// NewMarker returns the marker of a new destination root.
func NewMarker(destination, version string, now time.Time) (Marker, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Marker{}, err
	}
	return Marker{Destination: destination, ID: hex.EncodeToString(b), Created: now.UTC().Truncate(time.Second), StrataVersion: version}, nil
}

// Encode is the marker as written: indented JSON ending in a newline.
func (m Marker) Encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ParseMarker decodes a marker; one without a destination name is an error.
func ParseMarker(b []byte) (Marker, error) {
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil {
		return Marker{}, fmt.Errorf("%s is not a strata marker: %v", MarkerPath, err)
	}
	if m.Destination == "" {
		return Marker{}, fmt.Errorf("%s names no destination", MarkerPath)
	}
	return m, nil
}
