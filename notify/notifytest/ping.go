package notifytest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// PingServer is a heartbeat receiver on 127.0.0.1 (healthchecks.io's
// protocol) that keeps the method and path of every request.
type PingServer struct {
	// URL is the server's base URL.
	URL    string
	mu     sync.Mutex
	hits   []string
	status int
}

// NewPingServer starts a ping receiver that answers status (200 when 0).
// It stops when the test ends.
func NewPingServer(t testing.TB, status int) *PingServer {
	t.Helper()
	p := &PingServer{status: status}
	if p.status == 0 {
		p.status = http.StatusOK
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits = append(p.hits, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		w.WriteHeader(p.status)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Hits are the requests so far, "GET /path" each, in order.
func (p *PingServer) Hits() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.hits...)
}
