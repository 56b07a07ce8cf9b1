package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// client sends SCIM requests over one tuned, keep-alive transport shared by
// all workers, so connection set-up is paid once per worker, not per request.
type client struct {
	http  *http.Client
	token string
}

func newClient(conns int, timeout time.Duration, token string) *client {
	tr := &http.Transport{
		Proxy:               nil, // loopback benchmarks must not go through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &client{http: &http.Client{Transport: tr, Timeout: timeout}, token: token}
}

// request is one HTTP request of a workload, relative to a base URL.
type request struct {
	method string
	path   string // path and query, after the base URL
	body   []byte
	// workload, when set, is sent as X-Bench-Workload so that a -self
	// server labels its CPU profile samples with it.
	workload string
}

// workloadHeader names the workload of a request (see request.workload).
const workloadHeader = "X-Bench-Workload"

// reply is a response read in full.
type reply struct {
	status int
	body   []byte
}

// do sends req to base and reads the whole response into buf (reused).
func (c *client) do(ctx context.Context, base string, req request, buf *bytes.Buffer) (reply, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, base+req.path, body)
	if err != nil {
		return reply{}, err
	}
	hr.Header.Set("Accept", "application/scim+json")
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/scim+json")
	}
	if req.workload != "" {
		hr.Header.Set(workloadHeader, req.workload)
	}
	if c.token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return reply{}, fmt.Errorf("%s %s: reading body: %w", req.method, req.path, err)
	}
	return reply{status: resp.StatusCode, body: buf.Bytes()}, nil
}

// statusError reports an unexpected status with the start of the body.
func statusError(req request, rep reply) error {
	b := rep.body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Errorf("%s %s: status %d: %s", req.method, trim(req.path, 80), rep.status, bytes.TrimSpace(b))
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
