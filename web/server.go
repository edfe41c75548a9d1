package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/stratabackup/strata/reconcile"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Loop is what the page reads and asks: a reconcile.Loop.
type Loop interface {
	Status() *reconcile.Status
	Request(reconcile.Request) (int, error)
}

// Options configure a Server.
type Options struct {
	Loop Loop
	// Actions turns on the buttons and POST /action (--web-actions).
	Actions bool
}

// Server serves the page.
type Server struct {
	o    Options
	csrf string
	tmpl *template.Template
}

// liveFragments are the parts of the page the event stream replaces, by
// the id of their element and the template that renders them.
var liveFragments = []string{"now", "matrix", "wake", "requests", "lastrun"}

// appArgs are the arguments of the template of an application's buttons.
type appArgs struct {
	P   *page
	App string
}

// New returns a Server; its CSRF token is new random bytes, for this
// process only.
func New(o Options) (*Server, error) {
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"rfc3339": func(t time.Time) string { return t.Format(time.RFC3339) },
		"args":    func(p *page, app string) appArgs { return appArgs{p, app} },
	}).
		ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &Server{o: o, csrf: hex.EncodeToString(tok), tmpl: t}, nil
}

// Register mounts the page on mux: / (the page), /app/NAME (an
// application), /events (the live fragments), /action (POST, with
// Options.Actions) and /static/.
func (s *Server) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /app/{name}", s.app)
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("POST /action", s.action)
}

// read shapes the status into a page.
func (s *Server) read() *page {
	var p *page
	s.o.Loop.Status().Read(func(st *reconcile.Status) { p = newPage(st, time.Now()) })
	p.Actions, p.CSRF = s.o.Actions, s.csrf
	return p
}

func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	s.render(w, "page", s.read())
}

func (s *Server) app(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var p *page
	s.o.Loop.Status().Read(func(st *reconcile.Status) {
		p = newPage(st, time.Now())
		p.App = newAppView(st, p, name)
	})
	if p.App == nil {
		http.Error(w, fmt.Sprintf("no application %q in the running configuration", name), http.StatusNotFound)
		return
	}
	p.Actions, p.CSRF = s.o.Actions, s.csrf
	s.render(w, "app", p)
}

// render executes a template into a buffer first, so that a failure is a
// clean 500 and not half a page.
func (s *Server) render(w http.ResponseWriter, name string, p *page) {
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	_, _ = w.Write(b.Bytes())
}

// fragments renders the live parts of p, by element id.
func (s *Server) fragments(p *page) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range liveFragments {
		var b strings.Builder
		if err := s.tmpl.ExecuteTemplate(&b, name, p); err != nil {
			return nil, err
		}
		out[name] = b.String()
	}
	return out, nil
}

// Bounds of the event stream: at most one message per minGap, and one at
// least every keepalive (the ages move on).
const (
	minGap    = 250 * time.Millisecond
	keepalive = 5 * time.Second
)

// events streams the live fragments as Server-Sent Events: now, then after
// every change of the status (at most one per minGap) and every keepalive.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported here", http.StatusInternalServerError)
		return
	}
	changes, stop := s.o.Loop.Status().Subscribe()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	tick := time.NewTicker(keepalive)
	defer tick.Stop()
	for {
		if err := s.send(w, fl); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-changes:
		case <-tick.C:
		}
		if !pause(r.Context(), minGap) {
			return
		}
	}
}

// send writes one message: the fragments as one line of JSON.
func (s *Server) send(w http.ResponseWriter, fl http.Flusher) error {
	frags, err := s.fragments(s.read())
	if err != nil {
		return err
	}
	b, err := json.Marshal(frags)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
		return err
	}
	fl.Flush()
	return nil
}

// pause waits d; false when ctx ended first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// action queues the request a form posts: kind (snapshot, verify, apply)
// and app, with the CSRF token.
func (s *Server) action(w http.ResponseWriter, r *http.Request) {
	if !s.o.Actions {
		http.Error(w, "actions are turned off; start 'strata watch' with --web-actions to allow them", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "unreadable form: "+err.Error(), http.StatusBadRequest)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
		http.Error(w, "missing or wrong CSRF token: reload the page and try again", http.StatusForbidden)
		return
	}
	req := reconcile.Request{Kind: reconcile.RequestKind(r.PostFormValue("kind")), App: r.PostFormValue("app")}
	if _, err := s.o.Loop.Request(req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/#requests", http.StatusSeeOther)
}
