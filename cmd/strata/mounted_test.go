package main

import "testing"

// The kernel writes a space in a mount point as \040.
func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/media/usb`: "/media/usb", `/media/my\040drive`: "/media/my drive", `/x\04`: `/x\04`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
