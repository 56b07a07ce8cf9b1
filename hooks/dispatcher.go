package hooks

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/scimkit/scimkit/store"
)

// Dispatcher defaults.
const (
	DefaultPollInterval = time.Second
	DefaultBatch        = 256
	DefaultLeaseTTL     = 15 * time.Second
	DefaultConcurrency  = 16
	DefaultWindow       = 4096
)

// Config configures NewDispatcher. Store and Handlers are required; every
// other zero field takes a documented default.
type Config struct {
	// Store must implement store.Outbox and store.Deliveries (every scimkit
	// backend does). If it implements store.Notifier the Dispatcher wakes
	// on commit instead of waiting for the next poll.
	Store store.Store
	// Handlers maps consumer names to handlers. Each consumer has its own
	// checkpoint, lease, retries and parked events: a failing webhook never
	// delays revocation. Names are stored: renaming a consumer restarts it
	// from the oldest event the store still keeps (store.Retention).
	Handlers map[string]Handler
	// Retry is the retry policy of every handler.
	Retry RetryPolicy
	// Clock drives backoff, polling and lease renewal; nil is the real
	// clock.
	Clock Clock
	// Logger receives retries (Warn), parked events (Error) and store
	// errors; nil means slog.Default().
	Logger *slog.Logger
	// PollInterval is how often a consumer looks for new events when it
	// was not woken by the store (and how often a standby replica tries to
	// take over a lease). Default 1s.
	PollInterval time.Duration
	// Batch is the number of events read per round. Default 256 (at most
	// Window).
	Batch int
	// Concurrency is how many events a consumer delivers at once, each of
	// another resource (default 16). The events of one resource (tenant,
	// resource type and id; a user.groups_changed event is about the
	// user) are delivered one at a time in Seq order; a resource whose
	// event is waiting for a retry holds back only its own later events.
	// Handlers must therefore be safe for concurrent use. 1 delivers one
	// event at a time (in Seq order while nothing fails).
	Concurrency int
	// Window bounds the events a consumer has read but not finished
	// (queued behind an earlier event of their resource, being delivered
	// or waiting for a retry): when Window-Batch are pending it stops
	// reading until some finish. Default 4096.
	Window int
	// LeaseTTL is how long a consumer's lease lasts without renewal; it is
	// renewed every LeaseTTL/3. A replica that dies is replaced by another
	// after at most LeaseTTL. Default 15s.
	LeaseTTL time.Duration
	// MeterProvider receives the delivery metrics (MetricDeliveryAttempts,
	// MetricDeliveryFailures, MetricDeliveryParked, MetricParkedEvents,
	// MetricOutboxLag; scope InstrumentationName). Default
	// otel.GetMeterProvider(). The gauges are read from the store when
	// the provider collects; call Close to stop that.
	MeterProvider metric.MeterProvider
}

// Dispatcher delivers the events of a store's transactional outbox to the
// registered handlers (RFC-independent; see the package documentation).
// Create it with NewDispatcher and start it with Run. Its methods are safe
// for concurrent use.
type Dispatcher struct {
	cfg      Config
	outbox   store.Outbox
	deliv    store.Deliveries
	notifier store.Notifier // may be nil
	clock    Clock
	log      *slog.Logger
	owner    string
	names    []string
	running  atomic.Bool
	metrics  *dispatchMetrics // metrics.go
}

// NewDispatcher checks cfg and returns a Dispatcher. It does not start
// delivering: call Run.
func NewDispatcher(cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, errors.New("hooks: Config.Store is required")
	}
	o, ok := cfg.Store.(store.Outbox)
	if !ok {
		return nil, fmt.Errorf("hooks: Config.Store (%T) does not implement store.Outbox", cfg.Store)
	}
	dl, ok := cfg.Store.(store.Deliveries)
	if !ok {
		return nil, fmt.Errorf("hooks: Config.Store (%T) does not implement store.Deliveries", cfg.Store)
	}
	if len(cfg.Handlers) == 0 {
		return nil, errors.New("hooks: Config.Handlers is empty")
	}
	d := &Dispatcher{outbox: o, deliv: dl, clock: cfg.Clock, log: cfg.Logger, owner: newOwner()}
	for name, h := range cfg.Handlers {
		if name == "" || h == nil {
			return nil, fmt.Errorf("hooks: Config.Handlers: consumer %q has a nil handler or an empty name", name)
		}
		d.names = append(d.names, name)
	}
	slices.Sort(d.names)
	var err error
	if cfg.Retry, err = cfg.Retry.withDefaults(); err != nil {
		return nil, err
	}
	if cfg.PollInterval < 0 || cfg.Batch < 0 || cfg.LeaseTTL < 0 || cfg.Concurrency < 0 || cfg.Window < 0 {
		return nil, errors.New("hooks: Config.PollInterval, Batch, LeaseTTL, Concurrency and Window must not be negative")
	}
	cfg.PollInterval = cmp.Or(cfg.PollInterval, DefaultPollInterval)
	cfg.Concurrency = cmp.Or(cfg.Concurrency, DefaultConcurrency)
	cfg.Window = cmp.Or(cfg.Window, DefaultWindow)
	cfg.Batch = min(cmp.Or(cfg.Batch, DefaultBatch), cfg.Window)
	cfg.LeaseTTL = cmp.Or(cfg.LeaseTTL, DefaultLeaseTTL)
	d.cfg = cfg
	d.notifier, _ = cfg.Store.(store.Notifier)
	if d.clock == nil {
		d.clock = realClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if err := d.newMetrics(cfg.MeterProvider); err != nil {
		return nil, fmt.Errorf("hooks: metrics: %w", err)
	}
	return d, nil
}

