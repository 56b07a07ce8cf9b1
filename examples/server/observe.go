package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/scimkit/scimkit/scim"
)

// metricsPath serves the Prometheus metrics, beside the SCIM base URL.
const metricsPath = "/metrics"

// obsConfig is the logging, metrics and tracing configuration.
type obsConfig struct {
	logFormat string // "text" or "json"
	logFile   string // "": standard error
	metrics   bool   // serve metricsPath
	// metricsToken is the bearer /metrics requires (-metrics-token-file,
	// SCIMKIT_METRICS_TOKEN); "" falls back to adminToken, then to none.
	metricsToken string
	// adminToken is the console's admin credential (SCIMKIT_ADMIN_TOKEN
	// or -admin-token-file, set by serve), which /metrics also accepts.
	adminToken string
	// otlpTraces and otlpMetrics: the standard OTEL_EXPORTER_OTLP_*
	// variables name an endpoint.
	otlpTraces, otlpMetrics bool

	// Set by serve once the providers exist.
	meters  metric.MeterProvider
	tracers trace.TracerProvider
}

// obsFlags holds the raw flag values until they are checked.
type obsFlags struct {
	format, file, metrics, tokenFile string
	getenv                           func(string) string
}

func addObsFlags(fs *flag.FlagSet, getenv func(string) string) *obsFlags {
	of := &obsFlags{getenv: getenv}
	for _, f := range []envFlag{
		{"log-format", "SCIMKIT_LOG_FORMAT", "text", "log format: text or json (one access-log line per request, health checks excepted)", &of.format},
		{"log-file", "SCIMKIT_LOG_FILE", "", "append logs to this file instead of standard error", &of.file},
		{"metrics", "SCIMKIT_METRICS", "true", "serve Prometheus metrics at " + metricsPath, &of.metrics},
		{"metrics-token-file", "SCIMKIT_METRICS_TOKEN_FILE", "", "file holding the bearer token " + metricsPath + " requires (or set SCIMKIT_METRICS_TOKEN; default: the admin token SCIMKIT_ADMIN_TOKEN when set, else none)", &of.tokenFile},
	} {
		f.register(fs, getenv)
	}
	return of
}

// config checks the flags and reads the token file.
func (of *obsFlags) config() (obsConfig, error) {
	oc := obsConfig{logFormat: strings.ToLower(of.format), logFile: of.file}
	if oc.logFormat != "text" && oc.logFormat != "json" {
		return oc, fmt.Errorf("-log-format: %q is neither text nor json", of.format)
	}
	var err error
	if oc.metrics, err = parseBool("-metrics", of.metrics); err != nil {
		return oc, err
	}
	oc.metricsToken = of.getenv("SCIMKIT_METRICS_TOKEN")
	if of.tokenFile != "" {
		b, err := os.ReadFile(of.tokenFile)
		if err != nil {
			return oc, fmt.Errorf("-metrics-token-file: %w", err)
		}
		if oc.metricsToken = strings.TrimSpace(string(b)); oc.metricsToken == "" {
			return oc, fmt.Errorf("-metrics-token-file: %s is empty", of.tokenFile)
		}
	}
	any := of.getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
	oc.otlpTraces = (any || of.getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") && of.getenv("OTEL_TRACES_EXPORTER") != "none"
	oc.otlpMetrics = (any || of.getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") != "") && of.getenv("OTEL_METRICS_EXPORTER") != "none"
	return oc, nil
}

// newLogger returns the server's logger and a func that writes out what
// it holds and closes its file. Lines are written in batches (logBuffer):
// an access-log line per request is otherwise a write system call per
// request.
func newLogger(cfg config) (*slog.Logger, func(), error) {
	var w io.Writer = os.Stderr
	closeFile := func() {}
	if cfg.obs.logFile != "" {
		f, err := os.OpenFile(cfg.obs.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("-log-file: %w", err)
		}
		w, closeFile = f, func() { f.Close() }
	}
	buf := newLogBuffer(w, logFlushDelay)
	opts := &slog.HandlerOptions{Level: cfg.logLevel}
	var h slog.Handler = slog.NewTextHandler(buf, opts)
	if cfg.obs.logFormat == "json" {
		h = slog.NewJSONHandler(buf, opts)
	}
	return slog.New(flushingHandler{h, buf}), func() { buf.Close(); closeFile() }, nil
}

// telemetry is what setupTelemetry built.
type telemetry struct {
	meters   metric.MeterProvider
	tracers  trace.TracerProvider
	metrics  http.Handler // nil without -metrics
	shutdown func(context.Context) error
}

// setupTelemetry builds the meter provider (read by the Prometheus
// exporter behind /metrics, and pushed over OTLP/HTTP when the OTLP
// variables say so) and the tracer provider (OTLP/HTTP, or none).
func setupTelemetry(ctx context.Context, cfg config) (*telemetry, error) {
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "scimkit")),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	t := &telemetry{}
	opts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	if cfg.obs.metrics {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
		if err != nil {
			return nil, fmt.Errorf("prometheus exporter: %w", err)
		}
		opts = append(opts, sdkmetric.WithReader(exp))
		t.metrics = metricsAuth(cfg.obs, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}
	if cfg.obs.otlpMetrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP metric exporter: %w", err)
		}
		opts = append(opts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
	}
	mp := sdkmetric.NewMeterProvider(opts...)
	t.meters = mp
	t.tracers = tracenoop.NewTracerProvider()
	shutdowns := []func(context.Context) error{mp.Shutdown}
	if cfg.obs.otlpTraces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			mp.Shutdown(ctx)
			return nil, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.tracers = tp
		shutdowns = append(shutdowns, tp.Shutdown)
	}
	t.shutdown = func(ctx context.Context) error {
		var errs []error
		for _, f := range shutdowns {
			errs = append(errs, f(ctx))
		}
		return errors.Join(errs...)
	}
	return t, nil
}

