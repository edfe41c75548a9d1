package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sshServer is Debian's OpenSSH sshd run by the bench itself on 127.0.0.1,
// with its own config, host key and authorized key: no system service.
type sshServer struct {
	Port       int
	User       string
	Key        string // client private key
	KnownHosts string
	cmd        *exec.Cmd
}

// startSSHD starts sshd on a free loopback port, with its files under dir.
func startSSHD(dir string) (*sshServer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	s := &sshServer{User: u.Username, Key: filepath.Join(dir, "client_key"), KnownHosts: filepath.Join(dir, "known_hosts")}
	hostKey := filepath.Join(dir, "host_key")
	for _, k := range []string{hostKey, s.Key} {
		os.Remove(k)
		os.Remove(k + ".pub")
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("ssh-keygen: %v: %s", err, out)
		}
	}
	if s.Port, err = freePort(); err != nil {
		return nil, err
	}
	if err := s.writeFiles(dir, hostKey); err != nil {
		return nil, err
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation directory
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		sshd = "/usr/sbin/sshd"
	}
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	log, err := os.Create(filepath.Join(dir, "sshd.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sshd: %w", err)
	}
	if err := waitPort(s.Port, 10*time.Second); err != nil {
		s.stop()
		b, _ := os.ReadFile(log.Name())
		return nil, fmt.Errorf("sshd did not start: %v\n%s", err, b)
	}
	return s, nil
}

func (s *sshServer) writeFiles(dir, hostKey string) error {
	pub, err := os.ReadFile(s.Key + ".pub")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		return err
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return err
	}
	known := fmt.Sprintf("[127.0.0.1]:%d %s", s.Port, hostPub)
	if err := os.WriteFile(s.KnownHosts, []byte(known), 0o600); err != nil {
		return err
	}
	cfg := strings.Join([]string{
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes",
		"PermitRootLogin prohibit-password",
		"StrictModes no",
		"UsePAM no",
		"Subsystem sftp internal-sftp",
		"LogLevel ERROR",
	}, "\n") + "\n"
	return os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
}

// sshOptions are the ssh/scp options that reach this server non-interactively.
func (s *sshServer) sshOptions() []string {
	return []string{"-i", s.Key, "-o", "UserKnownHostsFile=" + s.KnownHosts, "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10"}
}

// rcloneRemote is an on-the-fly rclone remote string for path on this server.
func (s *sshServer) rcloneRemote(path string) string {
	return fmt.Sprintf(":sftp,host=127.0.0.1,port=%d,user=%s,key_file='%s',known_hosts_file='%s':%s",
		s.Port, s.User, s.Key, s.KnownHosts, path)
}

func (s *sshServer) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitPort(port int, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