// Close unregisters the Dispatcher's gauges from Config.MeterProvider, so
// that collections no longer read the store (call it before closing the
// store). It does not stop Run.
func (d *Dispatcher) Close() error {
	if d.metrics == nil || d.metrics.reg == nil {
		return nil
	}
	return d.metrics.reg.Unregister()
}

// Run delivers events until ctx is done, then returns nil. Each consumer
// runs in its own goroutine: it leases the consumer (so that, of several
// replicas running a Dispatcher on one database, one delivers and the
// others stand by), reads the events after the consumer's checkpoint in
// Seq order into per-resource lanes, hands each lane's events to the
// handler in order, lanes in parallel up to Config.Concurrency (retrying
// with backoff, parking an event after RetryPolicy.MaxAttempts or a
// Permanent error) and advances the checkpoint to the highest Seq below
// which every event is finished. Store errors are logged and retried; Run never gives up.
// A consumer whose checkpoint is older than what the store keeps
// (store.Retention: it was abandoned, its lease unrenewed for longer than
// Retention.AbandonAfter) never skips the pruned events: it logs an error
// and delivers nothing until it is removed with store.Consumers.
// On return the leases are released so another replica takes over at
// once. A Dispatcher runs at most once at a time; a second concurrent Run
// returns an error.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("hooks: Dispatcher.Run is already running")
	}
	defer d.running.Store(false)
	wakes := make(map[string]chan struct{}, len(d.names))
	for _, name := range d.names {
		wakes[name] = make(chan struct{}, 1)
	}
	var wg sync.WaitGroup
	if d.notifier != nil {
		ch := d.notifier.Notify(ctx)
		wg.Go(func() {
			for range ch {
				for _, w := range wakes {
					signal(w)
				}
			}
		})
	}
	for _, name := range d.names {
		wg.Go(func() { d.consume(ctx, name, d.cfg.Handlers[name], wakes[name]) })
	}
	wg.Wait()
	return nil
}

// expiredLogEvery is how often a consumer whose checkpoint is older than
// what the outbox keeps logs so, while it stays stuck.
const expiredLogEvery = 10 * time.Minute

// consume runs consumer name until ctx is done: it takes the lease when
// it can and delivers while it holds it. A consumer whose checkpoint is
// older than the outbox keeps (store.ErrExpired) delivers nothing and
// never skips: it logs an error and tries again each poll, so that it
// resumes once an operator has removed it (and it restarts at the oldest
// event kept).
func (d *Dispatcher) consume(ctx context.Context, name string, h Handler, wake chan struct{}) {
	var expiredLogged time.Time
	for ctx.Err() == nil {
		ok, err := d.deliv.Lease(ctx, name, d.owner, d.cfg.LeaseTTL)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log.Warn("hooks: lease failed", "consumer", name, "err", err)
		case ok:
			err := d.session(ctx, name, h, wake)
			switch {
			case err == nil || ctx.Err() != nil:
			case errors.Is(err, store.ErrExpired):
				if now := d.clock.Now(); expiredLogged.IsZero() || now.Sub(expiredLogged) >= expiredLogEvery {
					expiredLogged = now
					d.log.Error("hooks: consumer is behind the outbox's retention: events it had not delivered were pruned; "+
						"it delivers nothing until an operator resynchronises its target and removes it "+
						"(store.Consumers.RemoveConsumer), after which it restarts at the oldest event kept",
						"consumer", name, "err", err)
				}
			default:
				d.log.Warn("hooks: delivery interrupted", "consumer", name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-d.clock.After(d.cfg.PollInterval):
		}
	}
	d.release(ctx, name)
}

// release gives up the lease of name (a lease of zero length) so that a
// standby replica can take over without waiting for it to expire.
func (d *Dispatcher) release(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	d.deliv.Lease(ctx, name, d.owner, 0)
}

// session delivers for consumer name while the lease is held, in lanes
// (see session.run). It returns when ctx is done, the lease is lost, or
// the store fails.
func (d *Dispatcher) session(ctx context.Context, name string, h Handler, wake chan struct{}) error {
	sctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(nil); wg.Wait() }()
	wg.Go(func() { d.renew(sctx, cancel, name) })

	cp, err := d.deliv.Checkpoint(sctx, name)
	if err != nil {
		return err
	}
	return newSession(d, sctx, cancel, name, h, cp).run(wake)
}

// errLeaseLost cancels a session whose lease another owner took.
var errLeaseLost = fmt.Errorf("hooks: %w", store.ErrLeaseLost)

// renew extends the lease every LeaseTTL/3 until ctx is done; it cancels
// the session when another owner took the lease, or when it could not
// renew it for a whole LeaseTTL.
func (d *Dispatcher) renew(ctx context.Context, cancel context.CancelCauseFunc, name string) {
	last := d.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.clock.After(d.cfg.LeaseTTL / 3):
		}
		ok, err := d.deliv.Lease(ctx, name, d.owner, d.cfg.LeaseTTL)
		switch {
		case err == nil && ok:
			last = d.clock.Now()
		case err == nil:
			cancel(errLeaseLost)
			return
		case ctx.Err() != nil:
			return
		default:
			d.log.Warn("hooks: lease renewal failed", "consumer", name, "err", err)
			if d.clock.Now().Sub(last) >= d.cfg.LeaseTTL {
				cancel(fmt.Errorf("hooks: lease not renewed for %s: %w", d.cfg.LeaseTTL, err))
				return
			}
		}
	}
}

func newOwner() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
