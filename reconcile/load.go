package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/spec"
)

// reload loads the configuration files if they changed since the last load.
// It reports whether a new valid configuration now runs; an invalid one is
// shown, put in the status and notified, and the last valid one keeps
// running.
func (l *Loop) reload(ctx context.Context) bool {
	hash := configDigest(l.o.Dir)
	if hash == l.hash && l.cfg != nil {
		return false
	}
	l.hash = hash
	cfg, files, diags := spec.Load(l.o.Dir, spec.LoadOptions{Vars: l.o.Vars})
	if len(diags) > 0 {
		l.o.UI.Diagnostics(files, diags)
	}
	valid := !diags.HasErrors()
	l.metrics.configValid.Set(boolGauge(valid))
	if !valid {
		l.configInvalid(ctx, diags)
		return false
	}
	l.cfg, l.commit = cfg, GitCommit(ctx, l.o.Dir)
	l.status.update(func() {
		l.status.Config = ConfigStatus{Dir: cfg.Dir, Valid: true, Diagnostics: l.o.UI.DiagnosticsJSON(diags),
			LoadedAt: time.Now().UTC(), Commit: l.commit, Applications: appNames(cfg)}
	})
	l.o.Log.Info("configuration loaded", "dir", l.o.Dir, "applications", len(cfg.Applications), "commit", short(l.commit))
	l.fire(ctx, l.tracker.Config(true, nil, l.base()))
	return true
}

func (l *Loop) configInvalid(ctx context.Context, diags hcl.Diagnostics) {
	l.status.update(func() {
		l.status.Config.Valid, l.status.Config.Diagnostics = false, l.o.UI.DiagnosticsJSON(diags)
		l.status.Config.Errors = errorLines(diags)
	})
	if l.cfg == nil {
		return // at start: the caller stops
	}
	l.o.Log.Error("the configuration is invalid; the last valid one keeps running (see the diagnostics above)")
	var texts []string
	for _, d := range diags.Errs() {
		texts = append(texts, d.Error())
	}
	l.fire(ctx, l.tracker.Config(false, texts, l.base()))
}

// configDigest is a digest of the names and contents of the files spec.Load
// reads, to tell an edit from a touch.
func configDigest(dir string) string {
	names, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), ".") {
			continue
		}
		b, _ := os.ReadFile(n)
		h.Write([]byte(filepath.Base(n) + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func appNames(cfg *spec.Config) []string {
	names := []string{}
	for _, a := range cfg.Applications {
		names = append(names, a.Name)
	}
	return names
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// short is a commit's first 12 characters.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
