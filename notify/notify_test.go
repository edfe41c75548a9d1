package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/notify/notifytest"
	"github.com/stratabackup/strata/spec"
)

func failureEvent() Event {
	ev := Base(time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC), "/etc/strata", "abc123")
	ev.Event, ev.Summary = spec.EventFailure, "backup failure: snapshot:docs failed"
	ev.Failures = []Failure{{Action: "snapshot:docs:local/primary:new", Error: "hook failed"}}
	return ev
}

func TestWebhook(t *testing.T) {
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer srv.Close()
	n := &spec.Notify{Name: "hook", On: []string{spec.EventFailure}, Webhook: &spec.Webhook{
		URL:     spec.Value{Str: srv.URL + "/strata"},
		Headers: map[string]spec.Value{"Authorization": {Str: "Bearer t0ken", Sensitive: true}},
	}}
	if err := Send(context.Background(), []*spec.Notify{n}, failureEvent()); err != nil {
		t.Fatal(err)
	}
	r, body := <-got, <-bodies
	if r.Method != http.MethodPost || r.URL.Path != "/strata" || r.Header.Get("Authorization") != "Bearer t0ken" ||
		r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s with headers %v", r.Method, r.URL, r.Header)
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Event != "failure" || len(ev.Failures) != 1 {
		t.Errorf("body %s: %v", body, err)
	}
}

func TestWebhookErrorHidesSecretURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	n := &spec.Notify{Name: "hook", On: spec.NotifyEvents, Webhook: &spec.Webhook{URL: spec.Value{Str: srv.URL + "/s3cret", Sensitive: true}}}
	err := Send(context.Background(), []*spec.Notify{n}, failureEvent())
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "500") {
		t.Errorf("err = %v; want a 500 error without the secret URL", err)
	}
}

func TestCommandGetsJSONOnStdin(t *testing.T) {
	out := filepath.Join(t.TempDir(), "event.json")
	n := &spec.Notify{Name: "cmd", On: spec.NotifyEvents,
		Command: []string{"sh", "-c", `cat > "$0"; echo "$STRATA_EVENT" >> "$0"`, out}}
	if err := Send(context.Background(), []*spec.Notify{n}, failureEvent()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), `"event": "failure"`) || !strings.HasSuffix(string(b), "}\nfailure\n") {
		t.Errorf("the command got %q (%v)", b, err)
	}
}

func TestCommandFailureQuotesOutput(t *testing.T) {
	n := &spec.Notify{Name: "cmd", On: spec.NotifyEvents, Command: []string{"sh", "-c", "echo cannot page; exit 3"}}
	err := Send(context.Background(), []*spec.Notify{n}, failureEvent())
	if err == nil || !strings.Contains(err.Error(), `notify "cmd": command: sh: exit status 3: cannot page`) {
		t.Errorf("err = %v", err)
	}
}

func TestEmailOverSMTP(t *testing.T) {
	srv := notifytest.NewSMTPServer(t, "strata", "pa55")
	n := &spec.Notify{Name: "mail", On: spec.NotifyEvents, Email: &spec.Email{
		SMTP: srv.Addr, From: "strata@example.org", To: []string{"ops@example.org", "oncall@example.org"},
		Username: spec.Value{Str: "strata"}, Password: spec.Value{Str: "pa55", Sensitive: true},
	}}
	if err := Send(context.Background(), []*spec.Notify{n}, failureEvent()); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-srv.Mails:
		if m.From != "strata@example.org" || len(m.To) != 2 || m.User != "strata" ||
			!strings.Contains(m.Data, "Subject: [strata] failure on ") || !strings.Contains(m.Data, "hook failed") {
			t.Errorf("mail = %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no mail arrived")
	}
}

func TestEmailWrongPassword(t *testing.T) {
	srv := notifytest.NewSMTPServer(t, "strata", "pa55")
	n := &spec.Notify{Name: "mail", On: spec.NotifyEvents, Email: &spec.Email{
		SMTP: srv.Addr, From: "a@example.org", To: []string{"b@example.org"},
		Username: spec.Value{Str: "strata"}, Password: spec.Value{Str: "wrong-secret", Sensitive: true},
	}}
	err := Send(context.Background(), []*spec.Notify{n}, failureEvent())
	if err == nil || !strings.Contains(err.Error(), "refused the login of strata") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("err = %v", err)
	}
}

func TestUnsetEnvIsAnErrorWhenSent(t *testing.T) {
	n := &spec.Notify{Name: "hook", On: spec.NotifyEvents, Webhook: &spec.Webhook{URL: spec.Value{UnsetEnv: "HOOK_URL"}}}
	err := Send(context.Background(), []*spec.Notify{n}, failureEvent())
	if err == nil || !strings.Contains(err.Error(), "HOOK_URL is not set") {
		t.Errorf("err = %v", err)
	}
}

func TestSendOnlyToSubscribers(t *testing.T) {
	n := &spec.Notify{Name: "cmd", On: []string{spec.EventStale}, Command: []string{"false"}}
	if err := Send(context.Background(), []*spec.Notify{n}, failureEvent()); err != nil {
		t.Errorf("a block not subscribed to failure ran: %v", err)
	}
}

func TestTrackerFiresOnChangesOnly(t *testing.T) {
	var tr Tracker
	base := Base(time.Now(), "/c", "")
	fail := Outcome{Failures: []Failure{{Action: "snapshot:a", Error: "boom"}}}
	newest := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stale := Outcome{Stale: []Stale{{App: "a", Tier: "local", Newest: newest, Due: newest.Add(time.Hour)}}}
	steps := []struct {
		run  Outcome
		want []string
	}{
		{Outcome{}, nil},
		{fail, []string{"failure"}},
		{fail, nil},
		{Outcome{}, []string{"recovered"}},
		{stale, []string{"stale"}},
		{stale, nil},
		{Outcome{}, []string{"recovered"}},
	}
	for i, s := range steps {
		var got []string
		for _, ev := range tr.Run(s.run, base) {
			got = append(got, ev.Event)
		}
		if strings.Join(got, ",") != strings.Join(s.want, ",") {
			t.Errorf("step %d: events %v, want %v", i, got, s.want)
		}
	}
	if evs := tr.Config(false, []string{"main.hcl:3: bad"}, base); len(evs) != 1 || evs[0].Event != "config_invalid" {
		t.Errorf("invalid config: %v", evs)
	}
	if evs := tr.Config(false, nil, base); len(evs) != 0 {
		t.Errorf("still invalid: %v", evs)
	}
	if evs := tr.Config(true, nil, base); len(evs) != 1 || evs[0].Event != "recovered" {
		t.Errorf("valid again: %v", evs)
	}
}
