package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"

	"github.com/stratabackup/strata/spec"
)

// postWebhook POSTs the event as JSON; any status but 2xx is an error.
func postWebhook(ctx context.Context, w *spec.Webhook, ev Event) error {
	url, err := value(w.URL)
	if err != nil {
		return err
	}
	shown := url
	if w.URL.Sensitive {
		shown = "(secret URL)"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(ev.JSON()))
	if err != nil {
		return fmt.Errorf("POST %s: invalid request", shown)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "strata")
	if err := setHeaders(req, w.Headers); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %s", shown, redactURL(err, url, shown))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: the receiver answered %s", shown, resp.Status)
	}
	return nil
}

func setHeaders(req *http.Request, headers map[string]spec.Value) error {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v, err := value(headers[k])
		if err != nil {
			return fmt.Errorf("header %s: %w", k, err)
		}
		req.Header.Set(k, v)
	}
	return nil
}

// redactURL is err's text with a secret URL replaced.
func redactURL(err error, url, shown string) string {
	if shown == url {
		return err.Error()
	}
	return string(bytes.ReplaceAll([]byte(err.Error()), []byte(url), []byte(shown)))
}
