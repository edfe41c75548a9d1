package providers

import (
	"context"
	"errors"

	"github.com/rclone/rclone/fs"
)

// ErrCantMove is returned (wrapped) by MoveDir and Move when the backend
// cannot do the move on the server. strata never moves by downloading and
// uploading again.
var ErrCantMove = errors.New("the backend cannot move this on the server")

// MoveDir renames the directory src to dst in one server-side operation
// (rclone's DirMove: local, SFTP), making dst's missing parents. It fails
// with ErrCantMove when the backend has no directory rename (object stores)
// or dst already exists: move object by object with Move then.
func (s *store) MoveDir(ctx context.Context, src, dst string) error {
	ctx = s.with(ctx)
	sp, err := cleanPath(src)
	if err != nil {
		return s.errorf("move dir", src, err)
	}
	dp, err := cleanPath(dst)
	if err != nil {
		return s.errorf("move dir to", dst, err)
	}
	if err := s.attached(ctx); err != nil {
		return s.errorf("move dir to", dst, err)
	}
	dirMove := s.f.Features().DirMove
	if dirMove == nil {
		return s.errorf("move dir", src, ErrCantMove)
	}
	if err := s.perm.prepare(ctx, dp); err != nil {
		return s.errorf("move dir to", dst, err)
	}
	err = dirMove(ctx, s.f, sp, dp)
	if errors.Is(err, fs.ErrorCantDirMove) || errors.Is(err, fs.ErrorDirExists) {
		err = errors.Join(ErrCantMove, err)
	}
	if err != nil {
		return s.errorf("move dir", src, err)
	}
	s.pruneParents(ctx, sp)
	return nil
}

// Move moves the object src to dst on the server, replacing dst: a rename
// where the backend has one, else a server-side copy then the deletion of
// src (object stores); ErrCantMove when it has neither.
func (s *store) Move(ctx context.Context, src, dst string) error {
	ctx = s.with(ctx)
	dp, err := cleanPath(dst)
	if err != nil {
		return s.errorf("move to", dst, err)
	}
	if err := s.attached(ctx); err != nil {
		return s.errorf("move to", dst, err)
	}
	o, err := s.object(ctx, "move", src)
	if err != nil {
		return err
	}
	if err := s.perm.prepare(ctx, dp); err != nil {
		return s.errorf("move to", dst, err)
	}
	features := s.f.Features()
	if features.Move != nil {
		_, err := features.Move(ctx, o, dp)
		if !errors.Is(err, fs.ErrorCantMove) {
			return s.errorf("move", src, err)
		}
	}
	if features.Copy == nil {
		return s.errorf("move", src, ErrCantMove)
	}
	if _, err := features.Copy(ctx, o, dp); err != nil {
		return s.errorf("move", src, err)
	}
	return s.errorf("move (delete after copy)", src, o.Remove(ctx))
}
