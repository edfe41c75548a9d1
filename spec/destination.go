package spec

import (
	"fmt"
	"os"
	"os/user"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/rclone/rclone/fs"
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
		{Name: "group"},
		{Name: "mode"},
		{Name: "bwlimit"},
		{Name: "removable"},
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
	l.decodeAccess(d, attrs)
	d.BwLimit = l.decodeBwLimit(attrs["bwlimit"])
	if attr := attrs["removable"]; attr != nil {
		d.Removable, _ = l.attrBool(attr)
	}
	if eb := l.singleBlock(content, "encrypt"); eb != nil {
		d.Encrypt = l.decodeEncryptBlock(eb)
	}
	return d
}

// decodeBwLimit decodes `bwlimit`, rclone's --bwlimit timetable ("512k",
// "08:00,512k 19:00,10M 23:00,off", "Mon-08:00,1M Sat-00:00,off"), with
// rclone's own parser; nil when absent or invalid.
func (l *loader) decodeBwLimit(attr *hcl.Attribute) *BwLimit {
	if attr == nil {
		return nil
	}
	s, ok := l.attrString(attr)
	if !ok {
		return nil
	}
	var tt fs.BwTimetable
	if err := tt.Set(s); err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid bwlimit",
			fmt.Sprintf("%q: %v. Write rclone's --bwlimit syntax: a rate such as \"512k\" or \"10M\" (bytes per second), "+
				"or a timetable of HH:MM,RATE entries such as \"08:00,512k 19:00,10M 23:00,off\".", s, err), &rng))
		return nil
	}
	return &BwLimit{Text: s, Timetable: tt}
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

// warnIneffective warns of settings that are accepted but have no effect,
// so that none is silently ignored: split is no longer needed anywhere,
// because format 2 stores snapshots as chunks of at most 4 MiB.
func (l *loader) warnIneffective() {
	for _, d := range l.cfg.Destinations {
		if d.splitRange != nil {
			l.diags = append(l.diags, warningDiag("split is no longer needed",
				fmt.Sprintf("Destination %q sets split, which has no effect: snapshots are stored as chunks of at most 4 MiB, "+
					"so no object is too large for any backend or a FAT32 drive. Remove it to silence this warning.", d.Name),
				d.splitRange))
		}
	}
}

// decodeAccess decodes who may read what strata writes here: `mode` (the
// files' mode, an octal string; directories get the matching one) and
// `group` (a group of this machine, by name or number). A group without a
// mode means "0640"; neither means private to the user strata runs as.
func (l *loader) decodeAccess(d *Destination, attrs hcl.Attributes) {
	if attr := attrs["group"]; attr != nil {
		l.decodeGroup(d, attr)
	}
	if attr := attrs["mode"]; attr != nil {
		d.FileMode, _ = l.attrMode(attr)
	} else if d.HasGID {
		d.FileMode = 0o640
	}
}

// decodeGroup resolves `group` on this machine.
func (l *loader) decodeGroup(d *Destination, attr *hcl.Attribute) {
	name, ok := l.attrString(attr)
	if !ok {
		return
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		g, err = user.LookupGroupId(name)
	}
	var gid int
	if err == nil {
		gid, err = strconv.Atoi(g.Gid)
	}
	if err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Unknown group",
			fmt.Sprintf("There is no group %q on this machine: create it (groupadd %s), or name an existing group.", name, name), &rng))
		return
	}
	d.Group, d.GID, d.HasGID = name, gid, true
}

// attrMode reads an octal file mode ("0640") that keeps the data from
// other users and lets strata (the owner) read and write.
func (l *loader) attrMode(attr *hcl.Attribute) (os.FileMode, bool) {
	s, ok := l.attrString(attr)
	if !ok {
		return 0, false
	}
	rng := attr.Expr.Range()
	m, err := strconv.ParseUint(s, 8, 32)
	switch {
	case err != nil || m > 0o777:
		l.diags = append(l.diags, errorDiag("Invalid mode",
			fmt.Sprintf("%q is not a file mode: write it in octal, as a string, e.g. mode = \"0640\".", s), &rng))
	case m&0o007 != 0:
		l.diags = append(l.diags, errorDiag("Mode opens the backups to every user",
			fmt.Sprintf("mode %q lets users other than the owner and the group read or change the backups. "+
				"Drop the bits for others (mode = \"%04o\") and name the group that may read them: group = \"backup\".", s, m&^0o007), &rng))
	case m&0o600 != 0o600:
		l.diags = append(l.diags, errorDiag("Invalid mode",
			fmt.Sprintf("mode %q does not let strata (the owner) read and write what it stores: keep 06 in the owner's digit, e.g. mode = \"0640\".", s), &rng))
	default:
		return os.FileMode(m), true
	}
	return 0, false
}
