package scim

import (
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// An embedder traces HTTP itself (an otelhttp-style middleware with a real
// SDK) and gives the scim Handler the no-op TracerProvider so that it adds
// no spans of its own. The Handler must leave the outer span alone.
func TestNoopTracerLeavesCallerSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := newTestHandler(t, Config{TracerProvider: noop.NewTracerProvider()})
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tp.Tracer("outer").Start(r.Context(), "HTTP", trace.WithSpanKind(trace.SpanKindServer))
		h.ServeHTTP(w, r.WithContext(ctx))
		span.SetAttributes(attribute.String("set.after.handler", "yes")) // as otelhttp sets http.status_code
		span.End()
	})
	mustDo(t, outer, request{method: "GET", target: "/Users"}, 200)
	ended := rec.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended, want 1", len(ended))
	}
	found := false
	for _, a := range ended[0].Attributes() {
		if a.Key == "set.after.handler" {
			found = true
		}
	}
	if !found {
		t.Errorf("the outer span was ended inside the scim Handler: an attribute set after the Handler returned is missing (attrs %v)", ended[0].Attributes())
	}
}
