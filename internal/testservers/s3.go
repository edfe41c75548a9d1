package testservers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// VersityGWVersion is the versitygw release the tests run; the same pin is
// in scripts/install-test-deps.sh.
const VersityGWVersion = "v1.8.0"

// VersityGWEnv names an environment variable that may point at the
// versitygw binary.
const VersityGWEnv = "STRATA_VERSITYGW"

// S3 is a versitygw S3 gateway on 127.0.0.1 with its posix backend: every
// directory under Dir is a bucket, every file an object.
type S3 struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	// Dir is the gateway's root directory (buckets are its subdirectories).
	Dir string

	p *process
}

// StartS3 starts a versitygw for the test; it is killed when the test ends.
func StartS3(t testing.TB) *S3 {
	t.Helper()
	bin := os.Getenv(VersityGWEnv)
	if bin == "" {
		var err error
		if bin, err = lookPath("versitygw", goBinDirs()...); err != nil {
			unavailable(t, "S3 test server: %v (go install github.com/versity/versitygw/cmd/versitygw@%s)", err, VersityGWVersion)
		}
	}
	base := t.TempDir()
	port := freePort(t)
	s := &S3{
		Endpoint:  fmt.Sprintf("http://127.0.0.1:%d", port),
		AccessKey: "strata" + randomHex(6),
		SecretKey: randomHex(20),
		Dir:       filepath.Join(base, "root"),
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		unavailable(t, "S3 test server: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.p = &process{
		name: "versitygw", addr: addr, logFile: filepath.Join(base, "versitygw.log"),
		command: func() *exec.Cmd {
			cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", s.Dir)
			// Credentials by environment, not on the command line.
			cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
			return cmd
		},
	}
	if err := s.p.start(); err != nil {
		unavailable(t, "S3 test server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Bucket returns name: a bucket that rclone creates on the first write
// (a store for the bucket's root is never empty-rooted).
func (s *S3) Bucket(t testing.TB, name string) string {
	t.Helper()
	return name
}

// Remote is an on-the-fly rclone remote for bucket/prefix on this server;
// the credentials are in Options, as a strata destination would give them.
func (s *S3) Remote(path string) string {
	return fmt.Sprintf(":s3,provider=Other,endpoint='%s',region=us-east-1,force_path_style=true:%s", s.Endpoint, path)
}

// Options are the rclone backend options with the credentials.
func (s *S3) Options() map[string]string {
	return map[string]string{"access_key_id": s.AccessKey, "secret_access_key": s.SecretKey}
}

// Stop kills the server (like a crash); Start brings it back.
func (s *S3) Stop() { s.p.stop() }

// Start restarts a stopped server on the same port with the same data.
func (s *S3) Start() error { return s.p.start() }
