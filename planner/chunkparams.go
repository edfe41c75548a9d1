package planner

// maxParents bounds the parents an action names: the newest complete copies
// share almost every chunk a new snapshot or transfer needs, and each is one
// read of a chunks.txt.
const maxParents = 2

// DefaultTransfers is the chunks moved or checked at once at a destination
// that sets no transfers.
const DefaultTransfers = 8

// chunkParams fills in what an action that moves or checks chunks needs
// from the inventory and the configuration: the parents at its location
// and the destination's parallelism.
func (b *builder) chunkParams(a *Action) {
	switch a.Kind {
	case Snapshot, Transfer:
		a.Parents = b.parents(a.App, a.Location, a.Dir)
		a.Damaged = b.damaged(a.App, a.Location)
	case Repair, Verify:
	default:
		return
	}
	a.Transfers = DefaultTransfers
	if d := b.cfg.Destination(a.Location.Destination); d != nil && d.Transfers > 0 {
		a.Transfers = d.Transfers
	}
}

// parents are the directories of the newest complete, healthy copies of app
// at loc other than dir, newest first.
func (b *builder) parents(app string, loc Location, dir string) []string {
	cs := b.inv.Copies[app][loc]
	var out []string
	for i := len(cs) - 1; i >= 0 && len(out) < maxParents; i-- {
		if cs[i].Healthy() && cs[i].Dir != dir {
			out = append(out, cs[i].Dir)
		}
	}
	return out
}

// damaged are the directories of the complete copies of app at loc whose
// last check failed, oldest first.
func (b *builder) damaged(app string, loc Location) []string {
	var out []string
	for _, c := range b.inv.Copies[app][loc] {
		if c.Complete && !c.Healthy() {
			out = append(out, c.Dir)
		}
	}
	return out
}
