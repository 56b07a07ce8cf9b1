package scim

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// timedStore measures the store operations the Handler makes
// (MetricStoreDuration) and traces each as a child span of the request.
// Optional capabilities are still found on Config.Store itself.
type timedStore struct {
	st  store.Store
	tel *telemetry
}

// storeOpInfo is what timing one kind of store operation needs, built
// once: its span name and its measurement options by outcome.
type storeOpInfo struct {
	span      string
	ok, error []metric.RecordOption
}

func newStoreOps() map[string]storeOpInfo {
	m := map[string]storeOpInfo{}
	for _, op := range []string{"create", "get", "update", "delete", "list"} {
		m[op] = storeOpInfo{span: "store." + op,
			ok:    []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("operation", op), attribute.String("outcome", "ok")))},
			error: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("operation", op), attribute.String("outcome", "error")))}}
	}
	return m
}

// storeOp is one store operation being timed.
type storeOp struct {
	tel  *telemetry
	info storeOpInfo
	t0   time.Time
	span trace.Span
}

// storeAnswer reports whether err is the store's answer to the request
// rather than a failure of the store: a missing resource, a conflict, a
// failed precondition, a request the store refuses (a bad cursor or sort,
// member values that name nothing in the strict dialect, a state out of
// bounds), an error of the request's own Apply (a *schema.Error from
// PATCH or validation, a 4xx), or a client that went away.
func storeAnswer(err error) bool {
	for _, answer := range []error{store.ErrNotFound, store.ErrConflict, store.ErrPrecondition, store.ErrInvalidCursor,
		store.ErrExpired, store.ErrInvalidSort, store.ErrUnresolved, store.ErrInvalidState, context.Canceled} {
		if errors.Is(err, answer) {
			return true
		}
	}
	_, ok := errors.AsType[*schema.Error](err)
	return ok
}

// start opens a span for op (a key of newStoreOps); done records its
// duration and outcome and ends the span.
func (s timedStore) start(ctx context.Context, op string) (context.Context, storeOp) {
	info := s.tel.storeOps[op]
	t0 := time.Now()
	ctx, span := s.tel.startSpan(ctx, info.span, internalSpan)
	return ctx, storeOp{tel: s.tel, info: info, t0: t0, span: span}
}

func (o storeOp) done(ctx context.Context, err error) {
	opt := o.info.ok
	if err != nil && !storeAnswer(err) {
		opt = o.info.error
		o.span.SetStatus(codes.Error, "store error")
	}
	o.tel.storeDur.Record(ctx, time.Since(o.t0).Seconds(), opt...)
	o.span.End()
}

func (s timedStore) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	ctx, op := s.start(ctx, "create")
	res, err := s.st.Create(ctx, tenant, rt, r)
	op.done(ctx, err)
	return res, err
}

func (s timedStore) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	ctx, op := s.start(ctx, "get")
	res, err := s.st.Get(ctx, tenant, rt, id, opts)
	op.done(ctx, err)
	return res, err
}

func (s timedStore) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	ctx, op := s.start(ctx, "update")
	res, ch, err := s.st.Update(ctx, tenant, rt, id, u)
	op.done(ctx, err)
	return res, ch, err
}

func (s timedStore) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	ctx, op := s.start(ctx, "delete")
	err := s.st.Delete(ctx, tenant, rt, id, ifMatch)
	op.done(ctx, err)
	return err
}

func (s timedStore) List(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query) (*store.Page, error) {
	ctx, op := s.start(ctx, "list")
	page, err := s.st.List(ctx, tenant, rt, q)
	op.done(ctx, err)
	return page, err
}
