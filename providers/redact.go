package providers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// minSecretLen is the shortest value that is redacted by substitution:
// replacing shorter strings would mangle messages without protecting much.
const minSecretLen = 3

const redacted = "***"

// redactor replaces secrets in text.
type redactor struct {
	secrets []string // longest first, so a secret containing another goes first
}

// newRedactor redacts values and the forms they take inside rclone
// connection strings and quoted log messages.
func newRedactor(values ...string) *redactor {
	r := &redactor{}
	for _, v := range values {
		r.add(v)
	}
	return r
}

func (r *redactor) add(v string) {
	if len(v) < minSecretLen {
		return
	}
	quoted := strconv.Quote(v)
	forms := []string{v, quoted[1 : len(quoted)-1]}
	for q := v; strings.Contains(q, "'") && len(forms) < 6; {
		q = strings.ReplaceAll(q, "'", "''") // connection-string quoting, nested
		forms = append(forms, q)
	}
	for _, f := range forms {
		if !slices.Contains(r.secrets, f) {
			r.secrets = append(r.secrets, f)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

func (r *redactor) redact(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}

// logSecrets holds every secret ever given to Open, for the log handler.
var logSecrets = struct {
	sync.RWMutex
	r redactor
}{}

func registerLogSecrets(values ...string) {
	logSecrets.Lock()
	defer logSecrets.Unlock()
	for _, v := range values {
		logSecrets.r.add(v)
	}
}

func redactLog(s string) string {
	logSecrets.RLock()
	defer logSecrets.RUnlock()
	return logSecrets.r.redact(s)
}

// redactHandler passes rclone's log records to h with secrets removed.
type redactHandler struct{ h slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return r.h.Enabled(ctx, l)
}

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, redactLog(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = redactAttr(a)
	}
	return redactHandler{h: r.h.WithAttrs(clean)}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h: r.h.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = redactAttr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString, slog.KindAny:
		return slog.String(a.Key, redactLog(fmt.Sprint(v.Any())))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

// storeError is an error of one store: its text is redacted, its chain is
// kept for errors.Is/As (ErrNotFound, rclone's classification).
type storeError struct {
	msg string
	err error
}

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Unwrap() error { return e.err }
