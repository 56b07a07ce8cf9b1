package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// workload is one kind of request, sent by every worker until a request
// count or a duration is reached. Request i (0, 1, 2, … across all workers)
// is gen(i), so workloads that need distinct items per request index a
// prepared list.
type workload struct {
	name    string
	users   int
	members int
	// size is the number of distinct requests gen can make (0: no limit);
	// a run stops there, and a ceiling run wraps around.
	size int
	// pageCeiling compares the workload with the page ceiling (a fixed
	// ListResponse of pageSize users) instead of the one-user ceiling.
	pageCeiling bool
	gen         func(i int) request
	// want reports whether a status is a success; others are errors.
	want func(status int) bool
	// check verifies a successful response; a non-nil error is a check
	// failure (the server answered, but wrongly). It may be nil.
	check func(i int, body []byte) error
	// every, when above 1, has only requests whose index it divides checked
	// (and decoded on a ceiling pass): decoding a page of 100 users takes
	// longer than the server takes to answer it.
	every int
	// decode, when set, is the decoding check does for request i, with no
	// verdict and no side effect. A ceiling pass runs it on the ceiling's
	// answers, so that the client's checking takes as much of the machine
	// from the ceiling as from the server and the ratio compares servers
	// rather than what the client does with their answers.
	decode func(i int, body []byte)
}

// bound says when a run stops: after n requests when n > 0, after d when
// d > 0, whichever comes first.
type bound struct {
	n int
	d time.Duration
}

// outcome is the result of sending one workload to one server.
type outcome struct {
	lat         [][]time.Duration
	busy        []time.Duration // per worker: first request sent to last answer checked
	errors      int64
	checkFails  int64
	bytes       int64
	elapsed     time.Duration
	firstErrors []string
	next        int // the first request index not sent
}

// add merges a later round of the same workload into x.
func (x *outcome) add(y outcome) {
	for k := range y.lat {
		if k < len(x.lat) {
			x.lat[k] = append(x.lat[k], y.lat[k]...)
		} else {
			x.lat = append(x.lat, y.lat[k])
		}
	}
	for k := range y.busy {
		if k < len(x.busy) {
			x.busy[k] += y.busy[k]
		} else {
			x.busy = append(x.busy, y.busy[k])
		}
	}
	x.errors += y.errors
	x.checkFails += y.checkFails
	x.bytes += y.bytes
	x.elapsed += y.elapsed
	for _, e := range y.firstErrors {
		if len(x.firstErrors) < 5 {
			x.firstErrors = append(x.firstErrors, e)
		}
	}
	x.next = y.next
}

// runner sends workloads with a fixed number of concurrent workers.
type runner struct {
	cl       *client
	clients  int
	progress *progress
}

// errorLog keeps the first few distinct error messages of a run.
type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

func (e *errorLog) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.msgs) >= 5 {
		return
	}
	s := err.Error()
	for _, m := range e.msgs {
		if m == s {
			return
		}
	}
	e.msgs = append(e.msgs, s)
}

// exec sends w's requests from index start on to base until b is reached
// (b.n counts from start). A ceiling run skips w.want and w.check (any 2xx
// is a success), runs w.decode instead, and wraps around w.size.
func (r *runner) exec(ctx context.Context, label, base string, w *workload, start int, b bound, ceiling bool) outcome {
	p := &pass{r: r, base: base, w: w, b: b, ceiling: ceiling, lat: make([][]time.Duration, r.clients), busy: make([]time.Duration, r.clients)}
	if b.n > 0 {
		p.b.n += start
	}
	p.next.Store(int64(start))
	live := r.progress.begin(label, p.b.n, &p.next, &p.errs, &p.fails)
	defer r.progress.end(live)
	t0 := time.Now()
	p.deadline = t0.Add(b.d)
	var wg sync.WaitGroup
	for k := range r.clients {
		wg.Go(func() {
			pprof.Do(ctx, pprof.Labels("role", "client", "workload", w.name, "at", "client/"+w.name), func(ctx context.Context) { p.loop(ctx, k) })
		})
	}
	wg.Wait()
	return outcome{lat: p.lat, busy: p.busy, errors: p.errs.Load(), checkFails: p.fails.Load(), bytes: p.nbytes.Load(),
		elapsed: time.Since(t0), firstErrors: p.elog.msgs, next: int(p.next.Load())}
}

