package providers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/fs/config/obscure"
	"github.com/rclone/rclone/fs/fspath"
)

// Open opens the destination c through rclone. c.Remote is anything rclone
// accepts: a local path, "remote:path" from the user's rclone.conf
// (RCLONE_CONFIG), or an on-the-fly ":backend,opt=value:path". c.Options
// are added to the remote's connection string, overriding what it or the
// config file says. A password option (one rclone keeps obscured, like
// sftp's pass) is given in plain text: Open obscures it. Option values,
// crypt passwords and their obscured forms never appear in errors or in
// rclone's logs (see SetLogHandler).
func Open(ctx context.Context, c Config) (Store, error) {
	setup()
	red := secretsOf(c)
	registerLogSecrets(red.secrets...)
	fail := func(err error) (Store, error) {
		return nil, &storeError{msg: red.redact(fmt.Sprintf("%s: open: %v", c.Name, err)), err: err}
	}
	if c.Remote == "" {
		return fail(errors.New("empty remote"))
	}
	if err := loadConfig(); err != nil {
		return fail(err)
	}
	remote, info, err := buildRemote(c)
	if err != nil {
		return fail(err)
	}
	ctx = withTimeout(ctx, c.Timeout)
	f, err := newFs(ctx, remote, connectTimeout(c.Timeout))
	if errors.Is(err, fs.ErrorIsFile) {
		err = errors.New("remote is a file, not a directory")
	}
	if err != nil {
		return fail(hinted(err))
	}
	s := newStore(c.Name, f, red, c.CryptPassword != "")
	s.cfg = ctx
	if b := sftpBase(f); b != nil {
		if !quickDials(ctx, b) {
			fs.Debugf(f, "rclone's SFTP backend has no pacer where strata looks: SSH connections are dialled at rclone's pace")
		}
		s.cfg = withSFTPListers(ctx)
	}
	if s.perm, err = newPerms(f, c); err != nil {
		return fail(err)
	}
	s.connect = connectTimeout(c.Timeout)
	s.limit = NewLimiter(c.BwLimit)
	s.removable = c.Removable
	if s.perm != nil {
		s.perm.rememberDirs = !c.Removable
	}
	if info.Name == "local" {
		if parsed, err := fspath.Parse(c.Remote); err == nil {
			s.localRoot = parsed.Path
		}
	}
	return s, nil
}

