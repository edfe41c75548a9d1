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
	"github.com/rclone/rclone/fs/fspath"
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
	if hasHostKeyCheck(info, name, params) {
		return nil
	}
	return ErrNoHostKeyCheck
}

// hasHostKeyCheck says whether the SFTP remote's own configuration (its
// parameters, rclone.conf section, environment) checks host keys.
func hasHostKeyCheck(info *fs.RegInfo, name string, params configmap.Simple) bool {
	m := fs.ConfigMap(info.Prefix, info.Options, configName(name), params)
	for _, k := range hostKeyOptions {
		if v, ok := m.Get(k); ok && v != "" && v != "false" {
			return true
		}
	}
	return false
}

// checkWrappedHostKeys checks the host-key setting of an SFTP remote that
// another remote wraps (a crypt, alias, chunker… section of rclone.conf whose
// `remote` names it). The destination's known_hosts and
// insecure_skip_host_key cannot reach such a remote: its own section must
// say how to check the server.
func checkWrappedHostKeys(info *fs.RegInfo, name string, params configmap.Simple) error {
	inner, innerName, innerParams, ok := wrappedSFTP(info, name, params)
	if !ok || hasHostKeyCheck(inner, innerName, innerParams) {
		return nil
	}
	return &wrappedHostKeyError{outer: name, inner: innerName}
}

// maxWrapDepth bounds how many wrapping remotes are followed.
const maxWrapDepth = 8

// wrappedSFTP follows the `remote` option of wrapping backends down to the
// remote they wrap, and returns it when it is an SFTP remote.
func wrappedSFTP(info *fs.RegInfo, name string, params configmap.Simple) (*fs.RegInfo, string, configmap.Simple, bool) {
	for range maxWrapDepth {
		if info.Options.Get("remote") == nil {
			return nil, "", nil, false
		}
		inner, ok := fs.ConfigMap(info.Prefix, info.Options, configName(name), params).Get("remote")
		if !ok || inner == "" {
			return nil, "", nil, false
		}
		next, _, _, _, err := fs.ParseRemote(inner)
		if err != nil {
			return nil, "", nil, false
		}
		parsed, err := fspath.Parse(inner)
		if err != nil {
			return nil, "", nil, false
		}
		info, name, params = next, parsed.Name, parsed.Config
		if info.Name == "sftp" {
			return info, name, params, true
		}
	}
	return nil, "", nil, false
}

// wrappedHostKeyError is ErrNoHostKeyCheck for an SFTP remote wrapped by
// another one, saying which rclone.conf section to fix.
type wrappedHostKeyError struct{ outer, inner string }

func (e *wrappedHostKeyError) Error() string {
	where := fmt.Sprintf("to its rclone.conf section [%s]", e.inner)
	if configName(e.inner) == "" {
		where = fmt.Sprintf("to its connection string in the remote of section [%s]", configName(e.outer))
	}
	return fmt.Sprintf("the SFTP server's host key would not be checked: remote %q wraps an SFTP remote "+
		"whose configuration names no known_hosts_file; add known_hosts_file = ~/.ssh/known_hosts "+
		"(a known_hosts file listing the server) %s", strings.TrimPrefix(e.outer, ":"), where)
}

// Is makes errors.Is(err, ErrNoHostKeyCheck) hold.
func (e *wrappedHostKeyError) Is(target error) bool { return target == ErrNoHostKeyCheck }

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

// connectTimeout is how long opening a destination whose own timeout is d
// (0: none) may take.
func connectTimeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	connect, _ := defaultTimeouts()
	return connect
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
