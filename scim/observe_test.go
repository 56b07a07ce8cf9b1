package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// collect returns the data of the metric called name.
func collect(t *testing.T, r *sdkmetric.ManualReader, name string) metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(t.Context(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Data
			}
		}
	}
	t.Fatalf("metric %s not recorded", name)
	return nil
}

// attrString renders a point's attributes as "k=v,k=v" in key order.
func attrString(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func TestHandlerMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	deny := LimiterFunc(func(_ context.Context, key string) (bool, time.Duration) { return key != "t2", time.Second })
	h := newTestHandler(t, Config{MeterProvider: mp, Limiter: deny})
	created := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`}, 201)
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(string(created.body))[1]
	// A PATCH the store's Apply refuses (400) is the store's answer, not
	// a failure of the store.
	mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":""}]}`}, 400)
	mustDo(t, h, request{method: "GET", target: "/users"}, 200)
	mustDo(t, h, request{method: "GET", target: "/Groups/nope"}, 404)
	mustDo(t, h, request{method: "GET", target: "/ServiceProviderConfig"}, 200)
	mustDo(t, h, request{method: "GET", target: "/Nothing"}, 404)
	mustDo(t, h, request{method: "GET", target: "/Users", token: "-"}, 401)
	mustDo(t, h, request{method: "GET", target: "/Users", token: testToken2}, 429)

	sum := collect(t, reader, MetricRequests).(metricdata.Sum[int64])
	got := map[string]int64{}
	for _, p := range sum.DataPoints {
		got[attrString(p.Attributes)] += p.Value
	}
	want := map[string]int64{
		"method=POST,resource_type=User,status=201,tenant=t1":                 1,
		"method=PATCH,resource_type=User,status=400,tenant=t1":                1,
		"method=GET,resource_type=User,status=200,tenant=t1":                  1,
		"method=GET,resource_type=Group,status=404,tenant=t1":                 1,
		"method=GET,resource_type=ServiceProviderConfig,status=200,tenant=t1": 1,
		"method=GET,resource_type=unknown,status=404,tenant=t1":               1,
		"method=GET,resource_type=User,status=401,tenant=":                    1,
		"method=GET,resource_type=User,status=429,tenant=t2":                  1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", MetricRequests, diff)
	}
	hist := collect(t, reader, MetricRequestDuration).(metricdata.Histogram[float64])
	var n uint64
	for _, p := range hist.DataPoints {
		n += p.Count
	}
	if n != 8 {
		t.Errorf("%s counted %d requests, want 8", MetricRequestDuration, n)
	}
	thr := collect(t, reader, MetricThrottled).(metricdata.Sum[int64])
	if len(thr.DataPoints) != 1 || thr.DataPoints[0].Value != 1 || attrString(thr.DataPoints[0].Attributes) != "tenant=t2" {
		t.Errorf("%s = %+v, want one refusal of t2", MetricThrottled, thr.DataPoints)
	}
	ops := map[string]bool{}
	for _, p := range collect(t, reader, MetricStoreDuration).(metricdata.Histogram[float64]).DataPoints {
		ops[attrString(p.Attributes)] = true
	}
	for _, want := range []string{"operation=create,outcome=ok", "operation=list,outcome=ok", "operation=get,outcome=ok", "operation=update,outcome=ok"} {
		if !ops[want] {
			t.Errorf("%s has no %s point; got %v", MetricStoreDuration, want, ops)
		}
	}
	for op := range ops {
		if strings.Contains(op, "outcome=error") {
			t.Errorf("%s has %s: no store operation failed", MetricStoreDuration, op)
		}
	}
}

// TestHandlerTraceparent: the request's span continues the caller's
// trace, and store operations are its children.
func TestHandlerTraceparent(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := newTestHandler(t, Config{TracerProvider: tp})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	mustDo(t, h, request{method: "GET", target: "/Users", headers: map[string]string{
		"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01"}}, 200)
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2 (store.list, SCIM GET User)", len(spans))
	}
	store, server := spans[0], spans[1]
	if server.Name() != "SCIM GET User" || store.Name() != "store.list" {
		t.Errorf("span names %q, %q", server.Name(), store.Name())
	}
	if got := server.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("trace id %s, want the caller's %s", got, traceID)
	}
	if server.Parent().SpanID().String() != "00f067aa0ba902b7" || store.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Error("spans are not chained caller → request → store")
	}
}

// TestRequestDetails: a middleware around the Handler learns the tenant,
// token id and resource type, and keeps its own request id.
func TestRequestDetails(t *testing.T) {
	h := newTestHandler(t, Config{})
	var d RequestDetails
	outer := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(WithRequestDetails(r.Context(), &d)))
	}))
	r := httptest.NewRequest("GET", "/Groups", nil)
	r.Header.Set("Authorization", "Bearer "+testToken)
	r.Header.Set(RequestIDHeader, "req-42")
	w := httptest.NewRecorder()
	outer.ServeHTTP(w, r)
	want := RequestDetails{RequestID: "req-42", Tenant: "t1", TokenID: "tok1", ResourceType: "Group", Status: 200}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("RequestDetails (-want +got):\n%s", diff)
	}
}
