package spec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// loadDesign loads DESIGN.md §7's example with the given environment.
func loadDesign(t *testing.T, env map[string]string) *Config {
	t.Helper()
	cfg, _, diags := Load("testdata/valid/design", LoadOptions{LookupEnv: envMap(env)})
	if diags.HasErrors() {
		t.Fatalf("Load: %v", diags)
	}
	return cfg
}

func TestDesignExampleChain(t *testing.T) {
	cfg := loadDesign(t, nil)
	var names []string
	for _, tier := range cfg.Tiers {
		names = append(names, tier.Name)
	}
	if !slices.Equal(names, []string{"local", "remote", "offsite"}) {
		t.Fatalf("tiers = %v", names)
	}
	local, remote, offsite := cfg.Tier("local"), cfg.Tier("remote"), cfg.Tier("offsite")
	if local.From != nil || remote.From != local || offsite.From != remote {
		t.Errorf("from: local=%v remote=%v offsite=%v", local.From, remote.From, offsite.From)
	}
	if local.Destinations[0] != cfg.Destination("local") || offsite.Destinations[0] != cfg.Destination("offsite") {
		t.Errorf("destinations of tiers are wrong")
	}
	if local.Keep != (Keep{Last: 7}) || remote.Keep != (Keep{Last: 7, Daily: 14, Weekly: 8, Monthly: 12}) || offsite.Keep != (Keep{Monthly: 24}) {
		t.Errorf("keep: %+v %+v %+v", local.Keep, remote.Keep, offsite.Keep)
	}
	if local.Verify != nil || remote.Verify == nil || remote.Verify.Every != 7*24*time.Hour {
		t.Errorf("verify: %+v %+v", local.Verify, remote.Verify)
	}
}

func TestDesignExampleDestinations(t *testing.T) {
	cfg := loadDesign(t, nil)
	if got := cfg.Variables["backup_root"].Value; got != "/v01/backup" {
		t.Errorf("backup_root = %q", got)
	}
	local := cfg.Destination("local")
	if local.Remote.Str != "/v01/backup/local" || local.Remote.Sensitive {
		t.Errorf("local remote = %+v", local.Remote)
	}
	b := cfg.Destination("backup1")
	if b.Remote.Str != "backupsrv:/v01/backup/remote/zg-3.softxs.ch" || b.Split != 1<<30 || b.MinFree != 10<<30 {
		t.Errorf("backup1 = %+v", b)
	}
	if names := []string{cfg.Destinations[0].Name, cfg.Destinations[1].Name, cfg.Destinations[2].Name}; !slices.Equal(names, []string{"local", "backup1", "offsite"}) {
		t.Errorf("destinations out of declaration order: %v", names)
	}
}

func TestDesignExampleSecretsUnset(t *testing.T) {
	off := loadDesign(t, nil).Destination("offsite")
	if off.Remote.Sensitive || off.Remote.Str != ":s3,provider=Minio,endpoint='https://s3.example.org':offsite/strata" {
		t.Errorf("offsite remote = %#v", off.Remote.Str)
	}
	key := off.Options["access_key_id"]
	if !key.Sensitive || key.UnsetEnv != "S3_KEY" || key.Str != "" {
		t.Errorf("access_key_id = %+v", key)
	}
	if off.Encrypt == nil || off.Encrypt.Password.UnsetEnv != "STRATA_CRYPT_PASSWORD" {
		t.Fatalf("encrypt = %+v", off.Encrypt)
	}
	_, err := off.Encrypt.Password.Resolve()
	var unset *UnsetEnvError
	if !errors.As(err, &unset) || unset.Name != "STRATA_CRYPT_PASSWORD" {
		t.Errorf("Resolve: %v", err)
	}
}

func TestDesignExampleSecretsSet(t *testing.T) {
	env := map[string]string{"S3_KEY": "AKIA", "S3_SECRET": "s3cr3t", "STRATA_CRYPT_PASSWORD": "pw"}
	off := loadDesign(t, env).Destination("offsite")
	for name, want := range map[string]string{"access_key_id": "AKIA", "secret_access_key": "s3cr3t"} {
		if v := off.Options[name]; v.Str != want || !v.Sensitive || v.UnsetEnv != "" {
			t.Errorf("%s = %+v", name, v)
		}
	}
	if s, err := off.Encrypt.Password.Resolve(); s != "pw" || err != nil || !off.Encrypt.Password.Sensitive {
		t.Errorf("password = %q, %v", s, err)
	}
	if off.Encrypt.Password2 != (Value{}) {
		t.Errorf("password2 = %+v, want zero", off.Encrypt.Password2)
	}
}

func TestDesignExampleApplication(t *testing.T) {
	cfg := loadDesign(t, nil)
	a := cfg.Application("hydro")
	if len(cfg.Applications) != 1 || a == nil {
		t.Fatalf("applications = %v", cfg.Applications)
	}
	if a.Server != "zg-3.softxs.ch" || a.VM != "web" || a.Relpath != "demo.softxs.ch/hydro" {
		t.Errorf("labels: %q %q %q", a.Server, a.VM, a.Relpath)
	}
	wantPaths := map[string]string{"local": "web/demo.softxs.ch/hydro",
		"remote": "zg-3.softxs.ch/web/demo.softxs.ch/hydro", "offsite": "hydro"}
	for tier, want := range wantPaths {
		if got := a.Paths[tier]; got != want {
			t.Errorf("path at %s = %q, want %q", tier, got, want)
		}
	}
	if !slices.Equal(a.Tiers, cfg.Tiers) || a.Origin() != cfg.Tier("local") {
		t.Errorf("tiers = %v", a.Tiers)
	}
	wantSrc := Source{Paths: []string{"/home/v2/rails/demo.softxs.ch/hydro-app/releases", "/v01/rails/data/demo.softxs.ch/hydro/var"},
		Exclude: []string{"**/log/**", "**/tmp/**"}}
	if !slices.Equal(a.Source.Paths, wantSrc.Paths) || !slices.Equal(a.Source.Exclude, wantSrc.Exclude) {
		t.Errorf("source = %+v", a.Source)
	}
	if len(a.Hooks) != 1 || a.Hooks[0].Name != "dump-db" ||
		!slices.Equal(a.Hooks[0].Command, []string{"sh", "-c", "pg_dump --format=custom hydro > hydro.dump"}) {
		t.Errorf("hooks = %+v", a.Hooks)
	}
}

func TestDesignExampleSchedule(t *testing.T) {
	s := loadDesign(t, nil).Application("hydro").Schedule
	if s.Expr != "0 2 * * *" || s.Location.String() != "Europe/Zurich" {
		t.Fatalf("schedule = %q in %v", s.Expr, s.Location)
	}
	// 02:00 in Zurich is 01:00 UTC in winter, 00:00 UTC in summer.
	winter := s.Next(time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC))
	summer := s.Next(time.Date(2026, 7, 10, 12, 0, 0, 0, time.UTC))
	if !winter.Equal(time.Date(2026, 1, 11, 1, 0, 0, 0, time.UTC)) || !summer.Equal(time.Date(2026, 7, 11, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("next: winter %v, summer %v", winter, summer)
	}
}

// TestValidDirs loads every directory of testdata/valid without errors.
func TestValidDirs(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/valid/*")
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		if _, _, diags := Load(dir, LoadOptions{LookupEnv: noEnv}); diags.HasErrors() {
			t.Errorf("%s: %v", dir, diags)
		}
	}
}
