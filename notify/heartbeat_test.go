package notify

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/notify/notifytest"
	"github.com/stratabackup/strata/spec"
)

func heartbeatBase() Event {
	return Base(time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC), "/etc/strata", "")
}

func pingBlock(name, url, app string) *spec.Notify {
	return &spec.Notify{Name: name, On: spec.PingEvents, Ping: &spec.Value{Str: url}, Application: app}
}

// A ping block hears the heartbeats of its scope only: GET URL/start, URL,
// URL/fail; a whole run's block ignores an application's heartbeats and
// the other way round.
func TestPingHeartbeats(t *testing.T) {
	run := notifytest.NewPingServer(t, 0)
	wiki := notifytest.NewPingServer(t, 0)
	blocks := []*spec.Notify{pingBlock("run", run.URL+"/uuid-run", ""), pingBlock("wiki", wiki.URL+"/uuid-wiki/", "wiki")}
	fail := []Failure{{Action: "snapshot:wiki:local/a:new", Error: "hook failed"}}
	evs := []Event{
		Start(heartbeatBase(), ""), Start(heartbeatBase(), "wiki"), Start(heartbeatBase(), "docs"),
		Finish(heartbeatBase(), "wiki", fail), Finish(heartbeatBase(), "docs", nil), Finish(heartbeatBase(), "", fail),
		Start(heartbeatBase(), ""), Finish(heartbeatBase(), "", nil),
	}
	// The Tracker's failure (a change of state) is not a heartbeat: a ping
	// does not send it twice.
	evs = append(evs, (&Tracker{}).Run(Outcome{Failures: fail}, heartbeatBase())...)
	if err := SendAll(context.Background(), blocks, evs); err != nil {
		t.Fatal(err)
	}
	if got, want := run.Hits(), []string{"GET /uuid-run/start", "GET /uuid-run/fail", "GET /uuid-run/start", "GET /uuid-run"}; !slices.Equal(got, want) {
		t.Errorf("run pings %q, want %q", got, want)
	}
	if got, want := wiki.Hits(), []string{"GET /uuid-wiki/start", "GET /uuid-wiki/fail"}; !slices.Equal(got, want) {
		t.Errorf("wiki pings %q, want %q", got, want)
	}
}

// A webhook that asks for start and success gets them on every run; the
// failure of a whole run reaches it through the Tracker alone (on change).
func TestWebhookHeartbeats(t *testing.T) {
	hook := notifytest.NewPingServer(t, 0)
	n := &spec.Notify{Name: "hook", On: []string{spec.EventStart, spec.EventSuccess, spec.EventFailure},
		Webhook: &spec.Webhook{URL: spec.Value{Str: hook.URL + "/h"}}}
	fail := []Failure{{Action: "plan", Error: "x"}}
	evs := []Event{Start(heartbeatBase(), ""), Finish(heartbeatBase(), "", nil), Finish(heartbeatBase(), "", fail)}
	if err := SendAll(context.Background(), []*spec.Notify{n}, evs); err != nil {
		t.Fatal(err)
	}
	if got := len(hook.Hits()); got != 2 {
		t.Errorf("the webhook got %d requests (%q), want 2: start and success", got, hook.Hits())
	}
}

// A ping the receiver refuses is an error naming the block and the
// channel, with a secret URL hidden.
func TestPingRefused(t *testing.T) {
	srv := notifytest.NewPingServer(t, 503)
	n := pingBlock("hc", srv.URL+"/s3cret", "")
	n.Ping.Sensitive = true
	err := Send(context.Background(), []*spec.Notify{n}, Start(heartbeatBase(), ""))
	if err == nil || !strings.Contains(err.Error(), `notify "hc": ping: GET (secret URL)/start`) ||
		!strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v", err)
	}
}

// A receiver that never answers does not hold the run: cancelling the
// context ends the ping at once.
func TestPingCancellable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts (the kernel's backlog) and never answers
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Send(ctx, []*spec.Notify{pingBlock("hc", "http://"+ln.Addr().String(), "")}, Start(heartbeatBase(), ""))
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cancelled ping reported success")
		}
	case <-time.After(PingTimeout):
		t.Fatal("the ping did not stop when its context was cancelled")
	}
}
