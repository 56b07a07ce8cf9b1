package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// faultDeadline bounds every request while the database is failing: the
// server must answer (503) well before it, never hang.
const faultDeadline = 15 * time.Second

// tcpProxy forwards TCP connections to target. Cut closes the listener
// and every forwarded connection (the database becomes unreachable);
// Stall keeps every connection open but stops forwarding bytes (the
// database becomes silent, as behind a dead route); Restore serves again
// on the same address.
type tcpProxy struct {
	target string
	addr   string // fixed after the first listen

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	stalled bool
	resume  chan struct{} // closed when a stall ends
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, conns: map[net.Conn]struct{}{}, resume: make(chan struct{})}
	close(p.resume)
	if err := p.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.serve(ln)
	return nil
}

func (p *tcpProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

// track registers c, or closes it and reports false when the proxy is cut.
func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *tcpProxy) forward(c net.Conn) {
	if !p.track(c) {
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil || !p.track(up) {
		c.Close()
		return
	}
	go p.pipe(up, c)
	p.pipe(c, up)
}

// pipe copies src to dst, holding every chunk while the proxy is stalled.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			resume := p.resume
			p.mu.Unlock()
			<-resume
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut closes the listener and every forwarded connection.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
}

// Stall stops forwarding bytes, on open and new connections alike.
func (p *tcpProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled = true
		p.resume = make(chan struct{})
	}
}

// Restore ends a stall, or listens again on the same address after a cut.
func (p *tcpProxy) Restore(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
	listening := p.ln != nil
	p.mu.Unlock()
	if listening {
		return
	}
	var err error
	for range 50 { // the port may linger briefly after the close
		if err = p.listen(p.addr); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
}

// viaProxy returns dsn with its host and port replaced by addr, and the
// host:port it pointed at.
func viaProxy(t *testing.T, dsn, addr string) (proxied, target string) {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("test DSN: %v", err)
		}
		target = u.Host
		if u.Port() == "" {
			target = net.JoinHostPort(u.Hostname(), "5432")
		}
		if u.Hostname() == "" || strings.Contains(u.Host, ",") {
			t.Skipf("test DSN %q has no single TCP host to put a proxy in front of", dsn)
		}
		u.Host = addr
		return u.String(), target
	}
	host, port := "127.0.0.1", "5432"
	for _, kv := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "host":
			host = v
		case "port":
			port = v
		}
	}
	if strings.HasPrefix(host, "/") {
		t.Skipf("test DSN %q uses a Unix socket; the proxy needs TCP", dsn)
	}
	h, pt, _ := net.SplitHostPort(addr)
	return dsn + " host=" + h + " port=" + pt, net.JoinHostPort(host, port)
}

// faultResult is one answer (or its absence) while the database fails.
type faultResult struct {
	status  int
	header  http.Header
	body    []byte
	elapsed time.Duration
	err     error
}

