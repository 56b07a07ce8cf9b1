package hooks

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/scimkit/scimkit/store"
)

// InstrumentationName is the OpenTelemetry instrumentation scope of the
// package's metrics.
const InstrumentationName = "github.com/scimkit/scimkit/hooks"

// Metric names recorded by a Dispatcher (Config.MeterProvider) and by
// Access (AccessConfig.MeterProvider). A Prometheus exporter writes them
// with "." as "_" and counters with a "_total" suffix.
const (
	// MetricDeliveryAttempts counts calls of a consumer's handler, by
	// consumer.
	MetricDeliveryAttempts = "scimkit.delivery.attempts"
	// MetricDeliveryFailures counts the failed ones, by consumer.
	MetricDeliveryFailures = "scimkit.delivery.failures"
	// MetricDeliveryParked counts events parked (given up on), by consumer.
	MetricDeliveryParked = "scimkit.delivery.parked"
	// MetricParkedEvents is a gauge: the events parked now, by consumer
	// (read from store.Deliveries at most every 30 seconds, counted up to
	// MaxParkedCounted).
	MetricParkedEvents = "scimkit.delivery.parked_events"
	// MetricOutboxLag is a gauge: how many events the outbox holds after
	// the consumer's checkpoint (the Seq of the newest event, from
	// store.OutboxHead or else a few one-event reads, less the
	// checkpoint), by consumer. 0 when the consumer is caught up.
	MetricOutboxLag = "scimkit.outbox.lag_events"
	// MetricRevocationLatency is the histogram, in seconds, from the
	// commit of a deprovisioning (Revocation.Time) to the Revoker's
	// return, by outcome (ok or error).
	MetricRevocationLatency = "scimkit.revocation.latency"
)

// MaxParkedCounted bounds what a collection of MetricParkedEvents reads:
// a consumer with more parked events shows this many.
const MaxParkedCounted = 10000

// parkedEvery is how long a count of parked events is reused: reading
// them decodes up to MaxParkedCounted events, and collections may come
// every few seconds (from several readers).
const parkedEvery = 30 * time.Second

// latencyBuckets are the revocation latency boundaries in seconds.
var latencyBuckets = []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}

// dispatchMetrics holds a Dispatcher's instruments.
type dispatchMetrics struct {
	attempts, failures, parked metric.Int64Counter
	reg                        metric.Registration

	mu     sync.Mutex
	counts map[string]parkedCount // consumer → its last count of parked events
}

// parkedCount is a consumer's number of parked events, read at at.
type parkedCount struct {
	n  int64
	at time.Time
}

// parkedNow returns name's number of parked events, read from the store
// at most once per parkedEvery (sooner after this Dispatcher parked or
// replayed one of name's events; other replicas' are seen within
// parkedEvery).
func (d *Dispatcher) parkedNow(ctx context.Context, dm *dispatchMetrics, name string) (int64, error) {
	dm.mu.Lock()
	defer dm.mu.Unlock()
	now := d.clock.Now()
	if c, ok := dm.counts[name]; ok && now.Sub(c.at) < parkedEvery {
		return c.n, nil
	}
	p, err := d.deliv.Parked(ctx, name, MaxParkedCounted)
	if err != nil {
		return 0, err
	}
	if dm.counts == nil {
		dm.counts = map[string]parkedCount{}
	}
	dm.counts[name] = parkedCount{int64(len(p)), now}
	return int64(len(p)), nil
}

