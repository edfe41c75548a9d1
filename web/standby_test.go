package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/reconcile"
)

// TestStandbyOnPageAndStatus: after a pass that restores a standby, the
// page, the application's page and /status say what it holds and from where.
func TestStandbyOnPageAndStatus(t *testing.T) {
	l, _ := newLoopWith(t, `
standby "web-standby" {
  application = application.web
  from        = tier.local
  path        = "${path.config}/standby"
}
`, nil)
	if r := l.Pass(context.Background(), "test"); r.Kind != reconcile.Continue {
		t.Fatalf("pass = %+v", r)
	}
	srv := newServer(t, l, false, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second}
	code, body := get(t, c, srv.URL+"/")
	if code != 200 || !strings.Contains(body, `data-standby="web-standby"`) || !strings.Contains(body, "from local/d since") {
		t.Errorf("GET / = %d, no standby line:\n%s", code, body)
	}
	// The application's page (issue 14: "a click opens the application:
	// ... its standby") says it too.
	code, body = get(t, c, srv.URL+"/app/web")
	if code != 200 || !strings.Contains(body, `data-standby="web-standby"`) || !strings.Contains(body, "from local/d since") {
		t.Errorf("GET /app/web = %d, no standby line:\n%s", code, body)
	}
	js, err := l.Status().JSON() // what /status serves
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Standbys []reconcile.StandbyStatus `json:"standbys"`
	}
	if err := json.Unmarshal(js, &st); err != nil || len(st.Standbys) != 1 || st.Standbys[0].Snapshot == "" || st.Standbys[0].From != "local/d" || st.Standbys[0].Stale {
		t.Errorf("/status standbys = %+v (%v)", st.Standbys, err)
	}
}
