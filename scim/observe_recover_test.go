package scim

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// panicStore panics on Create.
type panicStore struct{ store.Store }

func (panicStore) Create(context.Context, string, *schema.ResourceType, *schema.Resource) (*schema.Resource, error) {
	panic("db password is hunter2")
}

// TestHandlerRecovers: a panic behind the Handler is a generic 500 (the
// panic value logged with the request id, never echoed) that the request
// metrics and RequestDetails count as a 500, with or without tracing.
func TestHandlerRecovers(t *testing.T) {
	for _, traced := range []bool{false, true} {
		t.Run(fmt.Sprintf("traced=%v", traced), func(t *testing.T) {
			var logs strings.Builder
			reader := sdkmetric.NewManualReader()
			cfg := Config{Store: panicStore{memory.New()}, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))}
			if !traced {
				cfg.TracerProvider = tracenoop.NewTracerProvider()
			}
			h := newTestHandler(t, cfg)
			d := &RequestDetails{}
			r := httptest.NewRequest("POST", "/Users", strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`))
			r.Header.Set("Authorization", "Bearer "+testToken)
			r = r.WithContext(WithRequestDetails(r.Context(), d))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 500 || strings.Contains(w.Body.String(), "hunter2") || !strings.Contains(w.Body.String(), `"status":"500"`) {
				t.Errorf("got %d %s, want a generic SCIM 500", w.Code, w.Body)
			}
			id := w.Header().Get(RequestIDHeader)
			if !strings.Contains(logs.String(), "hunter2") || id == "" || !strings.Contains(logs.String(), "request_id="+id) {
				t.Errorf("panic not logged with request id %q:\n%s", id, logs.String())
			}
			if d.Status != 500 || d.ResourceType != "User" {
				t.Errorf("RequestDetails = %+v, want status 500 for User", d)
			}
			sum := collect(t, reader, MetricRequests).(metricdata.Sum[int64])
			if len(sum.DataPoints) != 1 || attrString(sum.DataPoints[0].Attributes) != "method=POST,resource_type=User,status=500,tenant=t1" {
				t.Errorf("%s = %+v, want one POST User 500", MetricRequests, sum.DataPoints)
			}
		})
	}
}

// TestThrottleCounterKeys: refusals are counted by key, and the options
// kept for keys stay bounded however many keys are refused.
func TestThrottleCounterKeys(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(2*maxCachedAttrs))
	c, err := mp.Meter("test").Int64Counter(MetricThrottled)
	if err != nil {
		t.Fatal(err)
	}
	tc := newThrottleCounter(LimiterFunc(func(context.Context, string) (bool, time.Duration) { return false, time.Second }), c)
	for i := range maxCachedAttrs + 10 {
		tc.Allow(t.Context(), fmt.Sprintf("tenant-%d", i))
	}
	tc.Allow(t.Context(), "tenant-0")
	tc.Allow(t.Context(), "tenant-0")
	if n := len(tc.opts.m); n != maxCachedAttrs {
		t.Errorf("%d keys kept, want %d", n, maxCachedAttrs)
	}
	got := map[string]int64{}
	for _, p := range collect(t, reader, MetricThrottled).(metricdata.Sum[int64]).DataPoints {
		got[attrString(p.Attributes)] = p.Value
	}
	if len(got) != maxCachedAttrs+10 || got["tenant=tenant-0"] != 3 || got[fmt.Sprintf("tenant=tenant-%d", maxCachedAttrs+9)] != 1 {
		t.Errorf("%d keys counted, tenant-0 %d times, the last %d times; want %d, 3, 1",
			len(got), got["tenant=tenant-0"], got[fmt.Sprintf("tenant=tenant-%d", maxCachedAttrs+9)], maxCachedAttrs+10)
	}
}
