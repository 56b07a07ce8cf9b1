package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// bench is one run of the tool against one server.
type bench struct {
	cfg  config
	r    *runner
	prog *progress
	base string // SCIM base URL under test
	ceil string // ceiling server URL (one user), "" without -ceiling
	// ceilPage is the page ceiling's URL (a ListResponse of pageSize
	// users), "" without -ceiling.
	ceilPage string
	inProc   bool // the server runs in this process (-self)
	runID    string
	seed     uint64
	ids      []string // ids of the run's users by index; "" where create failed
	made     int      // users created so far (ids[:made])
	heap0    uint64   // live heap before the creates (-self)
	rep      Report
}

// measure runs w against the server and, when on, the ceiling, in
// alternating rounds (ceiling first), so that both see the same machine
// load even when it drifts; it records the merged result.
func (b *bench) measure(ctx context.Context, w *workload, bd bound) Result {
	label := fmt.Sprintf("%s N=%d", w.name, w.users)
	if w.members > 0 {
		label += fmt.Sprintf(" M=%d", w.members)
	}
	rounds := max(1, b.cfg.rounds)
	if bd.n > 0 {
		rounds = min(rounds, bd.n)
	} else if w.size > 0 {
		rounds = min(rounds, w.size) // every round gets at least one request
	}
	ceilURL, ceilBytes := b.ceil, b.rep.CeilingBytes
	if w.pageCeiling {
		ceilURL, ceilBytes = b.ceilPage, b.rep.PageCeilingBytes
	}
	var srv, ceil outcome
	ci := 0
	for k := range rounds {
		var rb bound
		switch {
		case bd.n > 0:
			rb.n = share(bd.n, k, rounds)
		case w.size > 0:
			// A timed workload with few distinct requests: each round gets
			// its share of them, so that rounds alternate with the
			// ceiling's as for any other workload.
			rb.n, rb.d = share(w.size, k, rounds), bd.d/time.Duration(rounds)
		default:
			rb.d = bd.d / time.Duration(rounds)
		}
		if ceilURL != "" { // the same bound: as many requests, or as long
			x := b.r.exec(ctx, fmt.Sprintf("%s ceiling %d/%d", label, k+1, rounds), ceilURL, w, ci, rb, true)
			ceil.add(x)
			ci = x.next
		}
		srv.add(b.r.exec(ctx, fmt.Sprintf("%s %d/%d", label, k+1, rounds), b.base, w, srv.next, rb, false))
	}
	res := b.r.result(w, srv)
	res.Exhausted = bd.n == 0 && w.size > 0 && srv.next >= w.size
	if n, rps, p50, p99 := summarize(ceil.lat, ceil.busy); ceilURL != "" && rps > 0 {
		res.Ceiling = &Ceiling{Requests: n, ReqPerSec: rps, P50Ms: p50, P99Ms: p99, PayloadBytes: ceilBytes}
		res.Ratio = res.ReqPerSec / rps
	}
	b.rep.Results = append(b.rep.Results, res)
	return res
}

// share is round k's part of n requests split over rounds.
func share(n, k, rounds int) int { return (k+1)*n/rounds - k*n/rounds }

// timed is the bound of the timed workloads.
func (b *bench) timed() bound { return bound{n: b.cfg.requests, d: b.cfg.duration} }

// sample creates the run's first user and reads it back: its size sets the
// ceiling's payload, so the ceiling returns a user as big as the server's.
func (b *bench) sample(ctx context.Context) ([]byte, error) {
	var buf bytes.Buffer
	req := request{method: "POST", path: "/Users", body: b.userBody(0)}
	rep, err := b.r.cl.do(ctx, b.base, req, &buf)
	if err != nil {
		return nil, fmt.Errorf("first request: %w", err)
	}
	if rep.status != 201 {
		return nil, fmt.Errorf("first request: %w", statusError(req, rep))
	}
	var u idOnly
	if err := json.Unmarshal(rep.body, &u); err != nil || u.ID == "" {
		return nil, fmt.Errorf("POST /Users: no id in the response")
	}
	b.ids[0] = u.ID
	b.rep.RequestBytes = len(req.body)
	req = request{method: "GET", path: "/Users/" + u.ID}
	if rep, err = b.r.cl.do(ctx, b.base, req, &buf); err != nil || rep.status != 200 {
		return nil, fmt.Errorf("GET /Users/%s: %v %v", u.ID, err, rep.status)
	}
	return bytes.Clone(rep.body), nil
}