// newFs is fs.NewFs bounded by ctx and by the connect timeout. Opening is
// connecting (for SFTP: TCP, the SSH handshake, authentication, the SFTP
// subsystem, a look at the root; for crypt: its inner remote as well), and
// rclone's SFTP backend does it without looking at ctx: a server that
// accepts the connection and never answers would otherwise hold strata for
// as long as it stays silent, deaf to Ctrl-C. primeHashes is part of it.
func newFs(ctx context.Context, remote string, timeout time.Duration) (fs.Fs, error) {
	var f fs.Fs
	err := await(ctx, timeout, "connecting", func() error {
		nf, err := fs.NewFs(ctx, remote)
		if err == nil {
			primeHashes(nf)
		}
		f = nf
		return err
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// primeHashes asks the remote under crypt once which checksums it has,
// before the store is shared: crypt asks on every write, and rclone's SFTP
// backend caches the answer without a lock. (With strata's SFTP defaults
// the answer costs nothing.)
func primeHashes(f fs.Fs) {
	if unwrap := f.Features().UnWrap; unwrap != nil {
		_ = unwrap().Hashes()
	}
}

// secretsOf lists what must never be printed for c: option values, crypt
// passwords and their obscured forms, sensitive parameters of the remote's
// own connection string.
func secretsOf(c Config) *redactor {
	red := newRedactor()
	for k, v := range c.Options {
		if v == "true" || v == "false" {
			continue // a flag, not a secret
		}
		if printableOption(k) && !c.SensitiveOptions[k] {
			continue // where the store is: a message needs it
		}
		red.add(v)
		red.add(obscured(v))
	}
	for _, p := range []string{c.CryptPassword, c.CryptPassword2} {
		red.add(p)
		red.add(obscured(p))
	}
	for _, v := range sensitiveParams(c.Remote) {
		red.add(v)
	}
	return red
}

// Connection-string parameter values that look like secrets (rclone marks
// them sensitive or password, or their key says so).
var secretKey = regexp.MustCompile(`(?i)secret|pass|key|token|cred|auth`)

func sensitiveParams(remote string) []string {
	parsed, err := fspath.Parse(remote)
	if err != nil {
		return nil
	}
	var info *fs.RegInfo
	if name, ok := strings.CutPrefix(parsed.Name, ":"); ok {
		info, _ = fs.Find(name)
	}
	var out []string
	for k, v := range parsed.Config {
		if v == "true" || v == "false" {
			continue
		}
		if !printableOption(k) && (secretKey.MatchString(k) || isSensitive(info, k)) {
			out = append(out, v)
		}
	}
	return out
}

// printableOption says whether an option only says where a store is (or
// where its key file lies, not what the key is). rclone
// marks sftp's host and user sensitive (for `rclone config redacted`), but an
// error such as "dial tcp ***:22: connection refused" helps nobody, and
// redacting "127.0.0.1" everywhere would hide it in every later log line.
// A value of these options from env() or a file stays redacted; key_pem,
// key_file_pass and the like always are.
func printableOption(key string) bool {
	switch strings.ToLower(key) {
	case "host", "port", "user", "key_file", "pubkey_file", "known_hosts_file":
		return true // a key file's path is not the key
	}
	return false
}

func isSensitive(info *fs.RegInfo, key string) bool {
	if info == nil {
		return false
	}
	o := info.Options.Get(key)
	return o != nil && (o.Sensitive || o.IsPassword)
}

// buildRemote returns the rclone remote string for c: c.Remote with
// c.Options added, wrapped in crypt when asked. info is the backend under
// crypt.
func buildRemote(c Config) (string, *fs.RegInfo, error) {
	info, _, _, _, err := fs.ParseRemote(c.Remote)
	if err != nil {
		return "", nil, err
	}
	parsed, err := fspath.Parse(c.Remote)
	if err != nil {
		return "", nil, err
	}
	params := configmap.Simple{}
	maps.Copy(params, parsed.Config)
	for k, v := range c.Options {
		o := info.Options.Get(k)
		if o == nil {
			return "", nil, fmt.Errorf("backend %s has no option %q", info.Name, k)
		}
		if o.IsPassword {
			v = obscured(v)
		}
		params[k] = v
	}
	if info.Name == "sftp" {
		params["ask_password"] = "false" // never prompt on a terminal
		if err := checkHostKeys(c, info, parsed.Name, params); err != nil {
			return "", nil, err
		}
		setSFTPDefaults(info, parsed.Name, params)
	} else if err := checkWrappedHostKeys(info, parsed.Name, params); err != nil {
		return "", nil, err
	}
	root := asDir(parsed.Path)
	var remote string
	switch {
	case len(params) > 0:
		name := parsed.Name
		if name == "" {
			name = ":local"
		}
		remote = name + "," + params.String() + ":" + root
	case parsed.Name == "":
		remote = root
	default:
		remote = parsed.Name + ":" + root
	}
	if c.CryptPassword != "" {
		remote = cryptRemote(remote, c.CryptPassword, c.CryptPassword2)
	}
	return remote, info, nil
}

// asDir marks a root as a directory: backends then need not ask the server
// whether it is a file (a HEAD request on S3 that, when the server is
// unreachable, even ends in "is a file").
func asDir(root string) string {
	if root == "" || strings.HasSuffix(root, "/") {
		return root
	}
	return root + "/"
}

// cryptRemote wraps inner in an on-the-fly rclone crypt remote with
// standard file name encryption. strict_names makes a wrong password an
// error in listings instead of an empty store.
func cryptRemote(inner, password, password2 string) string {
	params := configmap.Simple{
		"remote":              inner,
		"password":            obscured(password),
		"filename_encryption": "standard",
		"strict_names":        "true",
	}
	if password2 != "" {
		params["password2"] = obscured(password2)
	}
	return ":crypt," + params.String() + ":"
}

// obscuredCache makes obscuring deterministic within the process: the same
// config then yields the same rclone remote name, which lets rclone see two
// stores as one remote (server-side copy) and keeps its config cache small.
var obscuredCache sync.Map // plain → obscured

func obscured(plain string) string {
	if plain == "" {
		return ""
	}
	if v, ok := obscuredCache.Load(plain); ok {
		return v.(string)
	}
	v, _ := obscuredCache.LoadOrStore(plain, obscure.MustObscure(plain))
	return v.(string)
}
