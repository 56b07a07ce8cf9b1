package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// URNs used by the cases (RFC 7643 §8.7, RFC 7644 §3).
const (
	userURN       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	listURN       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN      = "urn:ietf:params:scim:api:messages:2.0:Error"
	patchURN      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	spcURN        = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	searchURN     = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	scimMediaType = "application/scim+json"
	maxBodyKeep   = 8 << 10
)

var defaultClient = &http.Client{Timeout: 30 * time.Second}

// Exchange is one request and its response, as kept in a Result's
// transcript. The Authorization header is never kept.
type Exchange struct {
	// Method is the request's HTTP method.
	Method string `json:"method"`
	// URL is the request's absolute URL.
	URL string `json:"url"`
	// RequestHeader is the request's headers, with Authorization redacted.
	RequestHeader http.Header `json:"requestHeader,omitempty"`
	// RequestBody is the request body, truncated to 8 KiB.
	RequestBody string `json:"requestBody,omitempty"`
	// Status is the response's HTTP status code; 0 when Error is set.
	Status int `json:"status"`
	// ResponseHeader is the response's headers.
	ResponseHeader http.Header `json:"responseHeader,omitempty"`
	// ResponseBody is the response body, truncated to 8 KiB.
	ResponseBody string `json:"responseBody,omitempty"`
	// Error is the error that ended the exchange (sending or reading the response), if any.
	Error string `json:"error,omitempty"`
	// Elapsed is how long the request took.
	Elapsed time.Duration `json:"elapsed"`
}

// String formats the exchange as HTTP text, for humans.
func (e Exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, e.URL)
	for k, v := range e.RequestHeader {
		fmt.Fprintf(&b, "> %s: %s\n", k, strings.Join(v, ", "))
	}
	if e.RequestBody != "" {
		fmt.Fprintf(&b, "> %s\n", e.RequestBody)
	}
	if e.Error != "" {
		fmt.Fprintf(&b, "< error: %s\n", e.Error)
		return b.String()
	}
	fmt.Fprintf(&b, "< %d %s (%s)\n", e.Status, http.StatusText(e.Status), e.Elapsed.Round(time.Microsecond))
	if ct := e.ResponseHeader.Get("Content-Type"); ct != "" {
		fmt.Fprintf(&b, "< Content-Type: %s\n", ct)
	}
	if et := e.ResponseHeader.Get("ETag"); et != "" {
		fmt.Fprintf(&b, "< ETag: %s\n", et)
	}
	if e.ResponseBody != "" {
		fmt.Fprintf(&b, "< %s\n", e.ResponseBody)
	}
	return b.String()
}

// Response is a server answer.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's headers.
	Header http.Header
	// Body is the response body (read up to 64 MiB).
	Body []byte
}

// JSON decodes the body as an object (nil when it is not one).
func (r *Response) JSON() map[string]any {
	var m map[string]any
	if r == nil || json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

type request struct {
	method  string
	path    string // relative to the base URL, may carry a query
	body    any    // nil, []byte/json.RawMessage/string (sent as is) or a value to marshal
	headers map[string]string
	noType  bool // send no Content-Type
	second  bool // use Target.SecondToken
}

// client sends requests with one token and keeps a bounded transcript.
type client struct {
	target Target
	token  string
	mu     sync.Mutex
	log    []Exchange
	keep   int
}

func newClient(target Target, token string) *client {
	return &client{target: target, token: token, keep: 12}
}

func (c *client) do(ctx context.Context, r request) (*Response, error) {
	body, err := encodeBody(r.body)
	if err != nil {
		return nil, err
	}
	u := c.target.baseURL() + r.path
	req, err := http.NewRequestWithContext(ctx, r.method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else if !r.noType {
		req.Header.Set("Content-Type", scimMediaType)
	}
	req.Header.Set("Accept", scimMediaType)
	for k, v := range r.headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if _, set := r.headers["Authorization"]; !set && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	ex := Exchange{Method: r.method, URL: u, RequestHeader: redact(req.Header), RequestBody: string(truncate(body, maxBodyKeep))}
	start := time.Now()
	res, err := c.target.client().Do(req)
	ex.Elapsed = time.Since(start)
	if err != nil {
		ex.Error = err.Error()
		c.record(ex)
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		ex.Error = err.Error()
		c.record(ex)
		return nil, err
	}
	ex.Status, ex.ResponseHeader, ex.ResponseBody = res.StatusCode, res.Header, string(truncate(data, maxBodyKeep))
	c.record(ex)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

func encodeBody(b any) ([]byte, error) {
	switch v := b.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case json.RawMessage:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return json.Marshal(b)
}

func (c *client) record(ex Exchange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, ex)
	if len(c.log) > c.keep {
		c.log = append(c.log[:0:0], c.log[len(c.log)-c.keep:]...)
	}
}

func (c *client) transcript() []Exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Exchange(nil), c.log...)
}

func redact(h http.Header) http.Header {
	out := h.Clone()
	if out.Get("Authorization") != "" {
		out.Set("Authorization", "[redacted]")
	}
	return out
}

func truncate(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return append(append([]byte(nil), b[:n]...), fmt.Sprintf("… (%d bytes)", len(b))...)
}
