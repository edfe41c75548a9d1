package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// Survey is a configuration plus what is stored at its destinations: the
// outcome of the list step, and what every command that reads the stored
// backups starts from.
type Survey struct {
	Config    *spec.Config
	Stores    executor.Stores
	Listings  []planner.Listing
	Inventory *planner.Inventory
	// Down are the destinations whose server could not be reached when
	// they were opened (name → why): not in Stores, and in every listing
	// as failed listings, so the plan leaves them alone as it does any
	// destination it cannot list (no purge anywhere) and goes on with the
	// rest.
	Down map[string]string
}

// List opens every destination cfg uses and lists each once. A destination
// that cannot be opened (a missing secret, an unknown host key) is an error;
// one whose server cannot be reached (Down) or whose listing fails is in
// Inventory.Failed. With names, only the destinations named are opened
// and listed (strata gc DESTINATION).
func List(ctx context.Context, cfg *spec.Config, names ...string) (*Survey, error) {
	st, down, err := stores.OpenReachable(ctx, cfg, names...)
	if err != nil {
		return nil, err
	}
	s := &Survey{Config: cfg, Stores: st, Down: map[string]string{}}
	for name, err := range down {
		s.Down[name] = "cannot connect: " + err.Error()
	}
	s.Relist(ctx)
	return s, nil
}

// Relist lists every destination again and rebuilds the inventory.
func (s *Survey) Relist(ctx context.Context) {
	s.Listings = append(executor.Gather(ctx, s.Stores), s.downListings()...)
	s.Inventory = planner.BuildInventory(s.Config, s.Listings)
	s.addStandbys()
}

// downListings are the failed listings of the destinations that could not
// be reached.
func (s *Survey) downListings() []planner.Listing {
	out := make([]planner.Listing, 0, len(s.Down))
	for _, name := range slices.Sorted(maps.Keys(s.Down)) {
		out = append(out, planner.Listing{Destination: name, Err: s.Down[name]})
	}
	return out
}

// ErrChanged is what Apply returns when the stored backups changed between
// the plan and the leases.
var ErrChanged = errors.New("the stored backups changed between the plan and the leases (another apply ran meanwhile?); " +
	"nothing was done; run 'strata plan' or 'strata apply' again")

// Recheck lists the destinations again and refuses a plan made from a state
// that changed meanwhile: another apply that finished between our plan and
// our lease must not make us repeat its work (a duplicate snapshot) or act on
// copies it removed.
//
// The free space the plan was checked against is kept, not asked again: the
// plan's preflight is done, and a second question costs a round trip (and,
// over SFTP, maybe a connection) for an answer nothing reads.
func (s *Survey) Recheck(ctx context.Context, p *planner.Plan) error {
	s.Listings = append(executor.Regather(ctx, s.Stores, s.Listings), s.downListings()...)
	s.Inventory = planner.BuildInventory(s.Config, s.Listings)
	s.addStandbys()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.Inventory.Fingerprint == p.Fingerprint {
		return nil
	}
	return ErrChanged
}

// Plan makes the plan of what s holds at now, with the sizes of the sources
// whose first snapshot the free-space preflight must estimate. A plan
// refused by the mass purge rule is nil, with an error that says so and
// wraps the *planner.MassPurgeError; any other error comes with the plan
// (DESIGN §3).
func Plan(ctx context.Context, s *Survey, now time.Time, opts planner.Options) (*planner.Plan, error) {
	opts.SourceBytes = sourceSizes(ctx, s, opts.Node)
	p, err := planner.BuildPlan(s.Config, s.Inventory, now, opts)
	var mass *planner.MassPurgeError
	if errors.As(err, &mass) {
		return nil, fmt.Errorf("plan refused: %w", err)
	}
	return p, err
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	executor.Options
	// Progress, when set, is called once the leases are held and the plan
	// rechecked: the events of the run go to the function it returns, and
	// done is called when the run ends.
	Progress func(actions int) (events func(executor.Event), done func())
}

// Apply runs p the way every apply does, `strata apply` and the apply step
// of the loop alike: it takes a lease on every destination the plan writes,
// rechecks the inventory with the leases held, runs the plan and releases
// the leases. The error is of the leases (a *executor.LockedError when
// another apply holds one) or of the recheck; nothing ran then. What the
// actions did is in the report.
func Apply(ctx context.Context, s *Survey, p *planner.Plan, o ApplyOptions) (*executor.Report, error) {
	written := executor.Stores{}
	for _, a := range p.Actions {
		written[a.Location.Destination] = s.Stores[a.Location.Destination]
	}
	leases, err := executor.Acquire(ctx, written)
	if err != nil {
		return nil, err
	}
	defer leases.Release()
	if err := s.Recheck(ctx, p); err != nil {
		return nil, err
	}
	opts := o.Options
	if o.Progress != nil {
		events, done := o.Progress(len(p.Actions))
		defer done()
		opts.Events = events
	}
	return executor.New(s.Stores, opts).Run(ctx, p), nil
}
