package web

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Users are the logins of the page: names and bcrypt hashes, read from an
// htpasswd-style file (`htpasswd -nB NAME` writes such lines).
type Users struct {
	hashes map[string][]byte
}

// dummyHash is compared against when the name is unknown, so that a
// wrong name takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("strata: no such user"), bcrypt.MinCost)

// LoadUsers reads file: one `NAME:HASH` a line, HASH a bcrypt hash ($2y$,
// $2a$ or $2b$); blank lines and lines starting with # are left out. An
// error names the file and line and says what to do.
func LoadUsers(file string) (*Users, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--web-auth: %v", err)
	}
	u := &Users{hashes: map[string][]byte{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := u.add(line); err != nil {
			return nil, fmt.Errorf("--web-auth %s:%d: %v; write lines NAME:BCRYPT-HASH, e.g. with 'htpasswd -nB NAME'", file, n, err)
		}
	}
	if len(u.hashes) == 0 {
		return nil, fmt.Errorf("--web-auth %s: no users; write lines NAME:BCRYPT-HASH, e.g. with 'htpasswd -nB NAME'", file)
	}
	return u, nil
}

func (u *Users) add(line string) error {
	name, hash, ok := strings.Cut(line, ":")
	switch {
	case !ok || name == "":
		return fmt.Errorf("no NAME: before the hash")
	case u.hashes[name] != nil:
		return fmt.Errorf("user %q appears twice", name)
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil || !strings.HasPrefix(hash, "$2") {
		return fmt.Errorf("the hash of %q is not a bcrypt hash (only bcrypt is accepted)", name)
	}
	u.hashes[name] = []byte(hash)
	return nil
}

// Len is the number of users.
func (u *Users) Len() int { return len(u.hashes) }

// Check says whether name and password match a line of the file.
func (u *Users) Check(name, password string) bool {
	hash, known := u.hashes[name]
	if !known {
		hash = dummyHash
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known
}

// GuardOptions say what Guard lets through.
type GuardOptions struct {
	// Users, when set, must log in (HTTP basic authentication).
	Users *Users
	// Loopback: the listener is on a loopback address; a request naming
	// another host in its Host header is refused (a page elsewhere that
	// rebinds its own name to 127.0.0.1 must not read or act).
	Loopback bool
}

// Guard is h behind the checks of o.
func Guard(h http.Handler, o GuardOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Loopback && !loopbackHost(r.Host) {
			http.Error(w, "strata serves this host only: use http://127.0.0.1:PORT/ or http://localhost:PORT/", http.StatusMisdirectedRequest)
			return
		}
		if o.Users != nil {
			name, pass, ok := r.BasicAuth()
			if !ok || !o.Users.Check(name, pass) {
				w.Header().Set("WWW-Authenticate", `Basic realm="strata", charset="UTF-8"`)
				http.Error(w, "log in with a user of the --web-auth file", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// loopbackHost says whether a Host header names this host.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
