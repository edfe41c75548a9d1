package providers_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// A removable store writes nothing while its root carries no marker — not
// even its root — and writes once the marker is there: a drive pulled
// between the plan and a write must not fill its empty mount point.
func TestRemovableWritesOnlyWithTheMarker(t *testing.T) {
	ctx := context.Background()
	mount := t.TempDir() // the empty mount point of a drive not attached
	dir := filepath.Join(mount, "strata")
	src := open(t, providers.Config{Name: "src", Remote: t.TempDir()})
	if _, err := src.Write(ctx, "a", bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	s := open(t, providers.Config{Name: "usb-a", Remote: dir, Removable: true})
	if d, ok := s.(providers.Detachable); !ok || !d.Removable() {
		t.Fatal("the store does not say it is removable")
	}
	writes := map[string]func() error{
		"write":    func() error { _, err := s.Write(ctx, "app/x", bytes.NewReader([]byte("x")), 1); return err },
		"copy":     func() error { return s.Copy(ctx, src, "a", "app/a") },
		"move":     func() error { return s.Move(ctx, "app/x", "app/y") },
		"move dir": func() error { return s.MoveDir(ctx, "app", "app2") },
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, providers.ErrDetached) {
			t.Errorf("%s to a detached store: %v, want ErrDetached", name, err)
		}
	}
	if entries, _ := os.ReadDir(mount); len(entries) != 0 {
		t.Fatalf("a detached store wrote into its mount point: %v", entries)
	}
	marker := filepath.Join(dir, filepath.FromSlash(snapshot.MarkerPath))
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte(`{"destination":"usb-a"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(ctx, "app/x", bytes.NewReader([]byte("x")), 1); err != nil {
		t.Errorf("write with the marker there: %v", err)
	}
}

// A removable store writes nothing to a root whose marker names another
// destination (drive B mounted where A is expected): the error names both.
// Remembering the marker it last checked does not hide a drive swapped
// back in.
func TestRemovableWritesOnlyToItsOwnDrive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, filepath.FromSlash(snapshot.MarkerPath))
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(dest string, at time.Time) {
		t.Helper()
		m, err := snapshot.NewMarker(dest, "test", at)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(marker, m.Encode(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(marker, at, at); err != nil {
			t.Fatal(err)
		}
	}
	a := open(t, providers.Config{Name: "usb-a", Remote: dir, Removable: true})
	wr := func() error { _, err := a.Write(ctx, "app/x", bytes.NewReader([]byte("x")), 1); return err }
	refused := func(when string) {
		t.Helper()
		err := wr()
		if !errors.Is(err, providers.ErrDetached) || !strings.Contains(err.Error(), `"usb-b"`) || !strings.Contains(err.Error(), `"usb-a"`) {
			t.Fatalf("write to usb-a with drive usb-b's marker %s: %v, want ErrDetached naming both", when, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "app")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("usb-a wrote onto drive usb-b %s (%v)", when, err)
		}
	}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	put("usb-b", t0)
	refused("at its root")
	put("usb-a", t0.Add(time.Hour))
	if err := wr(); err != nil {
		t.Fatalf("write with its own marker: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "app")); err != nil {
		t.Fatal(err)
	}
	put("usb-b", t0)
	refused("swapped back in")
}
