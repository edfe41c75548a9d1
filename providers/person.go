package providers

import (
	"errors"
	"strings"
)

// NeedsPerson reports whether err is one that retrying cannot fix and only a
// person can: a host key that is unknown, changed or unchecked, or SSH
// credentials the server refused. `watch` stops retrying such an error and
// waits for a configuration change.
func NeedsPerson(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrNoHostKeyCheck) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"knownhosts: key is unknown", "knownhosts: key mismatch", "unable to authenticate"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
