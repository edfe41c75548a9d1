package providers

import (
	"context"
	"reflect"
	"time"

	"github.com/rclone/rclone/backend/crypt"
	rsftp "github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/lib/pacer"
)

// sftpDefaults are rclone sftp options strata sets for its own use: each
// turns off work on the server whose result strata never uses. A value the
// remote sets anywhere — the destination's options, the connection string,
// its rclone.conf section, the environment — wins.
//
//   - shell_type: otherwise rclone runs a command on the server at every
//     connection to guess its shell (a login shell started: 150 ms on the
//     benchmark's server). The shell serves only the checksum commands (off,
//     below) and `df` for free space on a server without the statvfs
//     extension (OpenSSH has it), which assumes a Unix shell.
//   - disable_hashcheck: no md5sum or sha1sum run on the server. strata
//     hashes what it reads with SHA-256, checks the size stored, and reads
//     stored copies back as the tier's verify policy says. rclone would
//     otherwise run two commands to probe for the checksums, and crypt over
//     SFTP would have the server re-read every file it was sent.
//
// chunk_size stays at the 32 KiB every server accepts: 255 KiB saves about a
// tenth of the CPU against OpenSSH, but the client's concurrent reads take
// every answer for a full one, so a server that answers reads with at most
// 32 KiB (rclone serve sftp) would make every restore fail its digest check.
var sftpDefaults = map[string]string{
	"shell_type":        "unix",
	"disable_hashcheck": "true",
}

// setSFTPDefaults adds to params the sftpDefaults the remote does not set;
// name is the remote's config name (":sftp" when on the fly).
func setSFTPDefaults(info *fs.RegInfo, name string, params configmap.Simple) {
	m := fs.ConfigMap(info.Prefix, info.Options, configName(name), params)
	for k, v := range sftpDefaults {
		if _, set := m.GetPriority(k, configmap.PriorityConfig); !set {
			params[k] = v
		}
	}
}

// configName is the rclone.conf section of a remote name, "" when it is on
// the fly.
func configName(name string) string {
	if len(name) > 0 && name[0] == ':' {
		return ""
	}
	return name
}

// sftpListers is how many directories a walk of an SFTP store reads at once,
// and how many files a purge there deletes at once (rclone's checkers, 8 by
// default). rclone's SFTP backend takes a pooled
// connection for each request in flight and dials a new one when none is
// free: an eight-way walk of a cold pool dialled seven connections to read
// a few directories that take a millisecond each (0.5 s of a 0.8 s daily
// apply on loopback, when rclone's pacer still spaced dials 100 ms apart;
// see quickDials). A dial is an SSH handshake, which costs the server more
// than those reads: two readers keep a second connection for the transfer
// that follows and cost one dial.
const sftpListers = 2

// withSFTPListers is ctx with walks bounded to sftpListers readers.
func withSFTPListers(ctx context.Context) context.Context {
	ctx, ci := fs.AddConfig(ctx)
	ci.Checkers = sftpListers
	return ctx
}

// SSH connections. rclone's SFTP backend keeps a pool of connections and
// dials a new one whenever every pooled one is busy, through its pacer: at
// most one dial every 100 ms. A transfer with eight chunks in flight thus
// took 0.6 s to dial its eighth connection (benchmark P11's daily transfer
// of 470 chunks on loopback, whose copying took 0.6 s). strata paces dials
// itself instead: sftpDialGap apart and at most sftpDials in progress at
// once, which keeps the unauthenticated connections below OpenSSH's
// MaxStartups (10 by default: beyond it sshd drops new connections at
// random) however many transfers a destination asks for and however slow
// its link. Errors still back off as rclone's do, up to 2 s between dials.
const (
	sftpDialGap = 10 * time.Millisecond
	sftpDials   = 4
)

// quickDials gives the SFTP Fs f (not yet used: just made) strata's pacing
// of dials, and reports whether it could: this build of rclone's backend
// may have no pacer where strata expects it (TestQuickDials says so), and
// dials are then only slower.
func quickDials(ctx context.Context, f *rsftp.Fs) bool {
	p := fs.NewPacer(ctx, pacer.NewDefault(pacer.MinSleep(sftpDialGap), pacer.MaxSleep(2*time.Second), pacer.DecayConstant(2)))
	p.SetMaxConnections(sftpDials)
	return setUnexportedField(reflect.ValueOf(f).Elem(), "pacer", p)
}

// sftpBase is the SFTP Fs under f (directly or under crypt), or nil.
func sftpBase(f fs.Fs) *rsftp.Fs {
	if cf, ok := f.(*crypt.Fs); ok {
		f = cf.UnWrap()
	}
	b, _ := f.(*rsftp.Fs)
	return b
}
