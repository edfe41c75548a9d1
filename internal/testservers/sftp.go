package testservers

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// SFTP is an OpenSSH sshd serving SFTP on 127.0.0.1, run as the invoking
// user with its own configuration, host key and authorized key.
type SFTP struct {
	Host string // 127.0.0.1
	Port int
	User string
	// KeyFile is the client's private key (no passphrase).
	KeyFile string
	// KnownHosts is a known_hosts file that lists this server's host key.
	KnownHosts string
	// Dir is a directory the tests may use for remote paths (it is on the
	// same machine: tests may look at what the server stored).
	Dir string
	// HostKeyLine is the server's public host key ("ssh-ed25519 AAAA…").
	HostKeyLine string

	// subsystem is the command that serves SFTP ("internal-sftp").
	subsystem string
	p         *process
}

// StartSFTP starts an sshd for the test; it is killed when the test ends.
func StartSFTP(t testing.TB) *SFTP {
	t.Helper()
	return startSFTP(t, false)
}

// StartUnprivilegedSFTP is StartSFTP for a server that file permissions
// hold, so that a test can make a directory unreadable to it. Run by root
// (which reads a chmod 000 directory all the same), sshd still logs in as
// root, but its SFTP server drops to the user nobody (setpriv), and Dir
// belongs to nobody.
func StartUnprivilegedSFTP(t testing.TB) *SFTP {
	t.Helper()
	return startSFTP(t, os.Geteuid() == 0)
}

func startSFTP(t testing.TB, held bool) *SFTP {
	t.Helper()
	sshd, err := lookPath("sshd", "/usr/sbin", "/usr/local/sbin")
	if err != nil {
		unavailable(t, "SFTP test server: %v", err)
	}
	keygen, err := lookPath("ssh-keygen")
	if err != nil {
		unavailable(t, "SFTP test server: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		unavailable(t, "SFTP test server: %v", err)
	}
	base := t.TempDir()
	s := &SFTP{Host: "127.0.0.1", Port: freePort(t), User: u.Username, Dir: filepath.Join(base, "data"), subsystem: "internal-sftp"}
	if held {
		s.holdToPermissions(t)
	}
	if err := s.setup(base, keygen); err != nil {
		unavailable(t, "SFTP test server: %v", err)
	}
	if held {
		UnprivilegedUser(t).Own(t, s.Dir)
	}
	conf := filepath.Join(base, "sshd_config")
	s.p = &process{
		name: "sshd", addr: fmt.Sprintf("127.0.0.1:%d", s.Port), logFile: filepath.Join(base, "sshd.log"),
		command: func() *exec.Cmd { return exec.Command(sshd, "-D", "-e", "-f", conf) },
	}
	if err := s.p.start(); err != nil {
		unavailable(t, "SFTP test server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// setup writes the keys, known_hosts and sshd_config under base.
func (s *SFTP) setup(base, keygen string) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	hostKey, clientKey := filepath.Join(base, "host_ed25519"), filepath.Join(base, "client_ed25519")
	for _, k := range []string{hostKey, clientKey} {
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "strata-test", "-f", k).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh-keygen: %v: %s", err, out)
		}
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return err
	}
	fields := strings.Fields(string(hostPub))
	s.HostKeyLine = fields[0] + " " + fields[1]
	s.KeyFile = clientKey
	s.KnownHosts = filepath.Join(base, "known_hosts")
	known := fmt.Sprintf("[%s]:%d %s\n", s.Host, s.Port, s.HostKeyLine)
	if err := os.WriteFile(s.KnownHosts, []byte(known), 0o600); err != nil {
		return err
	}
	if err := copyFile(clientKey+".pub", filepath.Join(base, "authorized_keys")); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		// sshd started by root wants its privilege-separation directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(base, "sshd_config"), []byte(s.config(base, hostKey)), 0o600)
}

func (s *SFTP) config(base, hostKey string) string {
	return fmt.Sprintf(`# strata test server: loopback only, keys only, no prompts
ListenAddress 127.0.0.1
Port %d
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel ERROR
MaxStartups 100
MaxSessions 100
Subsystem sftp %s
`, s.Port, hostKey, filepath.Join(base, "sshd.pid"), filepath.Join(base, "authorized_keys"), s.subsystem)
}

// holdToPermissions makes the server's SFTP subsystem run as the user
// nobody instead of root.
func (s *SFTP) holdToPermissions(t testing.TB) {
	t.Helper()
	setpriv, err := lookPath("setpriv", "/usr/bin", "/bin")
	if err != nil {
		unavailable(t, "SFTP test server held to permissions: %v", err)
	}
	server, err := lookPath("sftp-server", "/usr/lib/openssh", "/usr/libexec/openssh", "/usr/libexec", "/usr/lib/ssh")
	if err != nil {
		unavailable(t, "SFTP test server held to permissions: %v", err)
	}
	u := UnprivilegedUser(t)
	s.subsystem = fmt.Sprintf("%s --reuid=%d --regid=%d --clear-groups %s", setpriv, u.Cred.Uid, u.Cred.Gid, server)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// Remote is an on-the-fly rclone remote for path under Dir (path may be
// empty), with the user and port; the key and known_hosts file are given
// separately (Options, KnownHosts) as a strata destination would.
func (s *SFTP) Remote(path string) string {
	return fmt.Sprintf(":sftp,host=%s,port=%d,user=%s:%s", s.Host, s.Port, s.User, filepath.Join(s.Dir, path))
}

// Options are the rclone backend options that authenticate with the key.
func (s *SFTP) Options() map[string]string {
	return map[string]string{"key_file": s.KeyFile}
}

// Stop kills the server (like a crash); Start brings it back.
func (s *SFTP) Stop() { s.p.stop() }

// Start restarts a stopped server on the same port with the same keys.
func (s *SFTP) Start() error { return s.p.start() }
