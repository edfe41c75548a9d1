package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/stratabackup/strata/spec"
)

// sendEmail mails the event through e.SMTP: implicit TLS on port 465,
// otherwise STARTTLS whenever the server offers it. It authenticates only
// when a username is set, and net/smtp refuses to send a password over a
// connection that is neither TLS nor to localhost.
func sendEmail(ctx context.Context, e *spec.Email, ev Event) error {
	c, host, err := dialSMTP(ctx, e.SMTP)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := login(c, e, host); err != nil {
		return err
	}
	if err := c.Mail(e.From); err != nil {
		return fmt.Errorf("%s refused the sender %s: %v", e.SMTP, e.From, err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("%s refused the recipient %s: %v", e.SMTP, to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%s: %v", e.SMTP, err)
	}
	if _, err := w.Write(message(e, ev)); err != nil {
		return fmt.Errorf("%s: %v", e.SMTP, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s did not accept the message: %v", e.SMTP, err)
	}
	return c.Quit()
}

func dialSMTP(ctx context.Context, addr string) (*smtp.Client, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("smtp %q: want host:port", addr)
	}
	d := &net.Dialer{Timeout: Timeout}
	var conn net.Conn
	if port == "465" {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: host}}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, "", fmt.Errorf("cannot reach the SMTP server: %v", err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(Timeout)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, "", fmt.Errorf("%s is not an SMTP server: %v", addr, err)
	}
	return c, host, nil
}

func login(c *smtp.Client, e *spec.Email, host string) error {
	if _, isTLS := c.TLSConnectionState(); !isTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return fmt.Errorf("STARTTLS with %s failed: %v", e.SMTP, err)
			}
		}
	}
	user, err := value(e.Username)
	if err != nil || user == "" {
		return err
	}
	pass, err := value(e.Password)
	if err != nil {
		return fmt.Errorf("password: %w", err)
	}
	if err := c.Auth(smtp.PlainAuth("", user, pass, host)); err != nil {
		return fmt.Errorf("%s refused the login of %s: %v", e.SMTP, user, err)
	}
	return nil
}

// message is the mail: headers, a blank line, the event as text and JSON.
func message(e *spec.Email, ev Event) []byte {
	subject := fmt.Sprintf("[strata] %s on %s: %s", ev.Event, ev.Host, ev.Summary)
	subject = strings.Join(strings.Fields(subject), " ") // one header line
	if len(subject) > 200 {
		subject = strings.ToValidUTF8(subject[:200], "") + "…"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", e.From, strings.Join(e.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <%s@strata>\r\n", ev.Time.Format(time.RFC1123Z), messageID())
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n")
	fmt.Fprintf(&b, "X-Strata-Event: %s\r\n\r\n", ev.Event)
	b.WriteString(strings.ReplaceAll(ev.Text(), "\n", "\r\n"))
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(string(ev.JSON()), "\n", "\r\n"))
	return []byte(b.String())
}

func messageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