// pass is the shared state of one exec.
type pass struct {
	r        *runner
	base     string
	w        *workload
	b        bound
	ceiling  bool
	deadline time.Time

	next, errs, fails, nbytes atomic.Int64
	elog                      errorLog
	lat                       [][]time.Duration // per worker
	busy                      []time.Duration   // per worker, see outcome
}

// loop is worker k, labelled role=client and workload=<name> in CPU
// profiles (the transport goroutines it starts inherit the labels); a
// -self server's samples are role=server and the ceiling's role=ceiling, and
// at=<role>/<workload> carries both, so go tool pprof -tagfocus at=server/page
// shows one workload on the server alone.: it takes request indexes until the bound is reached.
func (p *pass) loop(ctx context.Context, k int) {
	var buf bytes.Buffer
	w := p.w
	var first, last time.Time
	defer func() {
		if !first.IsZero() {
			p.busy[k] = last.Sub(first)
		}
	}()
	for ctx.Err() == nil {
		i := int(p.next.Add(1) - 1)
		if (p.b.n > 0 && i >= p.b.n) || (p.b.d > 0 && time.Now().After(p.deadline)) || (!p.ceiling && w.size > 0 && i >= w.size) {
			p.next.Add(-1)
			return
		}
		j := i
		if p.ceiling && w.size > 0 {
			j = i % w.size
		}
		req := w.gen(j)
		req.workload = w.name
		t0 := time.Now()
		if first.IsZero() {
			first = t0
		}
		rep, err := p.r.cl.do(ctx, p.base, req, &buf)
		d := time.Since(t0)
		last = t0.Add(d)
		switch {
		case err != nil:
			p.fail(&p.errs, err)
			continue
		case !p.ceiling && !w.want(rep.status), p.ceiling && !is2xx(rep.status):
			p.fail(&p.errs, statusError(req, rep))
			continue
		}
		p.lat[k] = append(p.lat[k], d)
		p.nbytes.Add(int64(len(rep.body)))
		switch {
		case w.every > 1 && i%w.every != 0:
		case !p.ceiling && w.check != nil:
			if err := w.check(i, rep.body); err != nil {
				p.fail(&p.fails, fmt.Errorf("check: %s %s: %w", req.method, trim(req.path, 80), err))
			}
			last = time.Now() // checking is the client's work too
		case p.ceiling && w.decode != nil:
			w.decode(j, rep.body)
			last = time.Now()
		}
	}
}

func (p *pass) fail(counter *atomic.Int64, err error) {
	counter.Add(1)
	p.elog.add(err)
}

// result turns a run into a Result row.
func (r *runner) result(w *workload, x outcome) Result {
	n, rps, p50, p99 := summarize(x.lat, x.busy)
	res := Result{Workload: w.name, Users: w.users, Members: w.members, Clients: r.clients,
		Requests: n, Errors: int(x.errors), CheckFailures: int(x.checkFails), Seconds: x.elapsed.Seconds(),
		ReqPerSec: rps, P50Ms: p50, P99Ms: p99, FirstErrors: x.firstErrors}
	if n > 0 {
		res.RespBytes = float64(x.bytes) / float64(n)
	}
	return res
}

// status helpers for workload.want.
func is(codes ...int) func(int) bool {
	return func(s int) bool {
		for _, c := range codes {
			if s == c {
				return true
			}
		}
		return false
	}
}

func is2xx(s int) bool { return s >= 200 && s < 300 }

var (
	isOK      = is(http.StatusOK)
	isCreated = is(http.StatusCreated)
	isPatched = is(http.StatusOK, http.StatusNoContent)
)
