// Package web is the status page `strata watch` serves at /: what is backed
// up where (a matrix of applications × tier and destination), what the loop
// is doing now (live over Server-Sent Events at /events), the last plan and
// apply, and, when enabled, buttons that queue requests into the loop.
//
// It renders reconcile.Status, the same state /status serves as JSON, and
// nothing else: it never lists a destination, plans or runs an action
// itself. A request (snapshot now, verify now, apply now) is a POST with the
// process's CSRF token, queued with reconcile.Loop.Request. Guard puts a
// login (HTTP basic authentication against bcrypt hashes) in front of what
// the caller serves and, on a loopback listener, refuses requests naming
// another host (DNS rebinding).
//
// The page is plain server-rendered HTML (html/template) that works without
// JavaScript; a small embedded script only swaps in the live fragments the
// event stream pushes. No asset comes from elsewhere.
package web
