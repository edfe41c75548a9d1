package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var destinationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "remote", Required: true},
		{Name: "options"},
		{Name: "split"},
		{Name: "min_free"},
		{Name: "transfers"},
		{Name: "known_hosts"},
		{Name: "insecure_skip_host_key"},
		{Name: "timeout"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "encrypt"}},
}

var encryptSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "password", Required: true},
		{Name: "password2"},
	},
}

func (l *loader) decodeDestinations(bs []*hcl.Block) {
	for _, b := range bs {
		l.cfg.Destinations = append(l.cfg.Destinations, l.decodeDestinationBlock(b))
	}
}

func (l *loader) decodeDestinationBlock(b *hcl.Block) *Destination {
	d := &Destination{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(destinationSchema)
	l.diags = append(l.diags, diags...)
	attrs := content.Attributes
	if attr := attrs["remote"]; attr != nil {
		d.Remote, _ = l.valueOf(attr.Expr)
	}
	if attr := attrs["options"]; attr != nil {
		d.Options = l.decodeOptions(attr)
	}
	if attr := attrs["split"]; attr != nil {
		d.Split, _ = l.attrSize(attr)
		d.splitRange = attr.Range.Ptr()
	}
	if attr := attrs["min_free"]; attr != nil {
		d.MinFree, _ = l.attrSize(attr)
	}
	if attr := attrs["transfers"]; attr != nil {
		d.Transfers, _ = l.attrInt(attr, 0)
		d.transfersRange = attr.Range.Ptr()
	}
	l.decodeSSHAttrs(d, attrs)
	if eb := l.singleBlock(content, "encrypt"); eb != nil {
		d.Encrypt = l.decodeEncryptBlock(eb)
	}
	return d
}

// decodeOptions decodes `options = { key = value, … }` one value at a time,
// so that each keeps its own sensitivity and range.
func (l *loader) decodeOptions(attr *hcl.Attribute) map[string]Value {
	pairs, diags := hcl.ExprMap(attr.Expr)
	l.diags = append(l.diags, diags...)
	opts := map[string]Value{}
	keys := map[string]hcl.Range{}
	for _, kv := range pairs {
		key, ok := l.plain(kv.Key, cty.String)
		if !ok {
			continue
		}
		k, rng := key.AsString(), kv.Key.Range()
		if first, dup := keys[k]; dup {
			l.diags = append(l.diags, errorDiag(fmt.Sprintf("Duplicate option %q", k),
				fmt.Sprintf("The option %q was first set at %s.", k, posString(first)), &rng))
			continue
		}
		keys[k] = rng
		if v, ok := l.valueOf(kv.Value); ok {
			opts[k] = v
		}
	}
	return opts
}

func (l *loader) decodeEncryptBlock(b *hcl.Block) *Encrypt {
	e := &Encrypt{}
	content, diags := b.Body.Content(encryptSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["password"]; attr != nil {
		e.Password, _ = l.valueOf(attr.Expr)
	}
	if attr := content.Attributes["password2"]; attr != nil {
		e.Password2, _ = l.valueOf(attr.Expr)
	}
	return e
}

// decodeSSHAttrs decodes the connection-safety attributes: known_hosts,
// insecure_skip_host_key and timeout. Whether an SFTP destination has what
// it needs is checked when it is opened (plan, apply), not here.
func (l *loader) decodeSSHAttrs(d *Destination, attrs hcl.Attributes) {
	if attr := attrs["known_hosts"]; attr != nil {
		d.KnownHosts, _ = l.attrString(attr)
	}
	if attr := attrs["insecure_skip_host_key"]; attr != nil {
		d.InsecureSkipHostKey, _ = l.attrBool(attr)
	}
	if attr := attrs["timeout"]; attr != nil {
		d.Timeout, _ = l.attrDuration(attr)
	}
	if attr := attrs["insecure_skip_host_key"]; attr != nil && d.InsecureSkipHostKey && d.KnownHosts != "" {
		l.diags = append(l.diags, errorDiag("Conflicting host-key settings",
			"A destination sets known_hosts or insecure_skip_host_key = true, not both.", &attr.NameRange))
	}
}

// warnIneffective warns of settings that are accepted but have no effect, so
// that none is silently ignored: split cuts archives only where snapshots are
// made (a transfer copies the pieces as they are), and transfers has no
// meaning before the chunk store of format 2.
func (l *loader) warnIneffective() {
	origin := map[*Destination]bool{}
	for _, t := range l.cfg.Tiers {
		if t.From == nil {
			for _, d := range t.Destinations {
				origin[d] = true
			}
		}
	}
	for _, d := range l.cfg.Destinations {
		if d.splitRange != nil && !origin[d] {
			l.diags = append(l.diags, warningDiag("split has no effect here",
				fmt.Sprintf("Destination %q is not in an origin tier: archives are cut into pieces where a snapshot is made, "+
					"and a transfer copies the pieces as they are. Put split on the origin tier's destination, or remove it.", d.Name),
				d.splitRange))
		}
		if d.transfersRange != nil {
			l.diags = append(l.diags, warningDiag("transfers has no effect yet",
				fmt.Sprintf("Destination %q sets transfers, which no copy reads in this version (a snapshot is copied as one stream of pieces); "+
					"apply --parallelism N bounds how many actions run at once. Remove it to silence this warning.", d.Name),
				d.transfersRange))
		}
	}
}
