package scim

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimkit/scimkit/store"
)

// DefaultProvisioningLogRetention is how long provisioning log entries are
// kept when Config.ProvisioningLogRetention is zero.
const DefaultProvisioningLogRetention = 30 * 24 * time.Hour

const (
	// provlogPruneEvery: the log is pruned on the first append and then
	// every that many appends.
	provlogPruneEvery = 1000
	// provlogResponseCapture bounds the response body copied for the log:
	// a longer response is not decoded and its body not recorded (its id
	// and version still are, from the Location and ETag headers).
	provlogResponseCapture = 64 << 10
	// provlogBulkCapture is that bound for /Bulk, whose per-operation
	// results (about 200 bytes each) are decoded from the response.
	provlogBulkCapture = 1 << 20
	// provlogUserAgentCap bounds the recorded User-Agent.
	provlogUserAgentCap = 512
)

// IdP names recorded in store.ProvisioningEntry.IdP.
const (
	IdPOkta    = "okta"
	IdPEntra   = "entra"
	IdPUnknown = "unknown"
)

// IdPFromUserAgent names the client of a request from its User-Agent:
// IdPOkta for Okta ("Okta SCIM Client 1.0.0", "OKTA SCIM Integration"),
// IdPEntra for Microsoft Entra ID (whose agent names Azure, Microsoft,
// Entra or AAD; Microsoft does not document the exact string), else
// IdPUnknown.
func IdPFromUserAgent(ua string) string {
	ua = strings.ToLower(ua)
	switch {
	case strings.Contains(ua, "okta"):
		return IdPOkta
	case strings.Contains(ua, "azure"), strings.Contains(ua, "microsoft"), strings.Contains(ua, "entra"),
		strings.Contains(ua, "aad"):
		return IdPEntra
	}
	return IdPUnknown
}

// provRecorder records requests in Config.ProvisioningLog.
type provRecorder struct {
	h         *Handler
	sink      store.ProvisioningLog
	retention time.Duration
	reads     bool // Config.ProvisioningLogReads
	redact    *redactor
	appends   atomic.Int64
}

// recordWrites wraps next so that every write request (POST, PUT, PATCH,
// DELETE, except searches) and, with Config.ProvisioningLogReads, every
// read (GET and POST .search) is recorded, after it was served, in
// Config.ProvisioningLog and logged at Info. The response of a write
// reaches the client only after Append returned (whether or not it
// succeeded: a failed append is logged at Warn). Without a log it returns
// next.
func (h *Handler) recordWrites(next http.Handler) http.Handler {
	if h.cfg.ProvisioningLog == nil {
		return next
	}
	p := &provRecorder{h: h, sink: h.cfg.ProvisioningLog, retention: h.cfg.ProvisioningLogRetention,
		reads: h.cfg.ProvisioningLogReads, redact: newRedactor(h.cfg.ResourceTypes)}
	if p.retention == 0 {
		p.retention = DefaultProvisioningLogRetention
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWrite(r) && !(p.reads && isRead(r)) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		tee := &teeBody{ReadCloser: r.Body}
		r.Body = tee
		// A write's response is held until its entry is appended, so that
		// no write is acknowledged whose entry a crash could lose.
		cw := &captureWriter{ResponseWriter: w, limit: provlogResponseCapture, hold: isWrite(r)}
		if r.URL.Path == "/Bulk" {
			cw.limit = provlogBulkCapture
		}
		next.ServeHTTP(cw, r)
		p.record(r, tee.buf.Bytes(), cw, start)
		cw.release()
	})
}

func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost:
		return !isSearch(r)
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// isRead reports whether r is a lookup: a GET or a POST .search (RFC 7644
// §3.4.3).
func isRead(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodPost && isSearch(r)
}

func isSearch(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/.search") }

// record builds the entry, appends it, logs it and prunes now and then.
func (p *provRecorder) record(r *http.Request, body []byte, cw *captureWriter, start time.Time) {
	e := p.entry(r, body, cw, start)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	log := p.h.log
	log.LogAttrs(ctx, slog.LevelInfo, "scim: provisioning",
		slog.String("tenant", e.Tenant), slog.String("token", e.TokenID), slog.String("idp", e.IdP),
		slog.String("method", e.Method), slog.String("resource_type", e.ResourceType),
		slog.String("resource_id", e.ResourceID), slog.String("external_id", e.ExternalID),
		slog.String("outcome", string(e.Outcome)), slog.Int("status", e.Status), slog.String("scim_type", e.ScimType),
		slog.Duration("latency", e.Latency), slog.String("request_id", e.RequestID))
	if len(e.DroppedMembers) > 0 {
		_, total := info(r).droppedMembers()
		log.LogAttrs(ctx, slog.LevelWarn, "scim: member values left out: they name no resource of the tenant",
			slog.String("tenant", e.Tenant), slog.String("resource_id", e.ResourceID),
			slog.Any("dropped_members", e.DroppedMembers), slog.Int("dropped_total", total), slog.String("request_id", e.RequestID))
	}
	if _, err := p.sink.Append(ctx, e); err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "scim: provisioning log append failed",
			slog.String("request_id", e.RequestID), slog.Any("error", err))
	}
	if p.retention > 0 && p.appends.Add(1)%provlogPruneEvery == 1 {
		if _, err := p.sink.Prune(ctx, time.Now().Add(-p.retention)); err != nil {
			log.LogAttrs(ctx, slog.LevelWarn, "scim: provisioning log prune failed", slog.Any("error", err))
		}
	}
}

