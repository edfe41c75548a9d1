package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// addNodeFlag adds --node to plan, apply and watch (DESIGN.md §8, fleets).
func addNodeFlag(f *pflag.FlagSet, node *string) {
	f.StringVar(node, "node", "", "plan as node `NAME`: run only the actions it owns by the `node` attributes of "+
		"applications and tiers, show the others as owned elsewhere (default: this host's name)")
}

// resolveNode is the node a command plans as: --node, else the host name.
func resolveNode(flag string) (string, error) {
	if flag != "" {
		if err := spec.CheckNodeName(flag); err != nil {
			return "", fmt.Errorf("--node: %v", err)
		}
		return flag, nil
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "", fmt.Errorf("cannot tell this host's name (%v); give the node with --node NAME", err)
	}
	return host, nil
}

// checkPlanNode refuses a saved plan made for another node than this
// apply's (--node nodeFlag): it lists only what that node owns.
func checkPlanNode(p *planner.Plan, nodeFlag, file string) error {
	if p.Node == "" {
		return nil
	}
	node, err := resolveNode(nodeFlag)
	if err != nil || p.Node == node {
		return err
	}
	return fmt.Errorf("%s was planned for node %s, and this apply runs as node %s: a saved plan holds only the "+
		"actions of its node; apply it with --node %s on that node, or plan again here (nothing was changed)",
		file, p.Node, node, p.Node)
}

// noteElsewhere says, after an apply's own actions were decided, what it
// left to other nodes: an apply shows no plan with --auto-approve or a
// saved plan, and "No changes" alone would hide that others have work.
func (g *globals) noteElsewhere(p *planner.Plan) {
	if len(p.Elsewhere) == 0 && len(p.Waiting) == 0 {
		return
	}
	msg := fmt.Sprintf("node %s left %s to other nodes", p.Node, count(len(p.Elsewhere), "action", "actions"))
	if n := len(p.Waiting); n > 0 {
		msg += fmt.Sprintf(", and %s waiting for them", count(n, "action of its own", "actions of its own"))
	}
	g.hintf("%s; 'strata plan --node %s' lists them", msg, p.Node)
}

// count is "1 action", "2 actions".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
