package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Runner runs the selected cases of the suite against a Target. It does
// not depend on package testing: Run adapts it to go test and the
// scimconform command drives it directly.
type Runner struct {
	// Target is the server under test.
	Target Target
	// OnStart and OnResult, when set, are called as cases start and end
	// (from several goroutines, one call at a time).
	OnStart func(Case)
	// OnResult is called with each case's result; see OnStart.
	OnResult func(Result)

	mu sync.Mutex
}

// NewPrefix returns a fresh unique prefix for the data of a run.
func NewPrefix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "scimconform-" + hex.EncodeToString(b) + "-"
}

// Run discovers the server's features, runs the selected cases with the
// target's parallelism and returns the report, results in case order.
// When ctx is cancelled, running cases stop, their cleanups still run, and
// the cases not started are reported skipped.
func (r *Runner) Run(ctx context.Context) *Report {
	start := time.Now()
	prefix := r.Target.Prefix
	if prefix == "" {
		prefix = NewPrefix()
	}
	feats := Discover(ctx, r.Target)
	cases := Select(r.Target)
	results := make([]Result, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(r.Target.parallelism(), max(len(cases), 1)) {
		wg.Go(func() {
			for i := range next {
				results[i] = r.one(ctx, cases[i], feats, prefix)
			}
		})
	}
	for i := range cases {
		if ctx.Err() != nil {
			results[i] = skipped(cases[i], "run interrupted before the case started")
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return &Report{Prefix: prefix, Features: feats, Results: results, Elapsed: time.Since(start)}
}

func (r *Runner) one(ctx context.Context, c Case, feats Features, prefix string) Result {
	r.callback(func() {
		if r.OnStart != nil {
			r.OnStart(c)
		}
	})
	res := RunCase(ctx, r.Target, feats, prefix, c)
	r.callback(func() {
		if r.OnResult != nil {
			r.OnResult(res)
		}
	})
	return res
}

func (r *Runner) callback(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

func skipped(c Case, note string) Result {
	return Result{ID: c.ID, Title: c.Title, Requirement: c.Requirement, Profiles: c.Profiles, Status: StatusSkip, Detail: note}
}

// missingFeature returns the note for the first feature c needs that the
// server does not advertise, or "".
func missingFeature(c Case, feats Features) string {
	for _, f := range c.Needs {
		if feats.Has(f) {
			continue
		}
		switch f {
		case FeatureSecondTenant:
			return "no second tenant token (Target.SecondToken, -token2)"
		case FeatureGroups, FeatureEnterprise:
			return fmt.Sprintf("feature %q is not listed in /ResourceTypes", f)
		}
		if feats.Error != "" {
			return fmt.Sprintf("feature %q unknown: %s", f, feats.Error)
		}
		return fmt.Sprintf("feature %q is not advertised in /ServiceProviderConfig", f)
	}
	return ""
}

// RunCase runs one case: it checks the features the case needs, calls
// its Func, then its cleanups (with a context that survives ctx's
// cancellation for up to 30 seconds), and turns the outcome into a Result.
func RunCase(ctx context.Context, target Target, feats Features, prefix string, c Case) Result {
	if note := missingFeature(c, feats); note != "" {
		return skipped(c, note)
	}
	t := &T{ctx: ctx, target: target, features: feats,
		prefix:  prefix + c.ID + "-",
		primary: newClient(target, target.Token), second: newClient(target, target.SecondToken)}
	start := time.Now()
	t.call(ctx, c)
	transcript := append(t.primary.transcript(), t.second.transcript()...)
	t.runCleanups(ctx)
	if ctx.Err() != nil {
		t.sweep(ctx)
	}
	res := Result{ID: c.ID, Title: c.Title, Requirement: c.Requirement, Profiles: c.Profiles,
		Elapsed: time.Since(start), Notes: t.notes, Status: StatusPass}
	switch {
	case ctx.Err() != nil:
		res.Status, res.Detail = StatusSkip, "run interrupted: "+context.Cause(ctx).Error()
	case t.failed:
		res.Status, res.Detail = StatusWarn, strings.Join(t.msgs, "\n")
		if c.Requirement.Level.Fatal() {
			res.Status = StatusFail
		}
		res.Transcript = transcript
	case t.skip != "":
		res.Status, res.Detail = StatusSkip, t.skip
	}
	return res
}

func (t *T) call(ctx context.Context, c Case) {
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopCase); !ok {
				t.Errorf("case panicked: %v", v)
			}
		}
	}()
	c.Func(ctx, t)
	if ctx.Err() != nil && !t.failed && t.skip == "" {
		t.skip = "run interrupted"
	}
}

// sweep deletes what an interrupted case may have created without seeing
// the response: resources whose name starts with the case's unique prefix
// (random per run, so never data the suite did not create).
func (t *T) sweep(ctx context.Context) {
	if !t.features.Has(FeatureFilter) {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, c := range []*client{t.primary, t.second} {
		if c.token == "" {
			continue
		}
		for _, ep := range [][2]string{{"/Users", "userName"}, {"/Groups", "displayName"}} {
			for range 100 {
				res, err := c.do(cctx, request{method: http.MethodGet, path: filterPath(ep[0], ep[1]+" sw "+q(t.prefix), "count=100", "attributes=id")})
				if err != nil || res.Status != http.StatusOK {
					break
				}
				found := ids(resourcesOf(res))
				if len(found) == 0 {
					break
				}
				for _, id := range found {
					t.deleteQuietly(cctx, c, ep[0]+"/"+id)
				}
			}
		}
	}
}

func (t *T) runCleanups(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i](cctx)
	}
}