// metricsAuth requires the metrics token (or else the admin token) as a
// bearer, when either is configured; SCIM tokens never open /metrics.
func metricsAuth(oc obsConfig, next http.Handler) http.Handler {
	want := oc.metricsToken
	if want == "" {
		want = oc.adminToken
	}
	if want == "" {
		return next
	}
	digest := sha256.Sum256([]byte(want))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		gd := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || subtle.ConstantTimeCompare(gd[:], digest[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the metrics (or admin) bearer token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// metricsNote describes /metrics for the banner.
func metricsNote(oc obsConfig, origin string) string {
	switch {
	case !oc.metrics:
		return "off"
	case oc.metricsToken != "":
		return origin + metricsPath + " (bearer: the metrics token)"
	case oc.adminToken != "":
		return origin + metricsPath + " (bearer: the admin token)"
	}
	return origin + metricsPath + " (no credential: set -metrics-token-file to require one)"
}

// isLoopback reports whether addr (host:port) listens on loopback only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// accessLog logs one line per request at Info (health checks excepted),
// with the request id (X-Request-Id, echoed or generated), and, from the
// SCIM handler (scim.RequestDetails), the tenant, token id and resource
// type. It never logs a credential or the query string (filters carry
// user names and addresses).
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return scim.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		if !logger.Enabled(r.Context(), slog.LevelInfo) {
			next.ServeHTTP(w, r)
			return
		}
		d := &scim.RequestDetails{}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(scim.WithRequestDetails(r.Context(), d)))
		attrs := make([]slog.Attr, 0, 11) // room for all: one allocation
		attrs = append(attrs,
			slog.String("request_id", scim.RequestIDFrom(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status()),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes", sw.n), slog.String("remote", r.RemoteAddr))
		if d.Tenant != "" {
			attrs = append(attrs, slog.String("tenant", d.Tenant), slog.String("token_id", d.TokenID))
		}
		if d.ResourceType != "" {
			attrs = append(attrs, slog.String("resource_type", d.ResourceType))
		}
		if ua := r.UserAgent(); ua != "" {
			attrs = append(attrs, slog.String("user_agent", ua))
		}
		// The record is handed to the handler directly: Logger.LogAttrs
		// would also capture the caller's program counter, for a source
		// the handler does not print.
		rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
		rec.AddAttrs(attrs...)
		logger.Handler().Handle(r.Context(), rec)
	}))
}

// statusWriter records the response's status and size.
type statusWriter struct {
	http.ResponseWriter
	code int
	n    int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 && code >= 200 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
