package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/spec"
)

// Timeout bounds the delivery of one event on one channel.
const Timeout = 30 * time.Second

// Send delivers ev on every channel of every block that subscribes to it and
// returns the failures joined, each naming its block and channel.
func Send(ctx context.Context, blocks []*spec.Notify, ev Event) error {
	var errs []error
	for _, n := range blocks {
		if !hears(n, ev) {
			continue
		}
		for _, ch := range channels(n) {
			if !delivers(ch.name, ev) {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, Timeout)
			if err := ch.send(cctx, ev); err != nil {
				errs = append(errs, fmt.Errorf("notify %q: %s: %w", n.Name, ch.name, err))
			}
			cancel()
		}
	}
	return errors.Join(errs...)
}

// SendAll delivers every event in order; see Send.
func SendAll(ctx context.Context, blocks []*spec.Notify, evs []Event) error {
	var errs []error
	for _, ev := range evs {
		errs = append(errs, Send(ctx, blocks, ev))
	}
	return errors.Join(errs...)
}

type channel struct {
	name string
	send func(context.Context, Event) error
}

func channels(n *spec.Notify) []channel {
	var out []channel
	if n.Webhook != nil {
		out = append(out, channel{"webhook", func(ctx context.Context, ev Event) error { return postWebhook(ctx, n.Webhook, ev) }})
	}
	if len(n.Command) > 0 {
		out = append(out, channel{"command", func(ctx context.Context, ev Event) error { return runCommand(ctx, n.Command, ev) }})
	}
	if n.Email != nil {
		out = append(out, channel{"email", func(ctx context.Context, ev Event) error { return sendEmail(ctx, n.Email, ev) }})
	}
	if n.Ping != nil {
		out = append(out, channel{"ping", func(ctx context.Context, ev Event) error { return ping(ctx, *n.Ping, ev) }})
	}
	return out
}

// value returns a configured value, or an error naming the unset
// environment variable it needs.
func value(v spec.Value) (string, error) {
	if v.UnsetEnv != "" {
		return "", fmt.Errorf("environment variable %s is not set; set it where strata runs", v.UnsetEnv)
	}
	return v.Str, nil
}
