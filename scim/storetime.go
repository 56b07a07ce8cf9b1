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

// start opens a span for op; the returned func records its duration and
// outcome and ends the span.
func (s timedStore) start(ctx context.Context, op string) (context.Context, func(error)) {
	t0 := time.Now()
	ctx, span := s.tel.tracer.Start(ctx, "store."+op, trace.WithSpanKind(trace.SpanKindInternal))
	return ctx, func(err error) {
		outcome := "ok"
		// A missing resource, a conflict or a failed precondition is an
		// answer, not a failure of the store.
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrPrecondition) {
			outcome = "error"
			span.SetStatus(codes.Error, "store error")
		}
		s.tel.storeDur.Record(ctx, time.Since(t0).Seconds(), metric.WithAttributes(
			attribute.String("operation", op), attribute.String("outcome", outcome)))
		span.End()
	}
}

func (s timedStore) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	ctx, done := s.start(ctx, "create")
	res, err := s.st.Create(ctx, tenant, rt, r)
	done(err)
	return res, err
}

func (s timedStore) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	ctx, done := s.start(ctx, "get")
	res, err := s.st.Get(ctx, tenant, rt, id, opts)
	done(err)
	return res, err
}

func (s timedStore) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	ctx, done := s.start(ctx, "update")
	res, ch, err := s.st.Update(ctx, tenant, rt, id, u)
	done(err)
	return res, ch, err
}

func (s timedStore) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	ctx, done := s.start(ctx, "delete")
	err := s.st.Delete(ctx, tenant, rt, id, ifMatch)
	done(err)
	return err
}

func (s timedStore) List(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query) (*store.Page, error) {
	ctx, done := s.start(ctx, "list")
	page, err := s.st.List(ctx, tenant, rt, q)
	done(err)
	return page, err
}