// try sends one request with a client-side deadline of faultDeadline and
// reports what came back, without failing the test: the caller decides.
func try(s *Server, method, path, body string) faultResult {
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return faultResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	start := time.Now()
	resp, err := s.hc.Do(req)
	if err != nil {
		return faultResult{err: err, elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return faultResult{status: resp.StatusCode, header: resp.Header, body: b, elapsed: time.Since(start), err: err}
}

// want503 checks an answer given while the database is unreachable or
// locked: 503 with Retry-After and a SCIM error body (RFC 7644 §3.12),
// in time.
func want503(t *testing.T, r faultResult) {
	t.Helper()
	if r.err != nil {
		if errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("no answer within %v: the request hangs on the database", faultDeadline)
		}
		t.Fatalf("request failed after %v: %v", r.elapsed, r.err)
	}
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d after %v, want 503 (database unavailable)\nbody: %.1500s", r.status, r.elapsed, r.body)
	}
	if ra := r.header.Get("Retry-After"); ra == "" {
		t.Errorf("503 without Retry-After")
	}
	resp := &Response{Status: r.status, Header: r.header, Body: r.body}
	if err := resp.check("GET"); err != nil && !strings.HasPrefix(err.Error(), "status 503") {
		t.Errorf("%v\nbody: %.1500s", err, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q, want application/scim+json", ct)
	}
	if err := checkError(r.status, decodeObject(r.body)); err != nil {
		t.Errorf("%v\nbody: %.1500s", err, r.body)
	}
}

// decodeObject decodes a JSON object, nil when body is not one.
func decodeObject(b []byte) map[string]any {
	r := &Response{Status: 200, Header: http.Header{"Content-Type": {"application/scim+json"}}, Body: b}
	r.check("GET")
	return r.JSON
}

// eventually retries method path until it answers want, at most n times.
func eventually(t *testing.T, s *Server, n int, want int, method, path, body string) faultResult {
	t.Helper()
	var r faultResult
	for range n {
		if r = try(s, method, path, body); r.err == nil && r.status == want {
			return r
		}
		if r.err == nil && r.status != http.StatusServiceUnavailable {
			t.Fatalf("%s %s while recovering: status %d, want %d or 503\nbody: %.1500s", method, path, r.status, want, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s %s: no %d after %d tries; last: status %d err %v body %.500s", method, path, want, n, r.status, r.err, r.body)
	return r
}

// faultRequests are the requests an IdP sends, checked while the database fails.
func faultRequests(id string) []struct{ name, method, path, body string } {
	return []struct{ name, method, path, body string }{
		{"get", "GET", "/Users/" + id, ""},
		{"list", "GET", "/Users?count=5", ""},
		{"filter", "GET", filterQ("/Users", `userName eq "fault.one"`), ""},
		{"create", "POST", "/Users", userBody("fault.two")},
		{"patch", "PATCH", "/Users/" + id, patchOps(`{"op":"replace","path":"active","value":false}`)},
		{"put", "PUT", "/Users/" + id, userBody("fault.one", `"active":true`)},
		{"search", "POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"fault\""}`},
		{"delete", "DELETE", "/Users/" + id, ""},
	}
}

// A PostgreSQL server that goes away (connections reset, new ones
// refused) or goes silent makes every request answer 503 with
// Retry-After, quickly; when it comes back, requests succeed again.
func TestPostgresUnreachable(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, mode := range []string{"cut", "stall"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			_, target := viaProxy(t, dsn, "127.0.0.1:0")
			p := newTCPProxy(t, target)
			proxied, _ := viaProxy(t, dsn, p.addr)
			st := pgtest.Open(t, postgres.Config{
				DSN: proxied, Schema: pgtest.Schema(t, dsn),
				ConnectTimeout: 2 * time.Second, StatementTimeout: 2 * time.Second,
			})
			s := start(t, st, nil)
			id := create(t, s, "/Users", userBody("fault.one"))

			if mode == "cut" {
				p.Cut()
			} else {
				p.Stall()
			}
			for _, c := range faultRequests(id) {
				t.Run(c.name, func(t *testing.T) { want503(t, try(s, c.method, c.path, c.body)) })
			}

			p.Restore(t)
			eventually(t, s, 50, 200, "GET", "/Users/"+id, "")
			eventually(t, s, 10, 201, "POST", "/Users", userBody("fault.three"))
			eventually(t, s, 10, 200, "PATCH", "/Users/"+id, patchOps(`{"op":"replace","path":"active","value":false}`))
			eventually(t, s, 10, 200, "GET", "/Users?count=5", "")
		})
	}
}

// A SQLite database whose write lock another process holds makes writes
// answer 503 with Retry-After once the busy timeout expires, while reads
// (WAL) go on; when the lock is released, writes succeed again. The lock
// is held by a second store on the same file whose Update blocks inside
// its write transaction (BEGIN IMMEDIATE), so no driver is imported here.
func TestSQLiteLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scim.db")
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := start(t, st, nil)
	id := create(t, s, "/Users", userBody("fault.one"))

	other, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var once sync.Once
	go func() {
		_, _, err := other.Update(context.Background(), "default", schema.UserResourceType(), id, store.Update{
			Apply: func(cur *schema.Resource) (*schema.Resource, error) {
				once.Do(func() { close(locked) })
				<-release
				return cur.Clone(), nil
			},
		})
		done <- err
	}()
	var unlock sync.Once
	free := func() {
		unlock.Do(func() {
			close(release)
			if err := <-done; err != nil {
				t.Errorf("lock holder's Update: %v", err)
			}
		})
	}
	t.Cleanup(free)
	select {
	case <-locked:
	case err := <-done:
		t.Fatalf("lock holder's Update returned before taking the lock: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("lock holder's Update did not start")
	}

	for _, c := range faultRequests(id) {
		if c.method == "GET" || c.name == "search" {
			continue
		}
		t.Run(c.name, func(t *testing.T) { want503(t, try(s, c.method, c.path, c.body)) })
	}
	t.Run("reads go on", func(t *testing.T) {
		wantStatus(t, get(t, s, "/Users/"+id), 200)
		wantStatus(t, get(t, s, "/Users?count=5"), 200)
	})

	free()
	eventually(t, s, 10, 201, "POST", "/Users", userBody("fault.three"))
	eventually(t, s, 10, 200, "PATCH", "/Users/"+id, patchOps(`{"op":"replace","path":"active","value":false}`))
}
