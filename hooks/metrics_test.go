package hooks_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/hooks/hookstest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// metricValues collects r and returns each int64 metric's value for
// consumer "c".
func metricValues(t *testing.T, r *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	want := attribute.NewSet(attribute.String("consumer", "c"))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var points []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				points = d.DataPoints
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			}
			for _, p := range points {
				if p.Attributes.Equals(&want) {
					out[m.Name] += p.Value
				}
			}
		}
	}
	return out
}

func TestDispatcherMetrics(t *testing.T) {
	st := memory.New()
	commitChanges(t, st, "m", 23)
	evs, err := st.Events(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(len(evs))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	fail := hooks.HandlerFunc(func(ctx context.Context, ev hooks.Event) error {
		return hooks.Permanent(errors.New("target refuses everything"))
	})
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"c": fail},
		MeterProvider: mp, Logger: quietLog, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := metricValues(t, reader)[hooks.MetricOutboxLag]; got != total {
		t.Fatalf("lag before delivery = %d, want %d (every event)", got, total)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	for {
		cp, err := st.Checkpoint(t.Context(), "c")
		if err != nil {
			t.Fatal(err)
		}
		if cp == evs[len(evs)-1].Seq {
			break
		}
		time.Sleep(5 * time.Millisecond) // the test's deadline bounds this
	}
	cancel()
	<-done
	got := metricValues(t, reader)
	for name, want := range map[string]int64{hooks.MetricOutboxLag: 0, hooks.MetricParkedEvents: total,
		hooks.MetricDeliveryAttempts: total, hooks.MetricDeliveryFailures: total, hooks.MetricDeliveryParked: total} {
		if got[name] != want {
			t.Errorf("%s = %d, want %d", name, got[name], want)
		}
	}
}

func TestRevocationLatencyMetric(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	commit := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := hooks.NewAccess(hooks.AccessConfig{MeterProvider: mp,
		Revoker: hooks.RevokerFunc(func(ctx context.Context, r hooks.Revocation) error { return nil }),
		Now:     func() time.Time { return commit.Add(1500 * time.Millisecond) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.HandleEvent(t.Context(), store.Event{ID: "e1", Type: store.UserDeleted, Tenant: "t", ResourceID: "u1", Time: commit}); err != nil {
		t.Fatal(err)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != hooks.MetricRevocationLatency {
				continue
			}
			p := m.Data.(metricdata.Histogram[float64]).DataPoints
			if len(p) != 1 || p[0].Count != 1 || p[0].Sum != 1.5 {
				t.Fatalf("%s = %+v, want one revocation of 1.5s", m.Name, p)
			}
			return
		}
	}
	t.Fatalf("%s not recorded", hooks.MetricRevocationLatency)
}

// countingParked counts the store's Parked reads.
type countingParked struct {
	*memory.Store
	reads atomic.Int64
}

func (c *countingParked) Parked(ctx context.Context, consumer string, limit int) ([]store.ParkedEvent, error) {
	c.reads.Add(1)
	return c.Store.Parked(ctx, consumer, limit)
}

// TestParkedGaugeCached: the parked-events gauge reads the store at most
// once per 30 seconds per consumer, however often it is collected.
func TestParkedGaugeCached(t *testing.T) {
	st := &countingParked{Store: memory.New()}
	clk := hookstest.NewClock(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	reader := sdkmetric.NewManualReader()
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"c": hooks.HandlerFunc(func(context.Context, hooks.Event) error { return nil })},
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)), Logger: quietLog, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	metricValues(t, reader)
	metricValues(t, reader)
	if n := st.reads.Load(); n != 1 {
		t.Errorf("Parked reads after two collections: %d, want 1", n)
	}
	clk.Advance(31 * time.Second)
	metricValues(t, reader)
	if n := st.reads.Load(); n != 2 {
		t.Errorf("Parked reads after 31 s: %d, want 2", n)
	}
}
