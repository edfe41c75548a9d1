package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// LoadOptions are the inputs of Load besides the files.
type LoadOptions struct {
	// Vars are the values given with -var name=value; they win over
	// STRATA_VAR_<name> and over defaults.
	Vars map[string]string
	// LookupEnv reads the environment, for env() and STRATA_VAR_<name>;
	// nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// loader holds the state of one Load.
type loader struct {
	dir   string
	opts  LoadOptions
	cfg   *Config
	ctx   *hcl.EvalContext
	diags hcl.Diagnostics
	// tierSrc keeps what a tier's decoding needs later: its from and path.
	tierSrc map[*Tier]*tierSource
	// appTiersRange is where an application's tiers come from, per app.
	appTiersRange map[*Application]hcl.Range
	// chainBroken is set when some tier's from is invalid or part of a
	// loop: the chains of the applications are then not checked.
	chainBroken bool
}

// blocks are the top-level blocks of all files, by type, in file order.
type blocks map[string][]*hcl.Block

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "settings"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "destination", LabelNames: []string{"name"}},
		{Type: "tier", LabelNames: []string{"name"}},
		{Type: "application", LabelNames: []string{"name"}},
		{Type: "notify", LabelNames: []string{"name"}},
		{Type: "moved"}, {Type: "removed"},
		{Type: "standby", LabelNames: []string{"name"}},
		{Type: "check", LabelNames: []string{"name"}},
	},
}

// Load parses every *.hcl file of dir (sorted by name) into a validated
// Config. files maps each file name to its parsed file, for
// hcl.NewDiagnosticTextWriter. cfg is nil when diags has errors.
func Load(dir string, opts LoadOptions) (cfg *Config, files map[string]*hcl.File, diags hcl.Diagnostics) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, hcl.Diagnostics{errorDiag("Invalid configuration directory", err.Error(), nil)}
	}
	bodies, files, diags := parseDir(dir)
	if diags.HasErrors() {
		return nil, files, diags
	}
	l := &loader{dir: abs, opts: opts, cfg: &Config{Dir: abs},
		tierSrc: map[*Tier]*tierSource{}, appTiersRange: map[*Application]hcl.Range{}}
	l.load(rootBlocks(bodies, &l.diags))
	if l.diags.HasErrors() {
		return nil, files, l.diags
	}
	l.cfg.Fingerprint = fingerprint(files, l.cfg.Variables)
	return l.cfg, files, l.diags
}

// parseDir parses the *.hcl files of dir, in name order.
func parseDir(dir string) ([]hcl.Body, map[string]*hcl.File, hcl.Diagnostics) {
	names, err := configFiles(dir)
	if err != nil {
		return nil, nil, hcl.Diagnostics{errorDiag("Cannot read configuration directory", err.Error(), nil)}
	}
	if len(names) == 0 {
		return nil, nil, hcl.Diagnostics{errorDiag("No configuration files",
			fmt.Sprintf("The directory %s contains no *.hcl file. Run strata in your configuration directory, or name it with -C DIR.", dir), nil)}
	}
	p := hclparse.NewParser()
	var bodies []hcl.Body
	var diags hcl.Diagnostics
	for _, name := range names {
		f, fdiags := p.ParseHCLFile(filepath.Join(dir, name))
		diags = append(diags, fdiags...)
		if f != nil && f.Body != nil {
			bodies = append(bodies, f.Body)
		}
	}
	return bodies, p.Files(), diags
}

// configFiles lists the *.hcl files of dir, sorted, skipping hidden ones
// (editor temporaries).
func configFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".hcl") && !strings.HasPrefix(n, ".") && !e.IsDir() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// rootBlocks collects the top-level blocks of every body by type.
func rootBlocks(bodies []hcl.Body, diags *hcl.Diagnostics) blocks {
	bs := blocks{}
	for _, body := range bodies {
		content, cdiags := body.Content(rootSchema)
		*diags = append(*diags, cdiags...)
		for _, b := range content.Blocks {
			if len(b.Labels) == len(blockLabels(b.Type)) {
				bs[b.Type] = append(bs[b.Type], b)
			}
		}
	}
	return bs
}

func blockLabels(typ string) []string {
	for _, h := range rootSchema.Blocks {
		if h.Type == typ {
			return h.LabelNames
		}
	}
	return nil
}

// load decodes the blocks in dependency order: variables first (every
// expression may use them), then destinations, tiers and applications.
func (l *loader) load(bs blocks) {
	l.decodeVariables(declare(bs["variable"], "variable", identName, &l.diags))
	l.ctx = l.evalContext()
	l.decodeSettings(bs["settings"])
	l.decodeDestinations(declare(bs["destination"], "destination", identName, &l.diags))
	l.decodeTiers(declare(bs["tier"], "tier", identName, &l.diags))
	l.decodeApplications(declare(bs["application"], "application", fileName, &l.diags))
	l.decodeNotifications(declare(bs["notify"], "notify", identName, &l.diags))
	l.decodeMoves(bs["moved"], bs["removed"])
	l.decodeStandbys(declare(bs["standby"], "standby", identName, &l.diags))
	l.decodeChecks(bs["check"])
	l.checkPathCollisions()
	l.warnIneffective()
	l.warnNodeless()
}

// declare returns the blocks of one kind whose names are valid and not
// duplicates, reporting the others.
func declare(bs []*hcl.Block, kind string, valid func(string) bool, diags *hcl.Diagnostics) []*hcl.Block {
	seen := map[string]*hcl.Block{}
	var out []*hcl.Block
	for _, b := range bs {
		if len(b.Labels) != 1 || len(b.LabelRanges) != 1 {
			continue // reported by the schema
		}
		name, rng := b.Labels[0], b.LabelRanges[0]
		if first := seen[name]; first != nil {
			*diags = append(*diags, errorDiag(fmt.Sprintf("Duplicate %s %q", kind, name),
				fmt.Sprintf("The %s %q was first declared at %s.", kind, name, posString(first.DefRange)), &rng))
			continue
		}
		seen[name] = b
		if !valid(name) {
			*diags = append(*diags, errorDiag("Invalid "+kind+" name", nameRule(kind, name), &rng))
			continue
		}
		out = append(out, b)
	}
	return out
}

// settingsSchema is the `settings` block.
var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "max_purge"}, {Name: "gc_grace"}},
}

func (l *loader) decodeSettings(bs []*hcl.Block) {
	for i, b := range bs {
		if i > 0 {
			l.diags = append(l.diags, duplicateBlock("settings", bs[0], b))
			continue
		}
		content, diags := b.Body.Content(settingsSchema)
		l.diags = append(l.diags, diags...)
		if attr := content.Attributes["max_purge"]; attr != nil {
			if n, ok := l.attrInt(attr, 0); ok {
				l.cfg.Settings.MaxPurge = &n
			}
		}
		if attr := content.Attributes["gc_grace"]; attr != nil {
			if d, ok := l.attrDuration(attr); ok {
				l.cfg.Settings.GCGrace = &d
			}
		}
	}
}
