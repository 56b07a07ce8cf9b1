package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/hooks"
)

const userBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`

// scrape fetches /metrics with token and returns its text.
func scrape(t *testing.T, addr, token string) string {
	t.Helper()
	code, body := do(t, "GET", "http://"+addr+metricsPath, token, "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d %s", code, body)
	}
	return body
}

// TestMetricsEndpoint: after SCIM requests, /metrics has the request
// counter with its labels, the duration histogram, throttled requests,
// and the delivery gauges of the webhook consumer.
func TestMetricsEndpoint(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer recv.Close()
	addr, _ := startServer(t, []string{"-store", "memory", "-rate-limit", "1/h", "-rate-burst", "3",
		"-webhook", recv.URL, "-webhook-secret", hooks.NewWebhookSecret()},
		map[string]string{"SCIMKIT_TOKEN": "s3cret", "SCIMKIT_METRICS_TOKEN": "m3trics"})
	base := "http://" + addr + basePath
	for _, want := range []struct {
		method, url, body string
		code              int
	}{
		{"POST", base + "/Users", userBody, 201},
		{"GET", base + "/Users", "", 200},
		{"GET", base + "/Groups/nope", "", 404},
		{"GET", base + "/Users", "", 429}, // the burst of 3 is spent
	} {
		if code, body := do(t, want.method, want.url, "s3cret", want.body); code != want.code {
			t.Fatalf("%s %s: %d %s, want %d", want.method, want.url, code, body, want.code)
		}
	}
	if code, _ := do(t, "GET", "http://"+addr+metricsPath, "", ""); code != 401 {
		t.Errorf("/metrics without the metrics token: %d, want 401", code)
	}
	if code, _ := do(t, "GET", "http://"+addr+metricsPath, "s3cret", ""); code != 401 {
		t.Errorf("/metrics with a SCIM token: %d, want 401", code)
	}
	text := scrape(t, addr, "m3trics")
	for _, re := range []string{
		`scimkit_http_requests_total\{method="POST",resource_type="User",status="201",tenant="default"\} 1`,
		`scimkit_http_requests_total\{method="GET",resource_type="User",status="200",tenant="default"\} 1`,
		`scimkit_http_requests_total\{method="GET",resource_type="Group",status="404",tenant="default"\} 1`,
		`scimkit_http_requests_total\{method="GET",resource_type="User",status="429",tenant="default"\} 1`,
		`scimkit_http_throttled_total\{tenant="default"\} 1`,
		`scimkit_http_request_duration_seconds_bucket\{method="POST",resource_type="User",status="201",le="\+Inf"\} 1`,
		`scimkit_http_request_duration_seconds_count\{method="GET",resource_type="User",status="200"\} 1`,
		`scimkit_store_operation_duration_seconds_count\{operation="create",outcome="ok"\} 1`,
		`scimkit_outbox_lag_events\{consumer="webhook"\} \d+`,
		`scimkit_delivery_parked_events\{consumer="webhook"\} 0`,
	} {
		if !regexp.MustCompile(`(?m)^` + re + `$`).MatchString(text) {
			t.Errorf("/metrics has no line matching %s", re)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}

// TestMetricsOff: -metrics=false serves no /metrics.
func TestMetricsOff(t *testing.T) {
	addr, _ := startServer(t, []string{"-store", "memory", "-metrics=false"}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	if code, _ := do(t, "GET", "http://"+addr+metricsPath, "", ""); code != 404 {
		t.Errorf("/metrics with -metrics=false: %d, want 404", code)
	}
}

// TestAccessLogJSON: one JSON line per request, reads included and health
// checks excluded, with request id, tenant and token id but never the
// token; "listening on" and "stopped" lines around them.
func TestAccessLogJSON(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "server.log")
	addr, stop := startStoppable(t, []string{"-store", "memory", "-log-format", "json", "-log-file", logFile},
		map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	base := "http://" + addr + basePath
	do(t, "POST", base+"/Users", "s3cret", userBody)
	do(t, "GET", base+"/Users?filter=userName%20eq%20%22bjensen%22", "s3cret", "")
	do(t, "GET", base+"/Users", "wrong", "")
	do(t, "GET", "http://"+addr+"/healthz", "", "")
	do(t, "GET", "http://"+addr+eventsPath+"?after=0", "s3cret", "")
	stop()

	f, err := os.Open(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var requests []map[string]any
	var msgs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "s3cret") {
			t.Errorf("a log line carries the token: %s", sc.Text())
		}
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		msg, _ := line["msg"].(string)
		msgs = append(msgs, msg)
		if msg == "request" {
			requests = append(requests, line)
		}
	}
	if len(requests) != 4 {
		t.Fatalf("%d access-log lines, want 4 (POST, GET, 401, events; no health check): %v", len(requests), requests)
	}
	if ev := requests[3]; ev["path"] != eventsPath || ev["tenant"] != "default" || ev["token_id"] == nil {
		t.Errorf("the /events line lacks its tenant or token id: %v", ev)
	}
	for i, want := range []struct {
		method  string
		status  float64
		tenant  string
		tokenID bool
	}{{"POST", 201, "default", true}, {"GET", 200, "default", true}, {"GET", 401, "", false}} {
		r := requests[i]
		if r["method"] != want.method || r["status"] != want.status || r["path"] != basePath+"/Users" {
			t.Errorf("line %d: %v, want %s %v", i, r, want.method, want.status)
		}
		if tenant, _ := r["tenant"].(string); tenant != want.tenant {
			t.Errorf("line %d: tenant %q, want %q", i, tenant, want.tenant)
		}
		if id, _ := r["token_id"].(string); (id != "") != want.tokenID {
			t.Errorf("line %d: token_id %q", i, id)
		}
		if id, _ := r["request_id"].(string); id == "" {
			t.Errorf("line %d has no request_id", i)
		}
		if _, ok := r["latency_ms"].(float64); !ok {
			t.Errorf("line %d has no latency_ms", i)
		}
	}
	joined := strings.Join(msgs, "\n")
	if !regexp.MustCompile(`(?m)^listening on 127\.0\.0\.1:\d+$`).MatchString(joined) || !strings.Contains(joined, "\nstopped") {
		t.Errorf("no listening on / stopped lines in %q", joined)
	}
}

// startStoppable runs the server with args and env and returns its
// address and a func that stops it and waits until it has returned.
func startStoppable(t *testing.T, args []string, env map[string]string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, io.Discard, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server exited before serving: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start within 20s")
	}
	var stopped bool
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	}
	t.Cleanup(stop)
	return addr, stop
}

// TestOTLPExport: with OTEL_EXPORTER_OTLP_ENDPOINT set, the server sends
// its spans (continuing the caller's traceparent) and metrics over
// OTLP/HTTP; they are flushed when it stops.
func TestOTLPExport(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]byte{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] = append(got[r.URL.Path], body...)
		mu.Unlock()
	}))
	defer collector.Close()
	// The exporters read the standard variables from the process.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	env := map[string]string{"SCIMKIT_TOKEN": "s3cret", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}
	addr, stop := startStoppable(t, []string{"-store", "memory"}, env)
	req, err := http.NewRequest("GET", "http://"+addr+basePath+"/Users", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stop()
	mu.Lock()
	defer mu.Unlock()
	id, _ := hex.DecodeString(traceID)
	if !bytes.Contains(got["/v1/traces"], id) {
		t.Errorf("no span of the caller's trace reached /v1/traces (%d bytes)", len(got["/v1/traces"]))
	}
	if !bytes.Contains(got["/v1/metrics"], []byte("scimkit.http.requests")) {
		t.Errorf("no scimkit.http.requests reached /v1/metrics (%d bytes)", len(got["/v1/metrics"]))
	}
}

// TestMetricsAdminToken: without a metrics token, /metrics takes the
// console's admin token, from -admin-token-file as from the environment.
func TestMetricsAdminToken(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(file, []byte("adm1n-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, []string{"-store", "memory", "-admin-token-file", file}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	for token, want := range map[string]int{"": 401, "s3cret": 401, "adm1n-secret-0123456789": 200} {
		if code, _ := do(t, "GET", "http://"+addr+metricsPath, token, ""); code != want {
			t.Errorf("/metrics with %q: %d, want %d", token, code, want)
		}
	}
}
