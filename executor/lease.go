package executor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// LeaseTTL is how long a lease lives unless renewed; it is renewed every third of it.
const LeaseTTL = 2 * time.Minute

// LockedError says another live apply holds a lease on a destination.
type LockedError struct {
	Destination string
	Holder      planner.Lease
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("destination %q is locked by another apply (lease %s, host %s, pid %d, since %s, expires %s); "+
		"wait for it to finish, or if it is dead run `strata unlock %s %s`",
		e.Destination, e.Holder.ID, e.Holder.Host, e.Holder.PID, e.Holder.Created.Format(time.RFC3339),
		e.Holder.Expires.Format(time.RFC3339), e.Destination, e.Holder.ID)
}

// Leases is the set of leases one apply holds.
type Leases struct {
	ID     string
	stores Stores
	lease  planner.Lease
	mu     sync.Mutex
	stop   chan struct{}
	done   chan struct{}
}

func leasePath(id string) string { return snapshot.LocksDir + "/" + id + ".json" }

func newLeaseID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// isDead reports whether a lease's holder is a process of this host that no
// longer runs.
func isDead(l planner.Lease) bool {
	host, _ := os.Hostname()
	if l.Host != host || l.PID <= 0 {
		return false
	}
	err := syscall.Kill(l.PID, 0)
	return errors.Is(err, syscall.ESRCH)
}

// Acquire writes a lease on every store, then lists each store's leases; if an
// older live lease exists, it withdraws its own everywhere and returns a
// *LockedError (restic's way: object stores have no create-if-absent).
func Acquire(ctx context.Context, stores Stores) (*Leases, error) {
	host, _ := os.Hostname()
	now := time.Now().UTC()
	ls := &Leases{ID: newLeaseID(), stores: stores, stop: make(chan struct{}), done: make(chan struct{})}
	ls.lease = planner.Lease{ID: ls.ID, Host: host, PID: os.Getpid(), Created: now, Expires: now.Add(LeaseTTL)}
	for _, name := range stores.names() {
		if err := ls.write(ctx, name); err != nil {
			ls.withdraw()
			return nil, fmt.Errorf("destination %q: cannot write lease: %w", name, err)
		}
	}
	for _, name := range stores.names() {
		holder, ok, err := ls.olderLive(ctx, name)
		if err != nil {
			ls.withdraw()
			return nil, fmt.Errorf("destination %q: cannot list leases: %w", name, err)
		}
		if ok {
			ls.withdraw()
			return nil, &LockedError{Destination: name, Holder: holder}
		}
	}
	for _, name := range stores.names() {
		cleanLeaseTemps(ctx, stores[name])
	}
	go ls.renew()
	fault(FaultAfterLease)
	return ls, nil
}

// AbandonedLeaseWrite is how old a temporary lease object must be to count
// as abandoned whatever it holds: writing a lease takes well under a second.
// (A younger one may be another apply's write in progress.)
const AbandonedLeaseWrite = 10 * time.Second

// cleanLeaseTemps deletes what a killed apply left of writing its lease: a
// temporary object in the locks folder that names a dead holder of this
// host, or that is older than AbandonedLeaseWrite. It is not a lease, so
// deleting it can cost at most the lease write of an apply just starting
// (which then fails and says so), never a lease in force. Errors are left
// for the next apply.
func cleanLeaseTemps(ctx context.Context, st providers.Store) {
	var temps []providers.Entry
	_ = st.ListDir(ctx, snapshot.LocksDir, func(e providers.Entry) error {
		if !isLease(e.Path) {
			temps = append(temps, e)
		}
		return nil
	})
	for _, e := range temps {
		if time.Since(e.ModTime) > AbandonedLeaseWrite || readLease(ctx, st, e.Path).Dead {
			_ = st.Delete(ctx, e.Path)
		}
	}
}

func (ls *Leases) write(ctx context.Context, name string) error {
	ls.mu.Lock()
	b, _ := json.MarshalIndent(ls.lease, "", "  ")
	ls.mu.Unlock()
	_, err := ls.stores[name].Write(ctx, leasePath(ls.ID), bytes.NewReader(b), int64(len(b)))
	return err
}

// olderLive finds a live lease at the store that is older than ours. Stale
// leases older than ours (dead holder, or expired) are taken over: deleted.
func (ls *Leases) olderLive(ctx context.Context, name string) (planner.Lease, bool, error) {
	leases, err := listLeases(ctx, ls.stores[name])
	if err != nil {
		return planner.Lease{}, false, err
	}
	sort.Slice(leases, func(i, j int) bool { return leaseOlder(leases[i], leases[j]) })
	now := time.Now()
	for _, l := range leases {
		if l.ID == ls.ID {
			return planner.Lease{}, false, nil
		}
		if l.Live(now) {
			return l, true, nil
		}
		_ = ls.stores[name].Delete(ctx, leasePath(l.ID))
	}
	return planner.Lease{}, false, nil
}

func leaseOlder(a, b planner.Lease) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return a.ID < b.ID
}

func (ls *Leases) renew() {
	defer close(ls.done)
	t := time.NewTicker(LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ls.stop:
			return
		case <-t.C:
			ls.mu.Lock()
			ls.lease.Expires = time.Now().UTC().Add(LeaseTTL)
			ls.mu.Unlock()
			for _, name := range ls.stores.names() {
				ctx, cancel := context.WithTimeout(context.Background(), LeaseTTL/3)
				_ = ls.write(ctx, name)
				cancel()
			}
		}
	}
}

func (ls *Leases) withdraw() {
	for _, name := range ls.stores.names() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = ls.stores[name].Delete(ctx, leasePath(ls.ID))
		cancel()
	}
}

// Release stops renewing and deletes the leases. It ignores cancellation of
// the apply: leases are released even after Ctrl-C.
func (ls *Leases) Release() {
	if ls == nil {
		return
	}
	close(ls.stop)
	<-ls.done
	ls.withdraw()
}

// Unlock deletes the lease id at a store; it refuses when no such lease exists.
func Unlock(ctx context.Context, s interface {
	Delete(context.Context, string) error
}, listing planner.Listing, id string) error {
	for _, l := range listing.Leases {
		if l.ID == id {
			return s.Delete(ctx, leasePath(id))
		}
	}
	return fmt.Errorf("destination %q has no lease %q", listing.Destination, id)
}
