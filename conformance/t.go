package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// T is the state of one running case: it sends requests, names test data
// uniquely, registers cleanups and collects the outcome. Its methods are
// safe for concurrent use, except Fatalf, FailNow and Skipf, which must be
// called from the goroutine running the case's Func.
type T struct {
	ctx      context.Context
	target   Target
	features Features
	prefix   string
	primary  *client
	second   *client
	seq      atomic.Int64

	mu       sync.Mutex
	failed   bool
	msgs     []string
	notes    []string
	skip     string
	cleanups []func(context.Context)
}

type stopCase struct{}

// Context returns the context of the run.
func (t *T) Context() context.Context { return t.ctx }

// Features returns what the server advertises.
func (t *T) Features() Features { return t.features }

// Target returns the target of the run.
func (t *T) Target() Target { return t.target }

// Errorf records a failure and lets the case continue.
func (t *T) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
	t.msgs = append(t.msgs, fmt.Sprintf(format, args...))
}

// Fatalf records a failure and stops the case.
func (t *T) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	panic(stopCase{})
}

// FailNow stops a case that has already recorded a failure.
func (t *T) FailNow() { panic(stopCase{}) }

// Skipf stops the case and reports it skipped with the note.
func (t *T) Skipf(format string, args ...any) {
	t.mu.Lock()
	t.skip = fmt.Sprintf(format, args...)
	t.mu.Unlock()
	panic(stopCase{})
}

// Logf adds a note to the result.
func (t *T) Logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// Failed reports whether the case has failed so far.
func (t *T) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// Name returns a name unique to this run and case, for userNames and
// displayNames: "<prefix><case id>-<s>-<n>".
func (t *T) Name(s string) string {
	return fmt.Sprintf("%s%s-%d", t.prefix, s, t.seq.Add(1))
}

// Cleanup registers f to run when the case ends, last registered first,
// with a context that outlives an interrupted run for a short while.
func (t *T) Cleanup(f func(ctx context.Context)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// Opt modifies one request.
type Opt func(*request)

// Header sets a request header.
func Header(k, v string) Opt {
	return func(r *request) {
		if r.headers == nil {
			r.headers = map[string]string{}
		}
		r.headers[k] = v
	}
}

// NoContentType sends the body without a Content-Type header, as Okta does.
func NoContentType() Opt { return func(r *request) { r.noType = true } }

// AsSecondTenant sends the request with Target.SecondToken.
func AsSecondTenant() Opt { return func(r *request) { r.second = true } }

// Do sends a request relative to the base URL. body is nil, raw JSON
// ([]byte, json.RawMessage, string) or a value to marshal. A transport
// error is recorded as a failure and returned as Status 0. A resource
// created by POST to /Users or /Groups is deleted when the case ends.
func (t *T) Do(method, path string, body any, opts ...Opt) *Response {
	r := request{method: method, path: path, body: body}
	for _, o := range opts {
		o(&r)
	}
	c := t.primary
	if r.second {
		c = t.second
	}
	res, err := c.do(t.ctx, r)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return &Response{Header: http.Header{}}
	}
	if method == http.MethodPost && res.Status == http.StatusCreated && (path == "/Users" || path == "/Groups") {
		if id, _ := res.JSON()["id"].(string); id != "" {
			t.Cleanup(func(ctx context.Context) { t.deleteQuietly(ctx, c, path+"/"+id) })
		}
	}
	return res
}

func (t *T) deleteQuietly(ctx context.Context, c *client, path string) {
	res, err := c.do(ctx, request{method: http.MethodDelete, path: path})
	if err != nil {
		t.Logf("cleanup: DELETE %s: %v", path, err)
		return
	}
	if res.Status >= 300 && res.Status != http.StatusNotFound {
		t.Logf("cleanup: DELETE %s: status %d", path, res.Status)
	}
}

// Want records a failure unless res has one of the statuses; it reports
// whether it had.
func (t *T) Want(res *Response, what string, status ...int) bool {
	if slices.Contains(status, res.Status) {
		return true
	}
	t.Errorf("%s: status %d, want %s; body: %s", what, res.Status, statusList(status), truncate(res.Body, 500))
	return false
}

// Must is Want that stops the case on a mismatch.
func (t *T) Must(res *Response, what string, status ...int) {
	if !t.Want(res, what, status...) {
		t.FailNow()
	}
}

func statusList(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " or ")
}

// JSON decodes res as an object, stopping the case when it is not one.
func (t *T) JSON(res *Response, what string) map[string]any {
	m := res.JSON()
	if m == nil {
		t.Fatalf("%s: response body is not a JSON object: %s", what, truncate(res.Body, 300))
	}
	return m
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
