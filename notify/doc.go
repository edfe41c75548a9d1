// Package notify tells people and programs when strata's backups change
// state: an action failed (failure), the next run after a failure succeeded
// (recovered), an application's newest snapshot at a tier is older than its
// schedule allows (stale), or an edit made the configuration invalid
// (config_invalid). A Tracker turns each run's outcome into events only when
// the state changes, never on every repeat. Heartbeats (Start, Finish) fire
// on every run instead: start, then success or failure, of a whole run and
// of each application's part of it. Send delivers an event to the `notify`
// blocks of the configuration that subscribe to it: a webhook (JSON POST), a
// command (JSON on standard input), an email over SMTP or a ping (GET
// URL/start, URL, URL/fail, the way healthchecks.io expects).
//
// It never prints or returns a secret (header values, passwords and URLs that
// come from env() or file() are redacted in errors), and it never blocks a
// backup for long: every channel has a timeout.
package notify