// users runs the create stages, each followed by lookups and pages at that
// size, and measures the server's memory around the creates.
func (b *bench) users(ctx context.Context) {
	b.memBefore()
	from := 1
	for k, n := range b.cfg.users {
		b.measure(ctx, b.createWorkload(from, n), bound{n: n - from})
		from, b.made = n, n
		if k == len(b.cfg.users)-1 {
			b.memAfter(n)
		}
		if b.cfg.wants("lookup") {
			b.measure(ctx, b.lookupWorkload(n), b.timed())
		}
		if b.cfg.wants("page") {
			b.measure(ctx, b.pageWorkload(n), b.timed())
		}
	}
}

// groups fills one group stage by stage and runs the member workloads on
// it at each size.
func (b *bench) groups(ctx context.Context) error {
	g, err := b.createGroup(ctx, "big")
	if err != nil {
		return err
	}
	from := 0
	for _, m := range b.cfg.members {
		if m > b.made { // members are users: create the missing ones
			b.measure(ctx, b.createWorkload(b.made, m), bound{n: m - b.made})
			b.made = m
		}
		b.measure(ctx, b.fillWorkload(g, from, m), bound{n: (m - from + fillBatch - 1) / fillBatch})
		from = m
		if b.cfg.wants("member-remove") {
			w, removed := b.removeWorkload(g, m)
			b.measure(ctx, w, b.timed())
			if back := removed(); b.cfg.wants("member-add") && len(back) > 0 {
				b.measure(ctx, b.addWorkload("member-add", g, back, m), bound{n: len(back)})
			}
		}
		if err := b.check(ctx, g); err != nil {
			return err
		}
		if b.cfg.wants("group-get") {
			b.measure(ctx, b.getGroupWorkload(g, m), b.timed())
		}
		if b.cfg.wants("member-mix") {
			if err := b.mix(ctx, g, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// concurrent has C clients add distinct users to a fresh group, then
// checks that none was lost.
func (b *bench) concurrent(ctx context.Context) error {
	g, err := b.createGroup(ctx, "concurrent")
	if err != nil {
		return err
	}
	ids := nonEmpty(b.ids[:b.made])
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	b.measure(ctx, b.addWorkload("concurrent-add", g, ids, 0), b.timed())
	return b.check(ctx, g)
}

// check verifies g's membership and charges lost or extra members to the
// last result as check failures.
func (b *bench) check(ctx context.Context, g *group) error {
	lost, extra, err := b.verify(ctx, g)
	if err != nil {
		return fmt.Errorf("verifying group members: %w", err)
	}
	b.rep.LostMembers += lost
	if lost+extra > 0 && len(b.rep.Results) > 0 {
		last := &b.rep.Results[len(b.rep.Results)-1]
		last.CheckFailures += lost + extra
		last.FirstErrors = append(last.FirstErrors, fmt.Sprintf("group %s: %d members lost, %d unexpected", g.id, lost, extra))
	}
	return nil
}

func (b *bench) memBefore() {
	if b.cfg.pid == 0 {
		return
	}
	m := &Memory{PID: b.cfg.pid, InProcess: b.inProc}
	if b.inProc {
		b.heap0 = settle()
	}
	m.RSSBefore, _, _ = procStatus(b.cfg.pid)
	b.rep.Memory = m
}

func (b *bench) memAfter(users int) {
	m := b.rep.Memory
	if m == nil {
		return
	}
	if b.inProc {
		heap := settle()
		m.HeapBytesPerUser = (float64(heap) - float64(b.heap0)) / float64(users)
		if b.cfg.memprofile != "" {
			if err := writeHeapProfile(b.cfg.memprofile); err != nil {
				b.prog.note("bench: -memprofile: %v", err)
			}
		}
	}
	m.RSSAfter, _, _ = procStatus(b.cfg.pid)
	m.UsersCreated = users
	m.BytesPerUser = float64(m.RSSAfter-m.RSSBefore) / float64(users)
}

func (b *bench) memPeak() {
	if m := b.rep.Memory; m != nil {
		_, m.PeakRSS, _ = procStatus(m.PID)
	}
}

func newBench(cfg config, cl *client, prog *progress, base string, inProc bool) *bench {
	b := &bench{cfg: cfg, r: &runner{cl: cl, clients: cfg.clients, progress: prog}, prog: prog, base: base,
		inProc: inProc, runID: randomHex(3), seed: rand.Uint64(), ids: make([]string, max(cfg.users[len(cfg.users)-1], cfg.members[len(cfg.members)-1]))}
	if inProc && b.cfg.pid == 0 {
		b.cfg.pid = os.Getpid()
	}
	b.rep = newReport(b.cfg)
	return b
}
