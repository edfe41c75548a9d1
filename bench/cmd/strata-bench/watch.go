package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// p8 measures the CPU that an idle `strata watch` takes over idle seconds,
// after a settling period for its first reconcile.
func (b *bench) p8(idle time.Duration) (*result, error) {
	r := &result{ID: "P8", Title: fmt.Sprintf("strata watch idle for %s", idle), Target: "< 1% of one core"}
	help, err := b.strataCmd(".", "watch", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(help), "Usage:\n  strata watch") {
		r.note("not available: this strata has no `watch` command yet")
		return r, nil
	}
	r.Available = true
	w := filepath.Join(b.work, "p8")
	src, dest := filepath.Join(w, "src"), filepath.Join(w, "dest")
	cfg, err := config(filepath.Join(w, "config"), fmt.Sprintf(`
destination "local" {
  remote = %q
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 3
  }
}
`, dest)+appHCL(src))
	if err != nil {
		return nil, err
	}
	if err := b.chain(wipe(dest), func() error { return os.MkdirAll(src, 0o755) },
		func() error { return os.WriteFile(filepath.Join(src, "a.txt"), []byte("a\n"), 0o644) },
		func() error { return run(b.strataCmd(cfg, "apply", "--auto-approve")) }); err != nil {
		return nil, err
	}
	cpu, err := b.idleCPU(cfg, string(help), idle)
	if err != nil {
		return nil, err
	}
	r.Values = map[string]float64{"cpu_percent": cpu, "idle_s": idle.Seconds()}
	r.Met = cpu < 1
	r.note("%.3f%% of one core over %s idle (after 10 s to settle), from /proc/PID/stat", cpu, idle)
	return r, nil
}

// idleCPU starts `strata watch`, lets it settle, and returns the percent of
// one core it used over idle.
func (b *bench) idleCPU(cfg, help string, idle time.Duration) (float64, error) {
	args := []string{"watch"}
	if strings.Contains(help, "--listen") {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		args = append(args, "--listen", "127.0.0.1:"+strconv.Itoa(port))
	}
	cmd := b.strataCmd(cfg, args...)
	log, err := os.Create(filepath.Join(filepath.Dir(cfg), "watch.log"))
	if err != nil {
		return 0, err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer stopWatch(cmd)
	time.Sleep(10 * time.Second)
	start, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("strata watch exited early (see %s): %w", log.Name(), err)
	}
	time.Sleep(idle)
	end, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("strata watch exited while idle (see %s): %w", log.Name(), err)
	}
	return float64(end-start) / clockTicks / idle.Seconds() * 100, nil
}

// stopWatch sends SIGTERM and waits up to 15 s before killing.
func stopWatch(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// procCPU returns utime+stime of pid in clock ticks.
func procCPU(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	if f[0] == "Z" {
		return 0, fmt.Errorf("process %d has exited", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return u + st, nil
}
