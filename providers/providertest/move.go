package providertest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stratabackup/strata/providers"
)

// testMove: Move re-homes one object, replacing what is there; MoveDir
// renames a whole directory where the backend can, and says ErrCantMove
// where it cannot or the target exists, leaving both untouched.
func testMove(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	b := Data(7, 300<<10)
	Write(t, s, "old/2026/a", b)
	Write(t, s, "old/2026/b", []byte("b"))
	Write(t, s, "new/2026/b", []byte("stale"))
	if err := s.Move(ctx, "old/2026/b", "new/2026/b"); err != nil {
		t.Fatalf("Move: %v", err)
	}
	if got := Read(t, s, "new/2026/b"); string(got) != "b" {
		t.Fatalf("moved object reads %q", got)
	}
	err := s.MoveDir(ctx, "old/2026", "new/2026")
	if !errors.Is(err, providers.ErrCantMove) {
		t.Fatalf("MoveDir onto an existing directory: %v, want ErrCantMove", err)
	}
	err = s.MoveDir(ctx, "old/2026", "other/x/2026")
	switch {
	case errors.Is(err, providers.ErrCantMove):
		if err := s.Move(ctx, "old/2026/a", "other/x/2026/a"); err != nil {
			t.Fatalf("Move: %v", err)
		}
	case err != nil:
		t.Fatalf("MoveDir: %v", err)
	}
	if got := Read(t, s, "other/x/2026/a"); !bytes.Equal(got, b) {
		t.Fatal("wrong content after the move")
	}
	CheckSizes(t, s, map[string]int64{"other/x/2026/a": int64(len(b)), "new/2026/b": 1})
	if err := s.Move(ctx, "old/2026/missing", "x"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Move of a missing object: %v, want ErrNotFound", err)
	}
}
