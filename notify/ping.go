package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stratabackup/strata/spec"
)

// PingTimeout bounds one heartbeat request: a dead man's switch that cannot
// be reached must not hold a backup up.
const PingTimeout = 10 * time.Second

// pingURL is the URL a heartbeat GETs, the way healthchecks.io expects:
// URL/start when a run begins, URL on success, URL/fail on failure.
func pingURL(base string, event string) string {
	base = strings.TrimSuffix(base, "/")
	switch event {
	case spec.EventStart:
		return base + "/start"
	case spec.EventFailure:
		return base + "/fail"
	}
	return base
}

// ping GETs the heartbeat URL of ev; any status but 2xx is an error.
func ping(ctx context.Context, v spec.Value, ev Event) error {
	base, err := value(v)
	if err != nil {
		return err
	}
	url := pingURL(base, ev.Event)
	shown := url
	if v.Sensitive {
		shown = "(secret URL)" + strings.TrimPrefix(url, strings.TrimSuffix(base, "/"))
	}
	ctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: invalid request", shown)
	}
	req.Header.Set("User-Agent", "strata")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %s", shown, redactURL(err, url, shown))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: the receiver answered %s", shown, resp.Status)
	}
	return nil
}
