package spec

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The events a notify block can subscribe to (DESIGN.md §6, watch).
const (
	EventFailure       = "failure"        // an action or a listing failed
	EventRecovered     = "recovered"      // the next run after a failure or staleness succeeded
	EventStale         = "stale"          // an app's newest snapshot at a tier is older than its schedule allows
	EventConfigInvalid = "config_invalid" // an edit made the configuration invalid
	EventStart         = "start"          // a run (or one application's part of it) begins: a heartbeat
	EventSuccess       = "success"        // a run (or one application's part of it) ended without a failure: a heartbeat
	EventCheckFailed   = "check_failed"   // a restore test (check block) failed: the restore or its command
)

// NotifyEvents lists every event, in documentation order.
var NotifyEvents = []string{EventFailure, EventRecovered, EventStale, EventConfigInvalid, EventStart, EventSuccess, EventCheckFailed}

// StateEvents are the events a block without `on` fires on: the changes of
// state. Heartbeats (start, success) fire on every run, so a block asks for
// them by name — or has a ping, whose default is PingEvents.
var StateEvents = []string{EventFailure, EventRecovered, EventStale, EventConfigInvalid, EventCheckFailed}

// PingEvents are the events a ping URL hears by default and the only ones
// it sends: GET URL/start, GET URL, GET URL/fail (healthchecks.io's protocol).
var PingEvents = []string{EventStart, EventSuccess, EventFailure}

// Notify is one `notify "name" { … }` block: which events go to which channels.
type Notify struct {
	Name string
	// On lists the events that fire this block; StateEvents when `on` is
	// absent (PingEvents when the block has a ping).
	On []string
	// Application, when set, limits the block to the events about that
	// application: its own heartbeats (start, success, failure of its
	// actions in a run) and its stale/recovered. Without it the block hears
	// the events of whole runs and the stale/recovered of any application.
	Application string
	// Ping is a heartbeat URL (healthchecks.io and compatible): GET
	// Ping+"/start" on start, Ping on success, Ping+"/fail" on failure.
	Ping *Value
	// Webhook, Command, Email and Ping are the channels; at least one is set.
	Webhook *Webhook
	// Command is run with the event as JSON on its standard input.
	Command   []string
	Email     *Email
	DeclRange hcl.Range
}

// Wants reports whether the block subscribes to event.
func (n *Notify) Wants(event string) bool { return slices.Contains(n.On, event) }

// Webhook is `webhook { url, headers }`: the event is POSTed as JSON.
type Webhook struct {
	URL     Value
	Headers map[string]Value
}

// Email is `email { smtp, from, to, username, password }`: the event is sent
// as a plain-text mail through an SMTP server ("host:port"; port 465 means
// implicit TLS, other ports use STARTTLS when the server offers it).
type Email struct {
	SMTP     string
	From     string
	To       []string
	Username Value
	Password Value
}

var notifySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "on"}, {Name: "command"}, {Name: "ping"}, {Name: "application"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "webhook"}, {Type: "email"}},
}

var webhookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "url", Required: true}, {Name: "headers"}},
}

var emailSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "smtp", Required: true}, {Name: "from", Required: true}, {Name: "to", Required: true},
		{Name: "username"}, {Name: "password"},
	},
}

func (l *loader) decodeNotifications(bs []*hcl.Block) {
	for _, b := range bs {
		l.cfg.Notifications = append(l.cfg.Notifications, l.decodeNotifyBlock(b))
	}
}

