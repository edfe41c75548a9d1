package providers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/lib/env"
)

// SSH safety: an SFTP destination is opened only with its host key checked
// (or with checking explicitly turned off), never with a prompt, and every
// connection has bounded connect and idle timeouts.

// ErrNoHostKeyCheck is returned (wrapped) by Open for an SFTP destination
// that says neither how to check the server's host key nor to skip it.
var ErrNoHostKeyCheck = errors.New("the SFTP server's host key would not be checked: " +
	`set known_hosts = "~/.ssh/known_hosts" on the destination (a known_hosts file listing the server; ` +
	"add it with 'ssh-keyscan -p PORT HOST >> FILE' after checking its fingerprint), " +
	"or, only on a network you trust, insecure_skip_host_key = true")

// hostKeyOptions are the rclone sftp options that already make it check
// host keys (or hand the connection to an external ssh that does).
var hostKeyOptions = []string{"known_hosts_file", "host_keys", "pin_host_key", "ssh"}

// checkHostKeys sets params so that rclone checks the SFTP host key as c
// asks; name is the remote's config name (":sftp" when on the fly).
func checkHostKeys(c Config, info *fs.RegInfo, name string, params configmap.Simple) error {
	switch {
	case c.KnownHostsFile != "":
		p := env.ShellExpand(c.KnownHostsFile)
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("known_hosts file: %w", err)
		}
		params["known_hosts_file"] = p
		return nil
	case c.InsecureSkipHostKey:
		params["known_hosts_file"] = "none" // rclone's explicit opt-out
		return nil
	}
	m := fs.ConfigMap(info.Prefix, info.Options, configName(name), params)
	for _, k := range hostKeyOptions {
		if v, ok := m.Get(k); ok && v != "" && v != "false" {
			return nil
		}
	}
	return ErrNoHostKeyCheck
}

// hinted adds what an SSH host-key error means and what to do about it.
func hinted(err error) error {
	if err == nil {
		return nil
	}
	if h := sshHint(err.Error()); h != "" {
		return fmt.Errorf("%w (%s)", err, h)
	}
	return err
}

func sshHint(msg string) string {
	switch {
	case strings.Contains(msg, "knownhosts: key is unknown"):
		return "the server's host key is not in the known_hosts file: check its fingerprint, " +
			"then add it with 'ssh-keyscan -p PORT HOST >> FILE'"
	case strings.Contains(msg, "knownhosts: key mismatch"):
		return "the server's host key differs from the one in the known_hosts file: " +
			"the server was reinstalled, or someone is intercepting the connection"
	case strings.Contains(msg, "unable to authenticate"):
		return "the server refused the SSH credentials: check user and key_file (strata never asks for a password)"
	}
	return ""
}

// Default timeouts; STRATA_TIMEOUT (a Go duration such as "10s") sets both.
const (
	defaultConnectTimeout = 30 * time.Second
	defaultIdleTimeout    = 5 * time.Minute
)

// TimeoutEnv names the environment variable that overrides the default
// connect and idle timeouts of every destination.
const TimeoutEnv = "STRATA_TIMEOUT"

// defaultTimeouts returns the connect and idle timeouts for destinations
// that set none.
func defaultTimeouts() (connect, idle time.Duration) {
	if d, err := time.ParseDuration(os.Getenv(TimeoutEnv)); err == nil && d > 0 {
		return d, d
	}
	return defaultConnectTimeout, defaultIdleTimeout
}

// withTimeout returns ctx carrying an rclone configuration of its own when
// a destination sets its timeout; the store then uses it for every call.
func withTimeout(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return ctx
	}
	ctx, ci := fs.AddConfig(ctx)
	ci.ConnectTimeout = fs.Duration(d)
	ci.Timeout = fs.Duration(d)
	return ctx
}
