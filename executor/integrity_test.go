package executor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/executor"
)

func TestDeadLeaseIsDeletedAndTempLeaseIgnored(t *testing.T) {
	e := newEnv(t, twoTiers)
	host, _ := os.Hostname()
	locks := filepath.Join(e.dir, "store/primary/.strata/locks")
	// A holder of this host whose process is gone (pid far above any pid_max).
	write(t, filepath.Join(locks, "dead.json"),
		fmt.Sprintf(`{"id":"dead","host":%q,"pid":2147483000,"created":"2020-01-01T00:00:00Z","expires":"9999-01-01T00:00:00Z"}`, host))
	// A lease write cut short by a crash: not a lease at all.
	write(t, filepath.Join(locks, "half.json.strata-tmp-0123456789abcdef"), `{"id":"ha`)
	ls, err := executor.Acquire(context.Background(), e.stores)
	if err != nil {
		t.Fatalf("a dead holder's lease or a temporary lease object blocked: %v", err)
	}
	ls.Release()
	if _, err := os.Stat(filepath.Join(locks, "dead.json")); !os.IsNotExist(err) {
		t.Errorf("the dead holder's lease was not taken over (deleted): %v", err)
	}
}
