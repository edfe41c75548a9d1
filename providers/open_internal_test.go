package providers

import (
	"strings"
	"testing"

	"github.com/rclone/rclone/fs/config/obscure"
	"github.com/rclone/rclone/fs/fspath"
)

func TestBuildRemote(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Remote: "/v01/backup"}, "/v01/backup/"},
		{Config{Remote: "rel/dir/"}, "rel/dir/"},
		{Config{Remote: ":local:/x"}, ":local:/x/"},
		{Config{Remote: "/x", Options: map[string]string{"links": "true"}}, ":local,links='true':/x/"},
		{
			Config{Remote: ":s3,provider=Minio,endpoint='https://s3.example.org':offsite/strata",
				Options: map[string]string{"access_key_id": "k'ey"}},
			":s3,access_key_id='k''ey',endpoint='https://s3.example.org',provider='Minio':offsite/strata/",
		},
	}
	for _, tt := range tests {
		got, _, err := buildRemote(tt.c)
		if err != nil || got != tt.want {
			t.Errorf("buildRemote(%+v) = %q, %v; want %q", tt.c, got, err, tt.want)
		}
	}
}

func TestBuildRemoteSFTP(t *testing.T) {
	remote, info, err := buildRemote(Config{
		Remote:              ":sftp,host=backup.example.org,user=strata:/v01/backup",
		Options:             map[string]string{"pass": "plain pw"},
		InsecureSkipHostKey: true,
	})
	if err != nil || info.Name != "sftp" {
		t.Fatal(remote, info, err)
	}
	parsed, err := fspath.Parse(remote)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Config["known_hosts_file"] != "none" {
		t.Errorf("%s: insecure_skip_host_key not passed on", remote)
	}
	if parsed.Config["ask_password"] != "false" {
		t.Errorf("%s: sftp may prompt for a password", remote)
	}
	if pw, err := obscure.Reveal(parsed.Config["pass"]); err != nil || pw != "plain pw" {
		t.Errorf("pass not obscured: %v %v", pw, err)
	}
}

func TestBuildRemoteCrypt(t *testing.T) {
	remote, _, err := buildRemote(Config{Remote: "/x", CryptPassword: "pw1", CryptPassword2: "pw2"})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := fspath.Parse(remote)
	if err != nil || parsed.Name != ":crypt" || parsed.Config["remote"] != "/x/" {
		t.Fatalf("%q: %+v %v", remote, parsed, err)
	}
	for k, want := range map[string]string{"password": "pw1", "password2": "pw2"} {
		if got, err := obscure.Reveal(parsed.Config[k]); err != nil || got != want {
			t.Errorf("%s: %q %v", k, got, err)
		}
	}
	if strings.Contains(remote, "pw1") {
		t.Errorf("plain password in %q", remote)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("it's", "ab", "long-secret")
	in := "x it's it''s it''''s \"it's\" long-secret ab"
	if got, want := r.redact(in), "x *** *** *** \"***\" *** ab"; got != want {
		t.Errorf("redact(%q) = %q, want %q", in, got, want)
	}
}
