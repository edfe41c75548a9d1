package planner

import (
	"encoding/json"
	"fmt"
	"strings"
)

// JSON returns the plan's versioned, indented JSON form, the one scripts read
// and the human form is rendered from.
func (p *Plan) JSON() ([]byte, error) {
	q := *p
	if q.Actions == nil {
		q.Actions = []Action{}
	}
	b, err := json.MarshalIndent(&q, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadPlanJSON decodes a plan written by JSON, refusing other major versions.
func ReadPlanJSON(b []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading plan: %w", err)
	}
	if major(p.FormatVersion) != major(PlanFormatVersion) {
		return nil, fmt.Errorf("reading plan: format version %q is not supported (want %s.x)",
			p.FormatVersion, major(PlanFormatVersion))
	}
	return &p, nil
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}
