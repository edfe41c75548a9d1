package providers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	rsftp "github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/fspath"
	"github.com/rclone/rclone/fs/hash"
	"github.com/rclone/rclone/fs/object"

	"github.com/stratabackup/strata/internal/testservers"
)

// sftpParams builds the remote of c and returns its connection-string
// parameters.
func sftpParams(t *testing.T, c Config) map[string]string {
	t.Helper()
	c.InsecureSkipHostKey = true
	setup()
	if err := loadConfig(); err != nil {
		t.Fatal(err)
	}
	remote, _, err := buildRemote(c)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := fspath.Parse(remote)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Config
}

func TestSFTPDefaults(t *testing.T) {
	t.Setenv("RCLONE_CONFIG", filepath.Join(t.TempDir(), "rclone.conf"))
	got := sftpParams(t, Config{Remote: ":sftp,host=backup.example.org:/v01"})
	info, err := fs.Find("sftp")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range sftpDefaults {
		if info.Options.Get(k) == nil {
			t.Errorf("rclone's sftp backend has no option %q", k)
		}
		if got[k] != want {
			t.Errorf("%s = %q, want the default %q", k, got[k], want)
		}
	}
}

// TestSFTPDefaultsGiveWay checks that a value set anywhere for the remote
// wins over strata's default.
func TestSFTPDefaultsGiveWay(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "rclone.conf")
	text := "[box]\ntype = sftp\nhost = backup.example.org\nshell_type = powershell\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RCLONE_CONFIG", conf)
	tests := []struct {
		name string
		c    Config
	}{
		{"destination options", Config{Remote: ":sftp,host=h:/v01", Options: map[string]string{"shell_type": "none"}}},
		{"connection string", Config{Remote: ":sftp,host=h,shell_type=none:/v01"}},
		{"rclone.conf", Config{Remote: "box:/v01"}},
	}
	for _, tt := range tests {
		got := sftpParams(t, tt.c)
		if v, ok := got["shell_type"]; ok && v != "none" {
			t.Errorf("%s: shell_type = %q, overriding the remote's own", tt.name, v)
		}
		if got["disable_hashcheck"] != "true" {
			t.Errorf("%s: the other default is lost: %v", tt.name, got)
		}
	}
	t.Setenv("RCLONE_SFTP_DISABLE_HASHCHECK", "false")
	if got := sftpParams(t, Config{Remote: ":sftp,host=h:/v01"}); got["disable_hashcheck"] != "" {
		t.Errorf("environment: disable_hashcheck = %q, overriding RCLONE_SFTP_DISABLE_HASHCHECK", got["disable_hashcheck"])
	}
}

// TestSFTPDefaultsReachBackend opens real SFTP stores and asks the backend
// which checksums it offers: none with the defaults (no command run on the
// server), MD5 once the user turns hash checks back on, none again when the
// user also says the server has no shell.
func TestSFTPDefaultsReachBackend(t *testing.T) {
	srv := testservers.StartSFTP(t)
	tests := []struct {
		opts    map[string]string
		wantMD5 bool
	}{
		{nil, false},
		{map[string]string{"disable_hashcheck": "false"}, true},
		{map[string]string{"disable_hashcheck": "false", "shell_type": "none"}, false},
	}
	for _, tt := range tests {
		c := Config{Name: "sftp", Remote: srv.Remote("defaults"), Options: srv.Options(),
			KnownHostsFile: srv.KnownHosts, Timeout: 10 * time.Second}
		for k, v := range tt.opts {
			c.Options[k] = v
		}
		st, err := Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.(*store).f.Hashes().Contains(hash.MD5); got != tt.wantMD5 {
			t.Errorf("options %v: backend offers MD5 = %v, want %v", tt.opts, got, tt.wantMD5)
		}
	}
}

func TestCheckStored(t *testing.T) {
	o := object.NewMemoryObject("f", time.Now(), []byte("abc"))
	for size, ok := range map[int64]bool{3: true, -1: true, 4: false, 2: false} {
		if err := checkStored(o, size); (err == nil) != ok {
			t.Errorf("checkStored(3 bytes, %d) = %v", size, err)
		}
	}
}

// TestWrappedSFTPNeedsHostKeyCheck opens rclone.conf crypt remotes that
// wrap an SFTP remote (directly, through another crypt, on the fly): without a host-key setting in the wrapped remote's own
// configuration they are refused, naming the section to fix; with one they
// are not.
func TestWrappedSFTPNeedsHostKeyCheck(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "rclone.conf")
	text := "[box]\ntype = sftp\nhost = backup.example.org\n\n" +
		"[sealed]\ntype = crypt\nremote = box:/v01\npassword = " + obscured("secret") + "\n\n" +
		"[double]\ntype = crypt\nremote = sealed:\npassword = " + obscured("secret") + "\n\n" +
		"[fly]\ntype = crypt\nremote = :sftp,host=backup.example.org:/v01\npassword = " + obscured("secret") + "\n\n" +
		"[checked]\ntype = sftp\nhost = backup.example.org\nknown_hosts_file = ~/.ssh/known_hosts\n\n" +
		"[sealedchecked]\ntype = crypt\nremote = checked:/v01\npassword = " + obscured("secret") + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RCLONE_CONFIG", conf)
	setup()
	if err := loadConfig(); err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]string{
		"sealed:":        "section [box]",
		"double:":        "section [box]",
		"fly:":           "connection string in the remote of section [fly]",
		"sealedchecked:": "",
	} {
		_, _, err := buildRemote(Config{Remote: remote})
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", remote, err)
		case want != "" && (!errors.Is(err, ErrNoHostKeyCheck) || !strings.Contains(fmt.Sprint(err), want)):
			t.Errorf("%s: error %v, want ErrNoHostKeyCheck naming %q", remote, err, want)
		}
	}
}

// TestSFTPListingDialsFewConnections lists an SFTP store of many snapshot
// directories, counting the SSH connections it opens: rclone dials a new
// connection for each directory read in flight (at most one every 100 ms),
// so a walk wider than sftpListers would open more.
func TestSFTPListingDialsFewConnections(t *testing.T) {
	srv := testservers.StartSFTP(t)
	proxy := testservers.StartCountingProxy(t, srv.Addr())
	for i := range 40 {
		p := filepath.Join(srv.Dir, "many", "app", "2026", fmt.Sprintf("%02d", i%12), fmt.Sprintf("%02d", i), "manifest.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	remote, known := srv.Proxied(t, proxy, "many")
	st, err := Open(context.Background(), Config{Name: "sftp", Remote: remote, Options: srv.Options(),
		KnownHostsFile: known, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opened := proxy.Accepted()
	n := 0
	if err := st.ListDir(context.Background(), "app", func(Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 40 {
		t.Fatalf("listed %d files, want 40", n)
	}
	if dialled := proxy.Accepted() - opened; dialled > sftpListers-1 {
		t.Errorf("listing opened %d more SSH connections, want at most %d", dialled, sftpListers-1)
	}
}

// TestQuickDials holds that strata's pacing of SSH dials reaches rclone's
// SFTP backend: the field it replaces is there, of the type it sets. A
// newer rclone that renamed it fails here rather than dialling slowly.
func TestQuickDials(t *testing.T) {
	f := &rsftp.Fs{}
	if !quickDials(context.Background(), f) {
		t.Fatal("quickDials found no pacer field of type *fs.Pacer in rclone's sftp.Fs")
	}
	p, ok := unexportedField[*fs.Pacer](reflect.ValueOf(f).Elem(), "pacer")
	if !ok || p == nil {
		t.Fatalf("the pacer was not set: %v %v", p, ok)
	}
}
