package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Scaling compares one workload's throughput with one client and with
// many: Ratio is ReqPerSec[1] / ReqPerSec[0], 1 when more clients gain
// nothing, Clients[1] when the server scales perfectly.
type Scaling struct {
	// Workload is the workload compared (create-clients: create).
	Workload string `json:"workload"`
	// Clients are the two concurrencies, 1 and -scale-clients.
	Clients [2]int `json:"clients"`
	// ReqPerSec is the throughput at each.
	ReqPerSec [2]float64 `json:"req_per_s"`
	// Ratio is as described on the type.
	Ratio float64 `json:"ratio"`
}

// createClients runs create with 1 client and with -scale-clients clients
// for the same time, alternating round by round as measure alternates a
// workload with its ceiling, and records both rows and their ratio. It
// creates users of its own, past every index the run uses, which the
// other workloads never read; there is no ceiling: the ratio is between
// two runs on the same server.
func (b *bench) createClients(ctx context.Context) {
	many := b.cfg.scaleClients
	runners := [2]*runner{
		{cl: newClient(1, b.cfg.timeout, b.r.cl.token), clients: 1, progress: b.prog},
		{cl: newClient(many, b.cfg.timeout, b.r.cl.token), clients: many, progress: b.prog},
	}
	bd := b.timed()
	rounds := max(1, b.cfg.rounds)
	if bd.n > 0 {
		rounds = min(rounds, bd.n)
	}
	next := len(b.ids) // the next user index to create
	var out [2]outcome
	var w *workload
	for k := range rounds {
		rb := bound{d: bd.d / time.Duration(rounds)}
		if bd.n > 0 {
			rb = bound{n: share(bd.n, k, rounds)}
		}
		for x, r := range runners {
			w = b.scaleWorkload(next)
			label := fmt.Sprintf("%s N=%d C=%d %d/%d", w.name, w.users, r.clients, k+1, rounds)
			o := r.exec(ctx, label, b.base, w, 0, rb, false)
			next += o.next
			out[x].add(o)
		}
	}
	s := &Scaling{Workload: w.name, Clients: [2]int{1, many}}
	for x, r := range runners {
		res := r.result(w, out[x])
		s.ReqPerSec[x] = res.ReqPerSec
		b.rep.Results = append(b.rep.Results, res)
	}
	if s.ReqPerSec[0] > 0 {
		s.Ratio = s.ReqPerSec[1] / s.ReqPerSec[0]
	}
	b.rep.CreateScaling = s
}

// scaleWorkload creates users from index from on, as many as its bound
// allows, without recording their ids.
func (b *bench) scaleWorkload(from int) *workload {
	return &workload{
		name: "create-clients", users: b.made,
		gen:  func(i int) request { return request{method: "POST", path: "/Users", body: b.userBody(from + i)} },
		want: isCreated,
		check: func(i int, body []byte) error {
			var u idOnly
			if err := json.Unmarshal(body, &u); err != nil {
				return err
			}
			if u.ID == "" || u.UserName != b.userName(from+i) {
				return fmt.Errorf("created user has id %q, userName %q; want an id and %q", u.ID, u.UserName, b.userName(from+i))
			}
			return nil
		},
	}
}
