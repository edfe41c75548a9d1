// Package notifytest runs real receivers on the loopback interface for tests
// of strata's notifications: an SMTP server (github.com/emersion/go-smtp)
// that keeps every message it accepts. It is for tests only.
package notifytest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From string
	To   []string
	// User is the authenticated user name, "" without AUTH.
	User string
	Data string
}

// SMTPServer is a real SMTP server on 127.0.0.1 that keeps what it receives.
type SMTPServer struct {
	// Addr is host:port.
	Addr string
	// Mails receives every accepted message.
	Mails          chan Mail
	user, password string
}

// NewSMTPServer starts an SMTP server on 127.0.0.1 that requires PLAIN
// authentication with user and password when user is not empty. It stops
// when the test ends.
func NewSMTPServer(t testing.TB, user, password string) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("SMTP server: %v", err)
	}
	s := &SMTPServer{Addr: ln.Addr().String(), Mails: make(chan Mail, 16), user: user, password: password}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // loopback only; net/smtp sends PLAIN to 127.0.0.1 without TLS
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	return s
}

type session struct {
	srv  *SMTPServer
	mail Mail
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != s.srv.user || password != s.srv.password {
			return errors.New("invalid credentials")
		}
		s.mail.User = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && s.mail.User == "" {
		return errAuthRequired
	}
	s.mail.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mail.To = append(s.mail.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := s.mail
	m.Data = string(b)
	select {
	case s.srv.Mails <- m:
	default: // a test that does not read its mails does not block the server
	}
	return nil
}

func (s *session) Reset()        { s.mail = Mail{User: s.mail.User} }
func (s *session) Logout() error { return nil }
