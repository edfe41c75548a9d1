package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// p11 transfers the seventh daily snapshot local → SFTP to a remote that
// holds the first six, against the first full transfer (the first snapshot
// to an empty remote), both through a counting proxy in front of sshd.
func (b *bench) p11(c *corpus) (*result, error) {
	r := &result{ID: "P11", Title: "transfer of the 7th daily snapshot local → SFTP when the 6th is there", Available: true, Corpus: c.Bytes,
		Target: "≤ 0.1 vs the first full transfer; bytes sent ≤ 1.3 vs the chunks it added", Values: map[string]float64{}}
	h, err := b.dailyHistory(c)
	if err != nil {
		return nil, err
	}
	if err := h.advance(lastDay); err != nil {
		return nil, err
	}
	px, err := startProxy(b.ssh.Port)
	if err != nil {
		return nil, err
	}
	defer px.stop()
	w := filepath.Join(h.w, "p11")
	p := &p11Run{b: b, h: h, px: px, w: w}
	seventh, full, err := p.contenders()
	if err != nil {
		return nil, err
	}
	if r.Series, err = alternate(b.rounds, warming([]*contender{seventh, full}, h.tools[0].repo)...); err != nil {
		return nil, err
	}
	r.compare(map[string]float64{full.name: 0.1})
	return r, p.bytesVerdict(r)
}

// p11Run holds P11's directories and what its last runs measured.
type p11Run struct {
	b  *bench
	h  *history
	px *proxy
	w  string
	// sent and received are the bytes through the proxy in the last run
	// of each contender; added the compressed chunk bytes it added there.
	sent, received, added, addedChunks map[string]int64
}

// contenders prepares the remote that holds snapshots 1–6 and the origins,
// and returns the two timed transfers.
func (p *p11Run) contenders() (seventh, full *contender, err error) {
	p.sent, p.received, p.added, p.addedChunks = map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	if err := os.MkdirAll(p.w, 0o755); err != nil {
		return nil, nil, err
	}
	known, err := p.b.ssh.knownHostsFor(p.px.Port(), filepath.Join(p.w, "known_hosts"))
	if err != nil {
		return nil, nil, err
	}
	remote6, err := p.remoteOfSix(known)
	if err != nil {
		return nil, nil, err
	}
	dest := p.h.tools[0].repo
	origin1 := filepath.Join(p.w, "origin-1")
	if err := copyTree(dest+"@day0", origin1, true); err != nil {
		return nil, nil, err
	}
	seventh, err = p.transfer("strata apply (7th snapshot, 6th there)", dest, filepath.Join(p.w, "remote-7"), remote6, known, lastDay, 7)
	if err != nil {
		return nil, nil, err
	}
	full, err = p.transfer("strata apply (first full transfer)", origin1, filepath.Join(p.w, "remote-1"), "", known, 0, 1)
	return seventh, full, err
}

// remoteOfSix transfers the first six snapshots (strata's destination as
// day 5 left it) to an empty SFTP directory, once, and returns it.
func (p *p11Run) remoteOfSix(known string) (string, error) {
	origin6, remote6 := filepath.Join(p.w, "origin-6"), filepath.Join(p.w, "remote-6")
	if err := copyTree(p.h.tools[0].repo+"@day5", origin6, true); err != nil {
		return "", err
	}
	cfg, err := config(filepath.Join(p.w, "config-6"), p.b.twoTiers(origin6, remote6, p.px.Port(), known)+appHCL(p.h.tree))
	if err != nil {
		return "", err
	}
	if err := run(p.b.strataCmd(cfg, "apply", "--auto-approve", "--now", dayTime(lastDay-1, time.Hour))); err != nil {
		return "", err
	}
	return remote6, snapshotCount(remote6, 6)
}

// transfer is one timed contender: before each run the remote is put back
// as base left it (empty without one); the plan at an hour after day's
// snapshot is one transfer, after which the remote holds want snapshots.
func (p *p11Run) transfer(name, origin, remote, base, known string, day, want int) (*contender, error) {
	cfg, err := config(filepath.Join(p.w, "config-"+filepath.Base(remote)), p.b.twoTiers(origin, remote, p.px.Port(), known)+appHCL(p.h.tree))
	if err != nil {
		return nil, err
	}
	var before int64
	prep := func() error {
		p.px.reset()
		if err := moveToTrash(remote); err != nil || base == "" {
			return err
		}
		n, err := dirSize(filepath.Join(base, ".strata", "chunks"))
		before = n
		if err != nil {
			return err
		}
		return copyTree(base, remote, true)
	}
	after := func() error {
		if err := p.px.settle(5 * time.Second); err != nil {
			return err
		}
		p.sent[name], p.received[name] = p.px.up.Load(), p.px.down.Load()
		n, err := dirSize(filepath.Join(remote, ".strata", "chunks"))
		p.added[name] = n - before
		if err == nil {
			p.addedChunks[name], err = p.newChunks(origin, want)
		}
		if err == nil {
			err = snapshotCount(remote, want)
		}
		return err
	}
	return &contender{name: name, prep: prep, after: after,
		cmd: func() *exec.Cmd {
			return p.b.strataCmd(cfg, "apply", "--auto-approve", "--now", dayTime(day, time.Hour))
		}}, nil
}

// newChunks is the number of chunks the want-th snapshot at origin names
// that the snapshots before it do not.
func (p *p11Run) newChunks(origin string, want int) (int64, error) {
	all, err := findSnapshots(origin)
	if err != nil {
		return 0, err
	}
	if len(all) < want {
		return 0, fmt.Errorf("%s holds %d snapshots, want %d", origin, len(all), want)
	}
	old := map[string]bool{}
	for _, s := range all[:want-1] {
		for _, f := range s.Unique {
			old[f] = true
		}
	}
	var n int64
	for _, f := range all[want-1].Unique {
		if !old[f] {
			n++
		}
	}
	return n, nil
}

// bytesVerdict compares the bytes the seventh transfer sent with the
// compressed chunks it added at the remote.
func (p *p11Run) bytesVerdict(r *result) error {
	if len(r.Series) < 2 {
		return fmt.Errorf("P11: no runs")
	}
	seventh, full := r.Series[0].Name, r.Series[1].Name
	sent, added := p.sent[seventh], p.added[seventh]
	if added <= 0 {
		return fmt.Errorf("P11: the 7th transfer added %d bytes of chunks", added)
	}
	v := float64(sent) / float64(added)
	r.Ratios = append(r.Ratios, ratio{Peer: "bytes sent vs chunks added", Value: v, Target: 1.3, Met: v <= 1.3})
	r.Met = r.Met && v <= 1.3
	r.Values["seventh_sent_bytes"], r.Values["seventh_received_bytes"] = float64(sent), float64(p.received[seventh])
	r.Values["seventh_added_bytes"], r.Values["seventh_added_chunks"] = float64(added), float64(p.addedChunks[seventh])
	r.Values["full_sent_bytes"], r.Values["full_added_bytes"] = float64(p.sent[full]), float64(p.added[full])
	r.note("7th transfer: %s sent and %s received through the proxy (SSH and SFTP framing, listings, leases, chunks.txt and manifest included) for %s of chunks added at the remote (%d new chunks): %.2f× (target ≤ 1.3: %s)",
		human(sent), human(p.received[seventh]), human(added), p.addedChunks[seventh], v, yes(v <= 1.3))
	r.note("first full transfer: %s sent for %s of chunks (%.2f×)", human(p.sent[full]), human(p.added[full]), float64(p.sent[full])/float64(max(p.added[full], 1)))
	return nil
}
