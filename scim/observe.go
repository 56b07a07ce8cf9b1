package scim

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// InstrumentationName is the OpenTelemetry instrumentation scope of the
// Handler's metrics and spans.
const InstrumentationName = "github.com/scimkit/scimkit/scim"

// Metric names recorded by the Handler (OpenTelemetry names; a Prometheus
// exporter writes scimkit_http_requests_total,
// scimkit_http_request_duration_seconds and so on).
const (
	// MetricRequests counts requests by tenant, method, resource_type and
	// status.
	MetricRequests = "scimkit.http.requests"
	// MetricRequestDuration is the histogram of request durations in
	// seconds, by method, resource_type and status.
	MetricRequestDuration = "scimkit.http.request.duration"
	// MetricThrottled counts requests refused by Config.Limiter, by tenant.
	MetricThrottled = "scimkit.http.throttled"
	// MetricStoreDuration is the histogram of store operation durations in
	// seconds, by operation (create, get, update, delete, list) and
	// outcome (ok or error).
	MetricStoreDuration = "scimkit.store.operation.duration"
)

// durationBuckets are the histogram boundaries in seconds: 1ms to 10s.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// telemetry holds the Handler's instruments.
type telemetry struct {
	tracer trace.Tracer
	// traced is false when the TracerProvider is the no-op one
	// (go.opentelemetry.io/otel/trace/noop): spans are then not started
	// at all, which is what a no-op tracer's Start amounts to, without
	// its context per span (startSpan).
	traced    bool
	prop      propagation.TextMapPropagator
	requests  metric.Int64Counter
	duration  metric.Float64Histogram
	throttled metric.Int64Counter
	storeDur  metric.Float64Histogram
	attrs     attrCache
	storeOps  map[string]storeOpInfo // by operation (storetime.go)
}

func newTelemetry(cfg Config) (*telemetry, error) {
	mp, tp, prop := cfg.MeterProvider, cfg.TracerProvider, cfg.Propagator
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if prop == nil {
		prop = propagation.TraceContext{}
	}
	m := mp.Meter(InstrumentationName)
	_, noopTP := tp.(tracenoop.TracerProvider)
	t := &telemetry{tracer: tp.Tracer(InstrumentationName), traced: !noopTP, prop: prop}
	var err error
	if t.requests, err = m.Int64Counter(MetricRequests, metric.WithUnit("{request}"),
		metric.WithDescription("SCIM requests by tenant, method, resource type and status.")); err != nil {
		return nil, err
	}
	if t.duration, err = m.Float64Histogram(MetricRequestDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of SCIM requests."), metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if t.throttled, err = m.Int64Counter(MetricThrottled, metric.WithUnit("{request}"),
		metric.WithDescription("SCIM requests refused with 429 by the rate limit, by tenant.")); err != nil {
		return nil, err
	}
	if t.storeDur, err = m.Float64Histogram(MetricStoreDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of store operations."), metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	t.storeOps = newStoreOps()
	return t, nil
}

// RequestDetails is what a Handler learned about a request it served, for
// a middleware around it such as an access log: create one, attach it with
// WithRequestDetails, and read it once ServeHTTP has returned.
type RequestDetails struct {
	// RequestID is the request's id (RequestIDFrom).
	RequestID string
	// Tenant and TokenID are the authenticated Principal's Tenant and
	// Actor (never the secret); empty when the request was not
	// authenticated.
	Tenant, TokenID string
	// ResourceType is the name of the resource type the request was for
	// ("User", "Group"), or the service endpoint ("ServiceProviderConfig",
	// "Schemas", "ResourceTypes", "Bulk", "Me", "root" for the base URL
	// and /.search), or "unknown" when no endpoint matched.
	ResourceType string
	// Status is the response's status code.
	Status int
}

type detailsKey struct{}

// WithRequestDetails returns a copy of ctx carrying d: a Handler serving a
// request with that context fills d in.
func WithRequestDetails(ctx context.Context, d *RequestDetails) context.Context {
	return context.WithValue(ctx, detailsKey{}, d)
}

// RequestDetailsFrom returns the RequestDetails attached to ctx by
// WithRequestDetails, or nil: other handlers behind the same middleware
// (an event feed authenticated with the same tokens) may fill it in too.
func RequestDetailsFrom(ctx context.Context) *RequestDetails {
	d, _ := ctx.Value(detailsKey{}).(*RequestDetails)
	return d
}

// observe wraps next with a server span (continuing the caller's trace
// from traceparent), request metrics, and RequestDetails. It allocates
// little when nothing records: attributes are set on recording spans
// only, and metric attribute sets are cached (attrCache).
func (h *Handler) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		d := RequestDetailsFrom(ctx)
		if d == nil {
			d = &RequestDetails{}
			ctx = WithRequestDetails(ctx, d)
		}
		d.RequestID = RequestIDFrom(ctx)
		method := methodLabel(r.Method)
		ctx = h.tel.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
		ctx, span := h.tel.startSpan(ctx, spanNames[method], serverSpan)
		defer span.End()
		sw := &statusWriter{ResponseWriter: w}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		h.serveRecovering(sw, r, next)
		d.Status = sw.status()
		if d.ResourceType == "" {
			d.ResourceType = "unknown"
		}
		if span.IsRecording() {
			span.SetName(spanNames[method] + " " + d.ResourceType)
			span.SetAttributes(attribute.String("http.request.method", method), attribute.String("url.path", r.URL.Path),
				attribute.Int("http.response.status_code", d.Status),
				attribute.String("scim.resource_type", d.ResourceType), attribute.String("scim.tenant", d.Tenant))
			if d.Status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(d.Status))
			}
		}
		a := h.tel.attrs.get(attrKey{tenant: d.Tenant, method: method, resourceType: d.ResourceType, status: d.Status})
		h.tel.requests.Add(ctx, 1, a.add...)
		h.tel.duration.Record(ctx, time.Since(start).Seconds(), a.record...)
	})
}

