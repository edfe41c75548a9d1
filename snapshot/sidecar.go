package snapshot

import (
	"bytes"
	"fmt"
	"strings"
)

// Sidecar returns the contents of SidecarName for pieces, in the format of
// `sha256sum`: one "<hex>  <name>" line per piece, so that
// `sha256sum -c data.tar.zst.sha256` run in the snapshot directory checks the
// archive without strata.
func Sidecar(pieces []Piece) []byte {
	var b bytes.Buffer
	for _, p := range pieces {
		fmt.Fprintf(&b, "%s  %s\n", p.SHA256, p.Name)
	}
	return b.Bytes()
}

// ParseSidecar parses a sidecar into a map from piece name to hex digest.
// It accepts sha256sum's text ("  ") and binary (" *") separators.
func ParseSidecar(b []byte) (map[string]string, error) {
	sums := make(map[string]string)
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		sum, name, err := parseSidecarLine(line)
		if err != nil {
			return nil, fmt.Errorf("sidecar line %d: %w", i+1, err)
		}
		if _, dup := sums[name]; dup {
			return nil, fmt.Errorf("sidecar line %d: %s listed twice", i+1, name)
		}
		sums[name] = sum
	}
	return sums, nil
}

func parseSidecarLine(line string) (sum, name string, err error) {
	const hexLen = 64
	if len(line) < hexLen+3 || line[hexLen] != ' ' || (line[hexLen+1] != ' ' && line[hexLen+1] != '*') {
		return "", "", fmt.Errorf("want \"<sha256>  <name>\", got %q", line)
	}
	sum, name = strings.ToLower(line[:hexLen]), line[hexLen+2:]
	if !isHexDigest(sum) {
		return "", "", fmt.Errorf("invalid sha256 %q", line[:hexLen])
	}
	return sum, name, nil
}
