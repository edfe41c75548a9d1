package spec

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const varConfig = minimal + `
variable "root" {
  default = "/default"
}

variable "secret" {
  default   = "pw"
  sensitive = true
}

variable "n" {
  default = 3
}

destination "v" {
  remote  = var.root
  options = { pass = var.secret, n = var.n }
}
`

func TestVariablePrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		vars map[string]string
		want string
	}{
		{"default", nil, nil, "/default"},
		{"env", map[string]string{"STRATA_VAR_root": "/env"}, nil, "/env"},
		{"-var wins", map[string]string{"STRATA_VAR_root": "/env"}, map[string]string{"root": "/flag"}, "/flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, varConfig, LoadOptions{Vars: tt.vars, LookupEnv: envMap(tt.env)})
			if got := cfg.Destination("v").Remote.Str; got != tt.want || cfg.Variables["root"].Value != tt.want {
				t.Errorf("remote = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVariableSensitiveAndNumber(t *testing.T) {
	cfg := mustLoad(t, varConfig, LoadOptions{})
	opts := cfg.Destination("v").Options
	if p := opts["pass"]; p.Str != "pw" || !p.Sensitive {
		t.Errorf("pass = %+v", p)
	}
	if n := opts["n"]; n.Str != "3" || n.Sensitive {
		t.Errorf("n = %+v", n)
	}
	if v := cfg.Variables["secret"]; !v.Sensitive || v.Value != "pw" {
		t.Errorf("secret = %+v", v)
	}
}

func TestUndeclaredVar(t *testing.T) {
	_, diags := loadSrc(t, varConfig, LoadOptions{Vars: map[string]string{"nope": "x"}})
	if len(diags) != 1 || diags[0].Summary != "Value for undeclared variable" {
		t.Errorf("diags = %v", diags)
	}
}

func TestRequiredVarFromEnv(t *testing.T) {
	src := minimal + `variable "x" {}
destination "x" { remote = var.x }`
	if _, diags := loadSrc(t, src, LoadOptions{}); len(diags) != 1 || diags[0].Summary != "No value for required variable" {
		t.Errorf("without value: %v", diags)
	}
	cfg := mustLoad(t, src, LoadOptions{LookupEnv: envMap(map[string]string{"STRATA_VAR_x": "/x"})})
	if got := cfg.Destination("x").Remote.Str; got != "/x" {
		t.Errorf("remote = %q", got)
	}
}

const envConfig = minimal + `
destination "e" {
  remote  = "${env("A")}-x"
  options = { up = upper(env("A")), plain = "p", both = "${env("A")}${env("B")}" }
}
`

func TestEnvUnset(t *testing.T) {
	e := mustLoad(t, envConfig, LoadOptions{}).Destination("e")
	for name, v := range map[string]Value{"remote": e.Remote, "up": e.Options["up"], "both": e.Options["both"]} {
		if v.UnsetEnv != "A" || !v.Sensitive {
			t.Errorf("%s = %+v, want unset A, sensitive", name, v)
		}
	}
	if p := e.Options["plain"]; p.Sensitive || p.UnsetEnv != "" || p.Str != "p" {
		t.Errorf("plain = %+v", p)
	}
	if !strings.Contains(e.Remote.Range.String(), "main.hcl:12,13") {
		t.Errorf("range = %v", e.Remote.Range)
	}
}

func TestEnvSet(t *testing.T) {
	env := map[string]string{"A": "qz", "B": "jw"} // strings no field name holds
	e := mustLoad(t, envConfig, LoadOptions{LookupEnv: envMap(env)}).Destination("e")
	want := map[string]string{"up": "QZ", "both": "qzjw"}
	for name, s := range want {
		if v := e.Options[name]; v.Str != s || !v.Sensitive || v.UnsetEnv != "" {
			t.Errorf("%s = %+v", name, v)
		}
	}
	if e.Remote.Str != "qz-x" || e.Remote.String() != "(sensitive)" {
		t.Errorf("remote = %q shown as %q", e.Remote.Str, e.Remote)
	}
	for _, format := range []string{"%v", "%+v", "%#v"} {
		if s := fmt.Sprintf(format, *e); strings.Contains(s, "qz") || strings.Contains(s, "QZ") || strings.Contains(s, "jw") {
			t.Errorf("%s of a destination shows a secret: %s", format, s)
		}
	}
}

func TestFileAndPathConfig(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"secret.txt": "hunter2\n",
		"main.hcl": minimal + `
destination "f" {
  remote = "${path.config}/store"
  encrypt {
    password = trimspace(file("secret.txt"))
  }
}
application "a" {
  source {
    paths = ["data", "${path.config}/other/../more", "/abs"]
  }
}`})
	cfg, _, diags := Load(dir, LoadOptions{LookupEnv: noEnv})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	abs, _ := filepath.Abs(dir)
	f := cfg.Destination("f")
	if pw := f.Encrypt.Password; pw.Str != "hunter2" || !pw.Sensitive || f.Remote.Str != abs+"/store" {
		t.Errorf("password = %+v, remote = %q", pw, f.Remote.Str)
	}
	want := []string{abs + "/data", abs + "/more", "/abs"}
	if got := cfg.Application("a").Source.Paths; !slices.Equal(got, want) {
		t.Errorf("paths = %v, want %v", got, want)
	}
}

func TestTierChainOrder(t *testing.T) {
	src := `
destination "d" { remote = "/d" }
tier "c" {
  from         = tier.a
  destinations = [destination.d]
  path         = "c/${app.name}"
  keep { last = 1 }
}
tier "b" {
  from         = tier.z
  destinations = [destination.d]
  path         = "b/${app.name}"
  keep { last = 1 }
}
tier "a" {
  from         = tier.z
  destinations = [destination.d]
  path         = "a/${app.name}"
  keep { last = 1 }
}
tier "z" {
  destinations = [destination.d]
  path         = "z/${app.name}"
  keep { last = 1 }
}
application "app" {
  tiers = [tier.c, tier.a, tier.z]
  source { paths = ["/srv"] }
}
`
	cfg := mustLoad(t, src, LoadOptions{})
	if got := tierNames(cfg.Tiers); !slices.Equal(got, []string{"z", "a", "b", "c"}) {
		t.Errorf("tiers = %v", got)
	}
	if got := tierNames(cfg.Application("app").Tiers); !slices.Equal(got, []string{"z", "a", "c"}) {
		t.Errorf("app tiers = %v", got)
	}
}

func tierNames(tiers []*Tier) []string {
	var names []string
	for _, t := range tiers {
		names = append(names, t.Name)
	}
	return names
}

func TestPathsNoFalseCollision(t *testing.T) {
	src := minimal + `
application "a" {
  source { paths = ["/a"] }
}
application "ab" {
  source { paths = ["/ab"] }
}
application "a.b" {
  labels = { kind = "x" }
  source { paths = ["/ab"] }
}
tier "u" {
  from         = tier.t
  destinations = [destination.d]
  path         = "u/${lookup(app.labels, "kind", "none")}/${app.name}"
  keep { last = 1 }
}
`
	cfg := mustLoad(t, src, LoadOptions{})
	if got := cfg.Application("a.b").Paths["u"]; got != "u/x/a.b" {
		t.Errorf("path = %q", got)
	}
}

func TestSettings(t *testing.T) {
	cfg := mustLoad(t, minimal+"settings {\n  max_purge = 5\n  gc_grace = \"2h\"\n}\n", LoadOptions{})
	if cfg.Settings.MaxPurge == nil || *cfg.Settings.MaxPurge != 5 {
		t.Errorf("max_purge = %v", cfg.Settings.MaxPurge)
	}
	if cfg.Settings.GCGrace == nil || *cfg.Settings.GCGrace != 2*time.Hour {
		t.Errorf("gc_grace = %v", cfg.Settings.GCGrace)
	}
	if cfg := mustLoad(t, minimal, LoadOptions{}); cfg.Settings.MaxPurge != nil || cfg.Settings.GCGrace != nil {
		t.Errorf("default max_purge = %v, gc_grace = %v", cfg.Settings.MaxPurge, cfg.Settings.GCGrace)
	}
}

func TestApplicationDefaults(t *testing.T) {
	cfg := mustLoad(t, minimal+`application "a" {
  hook "h" {
    command = ["true"]
    timeout = "10m"
  }
}`, LoadOptions{})
	a := cfg.Application("a")
	if a.Schedule.Expr != "@daily" || a.Schedule.Location.String() != "UTC" || a.Paths["t"] != "a" {
		t.Errorf("app = %+v, schedule %+v", a, a.Schedule)
	}
	if a.Hooks[0].Timeout.Minutes() != 10 {
		t.Errorf("timeout = %v", a.Hooks[0].Timeout)
	}
}

func TestMultipleFilesAndEmptyDir(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"b.hcl": `tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}`,
		"a.hcl":     `destination "d" { remote = "/d" }`,
		".x.hcl":    `garbage {`,
		"notes.txt": `garbage {`,
	})
	cfg, files, diags := Load(dir, LoadOptions{LookupEnv: noEnv})
	if diags.HasErrors() || len(files) != 2 || cfg.Tier("t").Destinations[0] != cfg.Destination("d") {
		t.Errorf("diags %v, files %v", diags, files)
	}
	if _, _, diags := Load(t.TempDir(), LoadOptions{}); len(diags) != 1 || diags[0].Summary != "No configuration files" {
		t.Errorf("empty dir: %v", diags)
	}
}

func TestPathUnsetAttributeHandled(t *testing.T) {
	cfg := mustLoad(t, minimal+`
tier "u" {
  from         = tier.t
  destinations = [destination.d]
  path         = "u/${coalesce(app.vm, "novm")}/${app.name}"
  keep { last = 1 }
}
application "a" {
  source { paths = ["/a"] }
}`, LoadOptions{})
	if got := cfg.Application("a").Paths["u"]; got != "u/novm/a" {
		t.Errorf("path = %q", got)
	}
}