func (l *loader) decodeNotifyBlock(b *hcl.Block) *Notify {
	n := &Notify{Name: b.Labels[0], DeclRange: b.DefRange, On: StateEvents}
	content, diags := b.Body.Content(notifySchema)
	l.diags = append(l.diags, diags...)
	l.decodePing(n, content.Attributes["ping"])
	if attr := content.Attributes["on"]; attr != nil {
		n.On = l.notifyEvents(attr)
	}
	if attr := content.Attributes["application"]; attr != nil {
		if name, ok := l.refName(attr.Expr, "application"); ok && l.cfg.Application(name) == nil {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, undeclared("application", name, rng))
		} else {
			n.Application = name
		}
	}
	if attr := content.Attributes["command"]; attr != nil {
		if cmd, ok := l.attrStrings(attr); ok && len(cmd) == 0 {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Empty command", "command needs at least the program to run.", &rng))
		} else {
			n.Command = cmd
		}
	}
	if wb := l.singleBlock(content, "webhook"); wb != nil {
		n.Webhook = l.decodeWebhookBlock(wb)
	}
	if eb := l.singleBlock(content, "email"); eb != nil {
		n.Email = l.decodeEmailBlock(eb)
	}
	if !diags.HasErrors() && n.Webhook == nil && n.Email == nil && content.Attributes["command"] == nil && content.Attributes["ping"] == nil {
		l.diags = append(l.diags, errorDiag("Notification without a channel",
			fmt.Sprintf("notify %q needs a webhook block, an email block, a command or a ping.", n.Name), &b.LabelRanges[0]))
	}
	return n
}

// notifyEvents decodes `on = [...]`, refusing unknown events.
func (l *loader) notifyEvents(attr *hcl.Attribute) []string {
	events, ok := l.attrStrings(attr)
	if !ok {
		return nil
	}
	for _, e := range events {
		if !slices.Contains(NotifyEvents, e) {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Unknown notification event",
				fmt.Sprintf("%q is not an event; use %s.", e, strings.Join(NotifyEvents, ", ")), &rng))
			return nil
		}
	}
	return events
}

// decodePing decodes `ping = "URL"`, an http(s) heartbeat URL; a block
// with a ping hears PingEvents unless `on` says otherwise.
func (l *loader) decodePing(n *Notify, attr *hcl.Attribute) {
	if attr == nil {
		return
	}
	v, ok := l.valueOf(attr.Expr)
	if !ok {
		return
	}
	l.checkURL("ping", v)
	n.Ping, n.On = &v, PingEvents
}

func (l *loader) decodeWebhookBlock(b *hcl.Block) *Webhook {
	w := &Webhook{}
	content, diags := b.Body.Content(webhookSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["url"]; attr != nil {
		w.URL, _ = l.valueOf(attr.Expr)
		l.checkURL("webhook", w.URL)
	}
	if attr := content.Attributes["headers"]; attr != nil {
		w.Headers = l.decodeOptions(attr)
	}
	return w
}

// checkURL refuses a webhook or ping URL that is not http(s); a URL from
// an unset env() is checked only when sent.
func (l *loader) checkURL(what string, v Value) {
	if v.UnsetEnv != "" {
		return
	}
	u, err := url.Parse(v.Str)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		detail := "The " + what + " url must be an http:// or https:// URL."
		if !v.Sensitive {
			detail = fmt.Sprintf("%q is not an http:// or https:// URL.", v.Str)
		}
		l.diags = append(l.diags, errorDiag("Invalid "+what+" URL", detail, &v.Range))
	}
}

func (l *loader) decodeEmailBlock(b *hcl.Block) *Email {
	e := &Email{}
	content, diags := b.Body.Content(emailSchema)
	l.diags = append(l.diags, diags...)
	attrs := content.Attributes
	if attr := attrs["smtp"]; attr != nil {
		e.SMTP = l.optString(attr)
		if _, _, err := net.SplitHostPort(e.SMTP); err != nil && e.SMTP != "" {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid SMTP server",
				fmt.Sprintf("%q is not host:port, such as \"mail.example.org:587\".", e.SMTP), &rng))
		}
	}
	e.From = l.optString(attrs["from"])
	if attr := attrs["to"]; attr != nil {
		e.To, _ = l.attrStrings(attr)
	}
	if attr := attrs["username"]; attr != nil {
		e.Username, _ = l.valueOf(attr.Expr)
	}
	if attr := attrs["password"]; attr != nil {
		e.Password, _ = l.valueOf(attr.Expr)
	}
	return e
}
