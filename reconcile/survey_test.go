package reconcile

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
)

// usageCounter is a real store that counts the free-space questions.
type usageCounter struct {
	providers.Store
	asked atomic.Int64
}

func (u *usageCounter) Usage(ctx context.Context) (providers.Usage, bool, error) {
	u.asked.Add(1)
	return u.Store.Usage(ctx)
}

// TestRecheckAsksFreeSpaceOnce: an apply's check after the leases lists
// again but keeps the free space its plan was checked against.
func TestRecheckAsksFreeSpaceOnce(t *testing.T) {
	ctx := context.Background()
	st, err := providers.Open(ctx, providers.Config{Name: "d", Remote: t.TempDir(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	counted := &usageCounter{Store: st}
	s := &Survey{Config: clockConfig(t), Stores: executor.Stores{"d": counted}}
	s.Relist(ctx)
	if !s.Listings[0].FreeKnown || counted.asked.Load() != 1 {
		t.Fatalf("first listing: free known %v, asked %d times; want known, once", s.Listings[0].FreeKnown, counted.asked.Load())
	}
	free := s.Listings[0].Free
	if err := s.Recheck(ctx, &planner.Plan{Fingerprint: s.Inventory.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if n := counted.asked.Load(); n != 1 {
		t.Errorf("free space asked %d times for one plan and its recheck, want 1", n)
	}
	if l := s.Listings[0]; !l.FreeKnown || l.Free != free {
		t.Errorf("after the recheck: free %d (known %v), want the plan's %d", l.Free, l.FreeKnown, free)
	}
}