// serveRecovering serves r with next, turning a panic into a logged 500
// as Recover(h.log) does (sw tells whether the response was started).
func (h *Handler) serveRecovering(sw *statusWriter, r *http.Request, next http.Handler) {
	defer recoverTo(h.log, sw, &sw.wrote, r)
	next.ServeHTTP(sw, r)
}

// startSpan starts a span as the tracer does; without tracing (traced
// false) it returns ctx unchanged (what it carries, a caller's span or a
// remote parent from traceparent, stays the current span) and a
// non-recording span of its own, never the caller's: ending or marking it
// must not end or mark a span an embedder's middleware still owns.
func (t *telemetry) startSpan(ctx context.Context, name string, opts []trace.SpanStartOption) (context.Context, trace.Span) {
	if !t.traced {
		return ctx, noSpan
	}
	return t.tracer.Start(ctx, name, opts...)
}

// noSpan is the non-recording span startSpan returns without tracing:
// its methods do nothing.
var noSpan = trace.SpanFromContext(context.Background())

// serverSpan and internalSpan are span start options, built once.
var (
	serverSpan   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
	internalSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
)

// spanNames are the initial server span names by method label.
var spanNames = func() map[string]string {
	m := map[string]string{}
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace, "OTHER"} {
		m[method] = "SCIM " + method
	}
	return m
}()

// attrKey identifies the attributes of one request's metrics.
type attrKey struct {
	tenant, method, resourceType string
	status                       int
}

// attrOpts are the measurement options of one attrKey: with the tenant
// for MetricRequests, without it for MetricRequestDuration.
type attrOpts struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// maxCachedAttrs bounds attrCache; beyond it options are built per request.
const maxCachedAttrs = 4096

// attrCache keeps the options built for each attrKey, so that a request
// does not build (sort, allocate) its attribute sets again. The keys are
// as bounded as the metric series themselves.
type attrCache struct {
	mu sync.Mutex
	m  map[attrKey]attrOpts
}

func (c *attrCache) get(k attrKey) attrOpts {
	c.mu.Lock()
	o, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return o
	}
	status := strconv.Itoa(k.status)
	o = attrOpts{
		add: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("tenant", k.tenant),
			attribute.String("method", k.method), attribute.String("resource_type", k.resourceType), attribute.String("status", status)))},
		record: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("method", k.method),
			attribute.String("resource_type", k.resourceType), attribute.String("status", status)))},
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[attrKey]attrOpts{}
	}
	if len(c.m) < maxCachedAttrs {
		c.m[k] = o
	}
	c.mu.Unlock()
	return o
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// resourceLabel names what rel (a normalised path, see relPath) is for,
// from a bounded set (RequestDetails.ResourceType).
func (h *Handler) resourceLabel(rel string) string {
	seg, _, _ := cutSegment(rel)
	if seg == "" || seg == ".search" {
		return "root"
	}
	if ti := h.typeByEndpoint(seg); ti != nil {
		return ti.rt.Name
	}
	switch seg {
	case "ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk", "Me":
		return seg
	}
	return "unknown"
}

func cutSegment(rel string) (seg, rest string, ok bool) {
	if len(rel) > 0 && rel[0] == '/' {
		rel = rel[1:]
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			return rel[:i], rel[i+1:], true
		}
	}
	return rel, "", false
}

// noteRequest records the resource type and principal of r in its
// RequestDetails, if any.
func noteRequest(r *http.Request, resourceType string, p *Principal) {
	d := RequestDetailsFrom(r.Context())
	if d == nil {
		return
	}
	if resourceType != "" {
		d.ResourceType = resourceType
	}
	if p != nil {
		d.Tenant, d.TokenID = p.Tenant, p.Actor
	}
}

// throttleCounter counts the refusals of a Limiter in MetricThrottled.
type throttleCounter struct {
	l    Limiter
	c    metric.Int64Counter
	opts *keyOpts
}

func newThrottleCounter(l Limiter, c metric.Int64Counter) throttleCounter {
	return throttleCounter{l: l, c: c, opts: &keyOpts{}}
}

func (t throttleCounter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	ok, wait := t.l.Allow(ctx, key)
	if !ok {
		t.c.Add(ctx, 1, t.opts.get(key)...)
	}
	return ok, wait
}

// keyOpts keeps the MetricThrottled options of each key, so that a
// tenant refused again and again (a client retrying in a loop) does not
// build its attribute set each time. The key is a tenant, or a client
// address for a request not authenticated, so at most maxCachedAttrs
// keys are kept; beyond them options are built per refusal.
type keyOpts struct {
	mu sync.Mutex
	m  map[string][]metric.AddOption
}

func (c *keyOpts) get(key string) []metric.AddOption {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.m[key]; ok {
		return o
	}
	o := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("tenant", key)))}
	if c.m == nil {
		c.m = map[string][]metric.AddOption{}
	}
	if len(c.m) < maxCachedAttrs {
		c.m[key] = o
	}
	return o
}

// statusWriter records the response's status code and, for
// recoverTo, whether anything was written (as trackingWriter does).
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.wrote = true
	if s.code == 0 && code >= 200 { // not 1xx informational responses
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
