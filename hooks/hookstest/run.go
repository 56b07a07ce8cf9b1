package hookstest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
)

// Start creates a Dispatcher from cfg and runs it until tb ends (it is
// stopped and waited for in tb.Cleanup, before stores closed by earlier
// cleanups). A nil cfg.Logger discards logs.
func Start(tb testing.TB, cfg hooks.Config) *hooks.Dispatcher {
	tb.Helper()
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	d, err := hooks.NewDispatcher(cfg)
	if err != nil {
		tb.Fatalf("NewDispatcher: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Dispatcher.Run: %v", err)
		}
	})
	return d
}

// Latencies collects durations, e.g. from a write to the handler call it
// caused, and reports percentiles. It is safe for concurrent use.
type Latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ds = append(l.ds, d)
}

// Since records the time elapsed since start.
func (l *Latencies) Since(start time.Time) { l.Add(time.Since(start)) }

// Len returns the number of durations recorded.
func (l *Latencies) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ds)
}

// Percentile returns the p-th percentile (0 < p <= 100) of the recorded
// durations (nearest rank), or 0 when none was recorded.
func (l *Latencies) Percentile(p float64) time.Duration {
	l.mu.Lock()
	ds := slices.Clone(l.ds)
	l.mu.Unlock()
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// Report reports the p50 and p99 latencies in milliseconds as benchmark
// metrics ("p50-ms", "p99-ms").
func (l *Latencies) Report(b *testing.B) {
	b.ReportMetric(float64(l.Percentile(50))/float64(time.Millisecond), "p50-ms")
	b.ReportMetric(float64(l.Percentile(99))/float64(time.Millisecond), "p99-ms")
}
