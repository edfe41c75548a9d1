package notify

import (
	"fmt"

	"github.com/stratabackup/strata/spec"
)

// CheckFailed is the event of a restore test (a check block) that failed:
// fired each time one fails (checks run on their own schedule, so this is
// no repeat on every run), never for one that passed.
func CheckFailed(base Event, check, app, tier, action, problem string) Event {
	ev := with(base, spec.EventCheckFailed, fmt.Sprintf("check %q of %s at tier %s failed: %s", check, app, tier, problem))
	ev.App, ev.Tier = app, tier
	ev.Failures = []Failure{{Action: action, Error: problem}}
	return ev
}