// newDispatchMetrics creates the instruments on mp (nil: the global
// provider) and registers the gauges, observed from the store.
func (d *Dispatcher) newMetrics(mp metric.MeterProvider) error {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(InstrumentationName)
	dm := &dispatchMetrics{}
	var err error
	if dm.attempts, err = m.Int64Counter(MetricDeliveryAttempts, metric.WithUnit("{attempt}"),
		metric.WithDescription("Deliveries of events to a consumer's handler.")); err != nil {
		return err
	}
	if dm.failures, err = m.Int64Counter(MetricDeliveryFailures, metric.WithUnit("{attempt}"),
		metric.WithDescription("Deliveries whose handler failed.")); err != nil {
		return err
	}
	if dm.parked, err = m.Int64Counter(MetricDeliveryParked, metric.WithUnit("{event}"),
		metric.WithDescription("Events parked after their last attempt or a permanent failure.")); err != nil {
		return err
	}
	parkedNow, err := m.Int64ObservableGauge(MetricParkedEvents, metric.WithUnit("{event}"),
		metric.WithDescription("Events parked now, waiting for a replay."))
	if err != nil {
		return err
	}
	lag, err := m.Int64ObservableGauge(MetricOutboxLag, metric.WithUnit("{event}"),
		metric.WithDescription("Events in the outbox after the consumer's checkpoint."))
	if err != nil {
		return err
	}
	dm.reg, err = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for _, name := range d.names {
			attrs := metric.WithAttributes(attribute.String("consumer", name))
			if n, err := d.parkedNow(ctx, dm, name); err == nil {
				o.ObserveInt64(parkedNow, n, attrs)
			}
			if cp, err := d.deliv.Checkpoint(ctx, name); err == nil {
				if head, err := outboxHead(ctx, d.outbox, cp); err == nil {
					o.ObserveInt64(lag, max(head-cp, 0), attrs)
				}
			}
		}
		return nil
	}, parkedNow, lag)
	if err != nil {
		return err
	}
	d.metrics = dm
	return nil
}

// outboxHead returns the Seq of the newest event in o, with one query
// when o implements store.OutboxHead; else, from the events after from
// (from when there are none), with O(log n) reads of one event: it
// gallops, then bisects, on Events(after, 1), which returns the first
// event above after.
func outboxHead(ctx context.Context, o store.Outbox, from int64) (int64, error) {
	if h, ok := o.(store.OutboxHead); ok {
		return h.LastSeq(ctx)
	}
	lo, hi := from, int64(-1) // an event (or from) at lo; none at hi or above
	for step := int64(1); hi < 0; step *= 2 {
		evs, err := o.Events(ctx, lo+step-1, 1)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 {
			hi = lo + step
		} else {
			lo = evs[0].Seq
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		evs, err := o.Events(ctx, mid-1, 1)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 {
			hi = mid
		} else {
			lo = evs[0].Seq
			hi = max(hi, lo+1) // an event committed meanwhile
		}
	}
	return lo, nil
}

// countAttempt records one delivery attempt of consumer and its result.
func (dm *dispatchMetrics) countAttempt(ctx context.Context, consumer string, err error, parked bool) {
	if dm == nil || dm.attempts == nil {
		return
	}
	attrs := metric.WithAttributes(attribute.String("consumer", consumer))
	dm.attempts.Add(ctx, 1, attrs)
	if err != nil {
		dm.failures.Add(ctx, 1, attrs)
	}
	if parked {
		dm.parked.Add(ctx, 1, attrs)
		dm.forgetParked(consumer)
	}
}

// forgetParked drops consumer's cached count of parked events (it parked
// or replayed one), so that the next collection reads it again.
func (dm *dispatchMetrics) forgetParked(consumer string) {
	if dm == nil {
		return
	}
	dm.mu.Lock()
	defer dm.mu.Unlock()
	delete(dm.counts, consumer)
}

// newRevocationLatency creates the revocation latency histogram on mp
// (nil: the global provider).
func newRevocationLatency(mp metric.MeterProvider) (metric.Float64Histogram, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(InstrumentationName).Float64Histogram(MetricRevocationLatency, metric.WithUnit("s"),
		metric.WithDescription("Time from the commit of a deprovisioning to the Revoker's return."),
		metric.WithExplicitBucketBoundaries(latencyBuckets...))
}
