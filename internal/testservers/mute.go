package testservers

import (
	"crypto/ed25519"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Mute is a TCP server on 127.0.0.1 that accepts every connection, writes
// its greeting (nothing, or half an SSH banner) and then says nothing more
// until the test ends: a host whose SSH server hangs.
type Mute struct {
	Port int
	// Accepted gets a value for each connection accepted (dropped when
	// nobody reads it).
	Accepted <-chan struct{}
}

// Greetings are the two ways a server that accepted a connection can fail
// to speak SSH: not at all, or half a banner (no end of line).
var Greetings = map[string]string{"silent": "", "half banner": "SSH-2.0-"}

// StartMute starts a Mute server; it closes when the test ends.
func StartMute(t testing.TB, greeting string) *Mute {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		unavailable(t, "no port on 127.0.0.1: %v", err)
	}
	accepted := make(chan struct{}, 100)
	held := make(chan net.Conn, 100)
	t.Cleanup(func() {
		l.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(greeting))
			select {
			case held <- c:
			default:
				c.Close()
			}
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	return &Mute{Port: l.Addr().(*net.TCPAddr).Port, Accepted: accepted}
}

// ClientFiles writes a throw-away private key and an empty known_hosts
// file into dir, for a client of a server that never gets as far as
// checking either (without a key rclone asks an SSH agent, and fails
// before it dials).
func ClientFiles(t testing.TB, dir string) (keyFile, knownHosts string) {
	t.Helper()
	keyFile, knownHosts = filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "known_hosts")
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(knownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, knownHosts
}
