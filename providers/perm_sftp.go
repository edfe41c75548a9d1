package providers

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net"
	"os"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/pkg/sftp"
	rsftp "github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"
	"golang.org/x/crypto/ssh"
)

// sftpPerm sets modes over SFTP. rclone's SFTP backend creates files and
// directories without a mode (the server's umask decides: 0644 and 0755 on
// a stock OpenSSH) and has no way to change one, so strata keeps a second
// SFTP session to the same server, opened with the very SSH client
// configuration rclone built for the destination (its authentication,
// host-key check, algorithms and connect timeout): no second reading of the
// options that could drift from rclone's. The session is closed after a
// while without use and opened again when needed.
type sftpPerm struct {
	addr      string
	config    *ssh.ClientConfig
	subsystem string
	command   string

	mu     sync.Mutex
	conn   *ssh.Client
	client *sftp.Client
	idle   *time.Timer
}

// sftpIdleClose is how long an unused mode session stays open.
const sftpIdleClose = 30 * time.Second

// newSFTPPerm takes what it needs from the rclone SFTP Fs f. An SFTP
// destination reached through an external ssh command or a proxy is
// refused: strata could not set its modes, and saying so beats writing
// backups every user of the server may read.
func newSFTPPerm(f *rsftp.Fs) (*sftpPerm, error) {
	v := reflect.ValueOf(f).Elem()
	config, ok1 := unexportedField[*ssh.ClientConfig](v, "config")
	opt, ok2 := unexportedField[rsftp.Options](v, "opt")
	if !ok1 || !ok2 || config == nil {
		return nil, errors.New("cannot set file modes over SFTP with this build of rclone (its SFTP backend changed): " +
			"strata must be rebuilt against an rclone it knows")
	}
	switch {
	case len(opt.SSH) > 0:
		return nil, errors.New("strata cannot set file modes over an external ssh command (rclone's ssh option): " +
			"give the destination host, user and key_file instead")
	case opt.SocksProxy != "" || opt.HTTPProxy != "":
		return nil, errors.New("strata cannot set file modes through a proxy (rclone's socks_proxy, http_proxy): " +
			"reach the server directly")
	}
	subsystem := opt.Subsystem
	if subsystem == "" {
		subsystem = "sftp"
	}
	return &sftpPerm{addr: opt.Host + ":" + opt.Port, config: config,
		subsystem: subsystem, command: opt.ServerCommand}, nil
}

// unexportedField reads the field name of the struct v, of type T. It
// returns false when there is no such field of that type.
func unexportedField[T any](v reflect.Value, name string) (T, bool) {
	var zero T
	f, ok := fieldOf[T](v, name)
	if !ok {
		return zero, false
	}
	return f.Interface().(T), true
}

// setUnexportedField sets the field name of the struct v to x when it is
// of x's type, and reports whether it did.
func setUnexportedField[T any](v reflect.Value, name string, x T) bool {
	f, ok := fieldOf[T](v, name)
	if ok {
		f.Set(reflect.ValueOf(x))
	}
	return ok
}

// fieldOf is the field name of the struct v, of type T, made readable and
// settable; false when there is no such field of that type.
func fieldOf[T any](v reflect.Value, name string) (reflect.Value, bool) {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() || !f.CanAddr() {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}

func (s *sftpPerm) isDir(ctx context.Context, p string) (bool, error) {
	var dir bool
	err := s.do(ctx, func(c *sftp.Client) error {
		fi, err := c.Lstat(p)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			return nil
		case err != nil:
			return err
		}
		dir = fi.IsDir()
		return nil
	})
	return dir, err
}

// mkdir makes p, then sets its mode. An SFTP mkdir carries no mode, so p is
// open as the server's umask says for one round trip, empty: nothing is
// written into it before its mode is set. (The group is the server's
// business: a setgid destination root hands its group down.)
func (s *sftpPerm) mkdir(ctx context.Context, p string, mode os.FileMode, _ int) error {
	return s.do(ctx, func(c *sftp.Client) error {
		if err := c.Mkdir(p); err != nil {
			if fi, serr := c.Lstat(p); serr == nil && fi.IsDir() {
				return fmt.Errorf("%s: %w", p, iofs.ErrExist) // made meanwhile, by another writer
			}
			return err
		}
		return c.Chmod(p, mode)
	})
}

func (s *sftpPerm) chmod(ctx context.Context, p string, mode os.FileMode, _ int) error {
	return s.do(ctx, func(c *sftp.Client) error { return c.Chmod(p, mode) })
}

// rename uses OpenSSH's posix-rename, which replaces an existing to (a
// plain SFTP rename refuses to); a server without it gets an error, and the
// caller falls back on rclone's Move.
func (s *sftpPerm) rename(ctx context.Context, from, to string) error {
	return s.do(ctx, func(c *sftp.Client) error { return c.PosixRename(from, to) })
}

// do runs op on the session, bounded by ctx and by the destination's idle
// timeout: a server that stops answering ends the session.
func (s *sftpPerm) do(ctx context.Context, op func(*sftp.Client) error) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	limit := time.Duration(fs.GetConfig(ctx).Timeout)
	if limit <= 0 {
		limit = 5 * time.Minute
	}
	done := make(chan error, 1)
	go func() { done <- op(c) }()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil && errors.Is(err, sftp.ErrSSHFxConnectionLost) {
			s.drop(c)
		}
		return err
	case <-ctx.Done():
		s.drop(c)
		return ctx.Err()
	case <-t.C:
		s.drop(c)
		return fmt.Errorf("the SFTP server did not answer in %v", limit)
	}
}

// connect returns the open session, opening one if needed.
func (s *sftpPerm) connect(ctx context.Context) (*sftp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		s.idle.Reset(sftpIdleClose)
		return s.client, nil
	}
	conn, client, err := s.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening an SFTP session to set modes: %w", err)
	}
	s.conn, s.client = conn, client
	s.idle = time.AfterFunc(sftpIdleClose, func() { s.drop(client) })
	return client, nil
}

// dial opens an SSH connection and an SFTP session on it, within the
// connect timeout.
func (s *sftpPerm) dial(ctx context.Context) (*ssh.Client, *sftp.Client, error) {
	limit := s.config.Timeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	d := net.Dialer{Timeout: limit}
	nc, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(limit))
	cc, chans, reqs, err := ssh.NewClientConn(nc, s.addr, s.config)
	if err != nil {
		_ = nc.Close()
		return nil, nil, err
	}
	conn := ssh.NewClient(cc, chans, reqs)
	client, err := s.session(conn)
	if err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	return conn, client, nil
}

// session starts the SFTP server the way rclone does: its subsystem, or
// its server_command.
func (s *sftpPerm) session(conn *ssh.Client) (*sftp.Client, error) {
	sess, err := conn.NewSession()
	if err != nil {
		return nil, err
	}
	w, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if s.command != "" {
		err = sess.Start(s.command)
	} else {
		err = sess.RequestSubsystem(s.subsystem)
	}
	if err != nil {
		return nil, err
	}
	return sftp.NewClientPipe(r, w)
}

// drop closes the session c, if it is still the open one.
func (s *sftpPerm) drop(c *sftp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != c || c == nil {
		return
	}
	_ = s.client.Close()
	_ = s.conn.Close()
	s.idle.Stop()
	s.client, s.conn = nil, nil
}
