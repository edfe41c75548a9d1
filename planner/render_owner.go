package planner

import (
	"fmt"
	"strings"
)

// others renders, as comments after the plan's own actions, the actions
// other nodes own and those of this node that wait for them (fleets, see
// Owner): "# 2 actions owned by zg-3 (not run here):", one line each.
func (r *renderer) others(p *Plan) {
	byOwner := map[string][]Action{}
	for _, a := range p.Elsewhere {
		byOwner[a.Owner] = append(byOwner[a.Owner], a)
	}
	names := sortedKeys(byOwner)
	for _, o := range names {
		as := byOwner[o]
		r.commented(fmt.Sprintf("%d %s owned by %s (not run here):", len(as), plural(len(as), "action", "actions"), o), as)
	}
	if n := len(p.Waiting); n > 0 {
		r.commented(fmt.Sprintf("%d %s for actions owned by %s (planned once they have run):",
			n, plural(n, "action waits", "actions wait"), joinList(names)), p.Waiting)
	}
	if len(p.Elsewhere) > 0 || len(p.Waiting) > 0 {
		r.line("")
	}
}

// commented writes a heading and one line per action, each as a comment.
func (r *renderer) commented(head string, as []Action) {
	r.line("%s", r.paint(ansiBold, "# "+head))
	width := 0
	for _, a := range as {
		width = max(width, len(column(a)))
	}
	for _, a := range as {
		r.line("#   %s %-8s  %-*s  %s", kindStyle[a.Kind].sym, a.Kind, width, column(a), describe(a))
	}
}

// joinList is "a", "a and b", "a, b and c".
func joinList(ss []string) string {
	switch len(ss) {
	case 0:
		return ""
	case 1:
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " and " + ss[len(ss)-1]
}

// nodeSummary is the last line of a node's plan with nothing of its own to
// do while other nodes have work: "" when it does not apply.
func nodeSummary(p *Plan) string {
	if len(p.Actions) > 0 || (len(p.Elsewhere) == 0 && len(p.Waiting) == 0) {
		return ""
	}
	return fmt.Sprintf("No changes on node %s: the actions above are other nodes' or wait for them.", p.Node)
}
