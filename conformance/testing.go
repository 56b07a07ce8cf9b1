package conformance

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Run runs the suite inside go test: each selected case becomes a subtest
// named by its ID (so go test -run 'Conformance/users\.' selects cases),
// run Target.Parallelism at a time. A failed MUST or IDP case is a test
// error showing the failing requests; a failed SHOULD or MAY case is logged
// as a warning; a case needing an unadvertised feature is skipped with the
// note. It returns the report of the cases that ran.
func Run(t *testing.T, target Target) *Report {
	t.Helper()
	if target.Prefix == "" {
		target.Prefix = NewPrefix()
	}
	feats := Discover(t.Context(), target)
	if feats.Error != "" {
		t.Logf("discovery: %s", feats.Error)
	}
	start := time.Now()
	report := &Report{Prefix: target.Prefix, Features: feats}
	var mu sync.Mutex
	next := make(chan Case)
	var wg sync.WaitGroup
	for range target.parallelism() {
		wg.Go(func() {
			for c := range next {
				t.Run(c.ID, func(t *testing.T) {
					res := RunCase(t.Context(), target, feats, target.Prefix, c)
					mu.Lock()
					report.Results = append(report.Results, res)
					mu.Unlock()
					reportTo(t, res)
				})
			}
		})
	}
	for _, c := range Select(target) {
		next <- c
	}
	close(next)
	wg.Wait()
	report.Elapsed = time.Since(start)
	return report
}

func reportTo(t *testing.T, res Result) {
	t.Helper()
	for _, n := range res.Notes {
		t.Log("note: " + n)
	}
	switch res.Status {
	case StatusFail:
		t.Errorf("%s: %s\n%s\n%s", res.Requirement, res.Title, res.Detail, formatTranscript(res.Transcript, 3))
	case StatusWarn:
		t.Logf("WARNING (%s not met): %s\n%s", res.Requirement, res.Title, res.Detail)
	case StatusSkip:
		t.Skip(res.Detail)
	}
}

// formatTranscript formats the last n exchanges.
func formatTranscript(ex []Exchange, n int) string {
	if len(ex) > n {
		ex = ex[len(ex)-n:]
	}
	var b strings.Builder
	for i, e := range ex {
		fmt.Fprintf(&b, "--- request %d of the last %d\n%s", i+1, len(ex), e)
	}
	return b.String()
}