func (p *provRecorder) entry(r *http.Request, body []byte, cw *captureWriter, start time.Time) store.ProvisioningEntry {
	pr := info(r).principal
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	ua := r.UserAgent()
	e := store.ProvisioningEntry{Time: start, Tenant: pr.Tenant, TokenID: pr.Actor,
		IdP: IdPFromUserAgent(ua), RequestID: RequestIDFrom(r.Context()), Method: r.Method,
		Path: map[bool]string{false: "", true: "/"}[info(r).slashes] + r.URL.Path, Query: p.redact.query(r.URL.RawQuery), UserAgent: capString(ua, provlogUserAgentCap),
		ContentType: r.Header.Get("Content-Type"), IfMatch: r.Header.Get("If-Match"),
		Outcome: store.OutcomeOf(status), Status: status, Latency: time.Since(start), Version: cw.etag}
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	e.ResourceType = seg
	if ti := p.h.typeByEndpoint(seg); ti != nil {
		e.ResourceType = ti.rt.Name
	}
	if rest != ".search" {
		e.ResourceID = rest
	}
	if e.ResourceID == "" && cw.location != "" {
		if u, err := url.Parse(cw.location); err == nil {
			e.ResourceID = path.Base(u.Path)
		}
	}
	doc := p.redact.doc(body)
	e.ExternalID = externalIDOf(doc) // as Body keeps it
	if ops, ok := doc["Operations"].([]any); ok && seg == "Bulk" {
		e.Operations = len(ops)
	}
	e.Body = p.redact.encode(body, doc)
	e.DroppedMembers, _ = info(r).droppedMembers()
	p.response(&e, cw)
	for i, br := range e.BulkResults {
		if u, err := url.Parse(br.Location); err == nil && br.Location != "" {
			e.BulkResults[i].DroppedMembers = info(r).droppedOf(path.Base(u.Path))
		}
	}
	return e
}

// externalIDOf finds externalId in a resource body or in the operations of
// a PATCH body (a path of externalId, or a value holding it).
func externalIDOf(doc map[string]any) string {
	if s, ok := doc["externalId"].(string); ok {
		return s
	}
	ops, _ := doc["Operations"].([]any)
	for _, op := range ops {
		m, _ := op.(map[string]any)
		if p, _ := m["path"].(string); strings.EqualFold(p, "externalId") {
			if s, ok := m["value"].(string); ok {
				return s
			}
		}
		if v, ok := m["value"].(map[string]any); ok {
			if s, ok := v["externalId"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// teeBody keeps a copy of what the handler reads of the request body (at
// most Config.MaxBodyBytes, which LimitBody enforces further in).
type teeBody struct {
	io.ReadCloser
	buf bytes.Buffer
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	t.buf.Write(b[:n])
	return n, err
}

// captureWriter remembers the status, the Location and ETag headers and
// the first limit bytes of the response body (total counts them all).
// With hold, it also keeps the status and the whole body from the client
// until release.
type captureWriter struct {
	http.ResponseWriter
	status         int
	location, etag string
	limit, total   int
	body           bytes.Buffer
	hold           bool
	held           []byte
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
		c.location = c.Header().Get("Location")
		c.etag = c.Header().Get("ETag")
	}
	if !c.hold {
		c.ResponseWriter.WriteHeader(code)
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	c.total += len(b)
	if c.body.Len() < c.limit {
		c.body.Write(b[:min(len(b), c.limit-c.body.Len())])
	}
	if c.hold {
		c.held = append(c.held, b...)
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// release sends the status and body that hold kept back.
func (c *captureWriter) release() {
	if !c.hold {
		return
	}
	c.hold = false
	if c.status != 0 {
		c.ResponseWriter.WriteHeader(c.status)
	}
	if len(c.held) > 0 {
		c.ResponseWriter.Write(c.held)
	}
}

// Unwrap lets http.ResponseController reach the underlying writer (a
// flush through it would send a held response early; handlers never
// flush).
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
