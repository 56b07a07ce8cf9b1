package idptest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

// Response is the answer to one replayed request.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Header is the response's headers.
	Header http.Header
	// Body is the response body.
	Body []byte
}

var placeholder = regexp.MustCompile(`\{\{([A-Za-z0-9_.]+)\}\}`)

// Replay runs every step of seq in order: it replaces each {{name}}
// placeholder in the request's path, headers and body by the id captured
// earlier, sends the request with do, checks the status, captures the
// step's ids from the top-level members of the response and compares the
// response body with the expected one by Subset, ignoring Deviations.
// do sends the request as the caller's server needs it (encoding, flags,
// authentication) and may check more.
func Replay(t *testing.T, seq *Sequence, do func(st Step, req Request) Response) {
	t.Helper()
	vars := map[string]string{}
	sub := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			v, ok := vars[m[2:len(m)-2]]
			if !ok {
				t.Fatalf("placeholder %s used before it was captured", m)
			}
			return v
		})
	}
	for _, st := range seq.Steps {
		req := Request{Method: st.Request.Method, Path: sub(st.Request.Path), Headers: map[string]string{}}
		for k, v := range st.Request.Headers {
			req.Headers[k] = sub(v)
		}
		if len(st.Request.Body) > 0 {
			req.Body = json.RawMessage(sub(string(st.Request.Body)))
		}
		res := do(st, req)
		if res.Status != st.Expect.Status {
			t.Errorf("%s: %s %s: status %d, want %d\n%.800s", st.Name, req.Method, req.Path, res.Status, st.Expect.Status, res.Body)
			continue
		}
		capture(t, st, res.Body, vars)
		if len(st.Expect.Body) == 0 {
			continue
		}
		var want, got any
		if err := json.Unmarshal([]byte(sub(string(st.Expect.Body))), &want); err != nil {
			t.Fatalf("%s: expect.body: %v", st.Name, err)
		}
		if err := json.Unmarshal(res.Body, &got); err != nil {
			t.Errorf("%s: response body is not JSON: %v\n%.800s", st.Name, err, res.Body)
			continue
		}
		for _, d := range Subset(want, got, Deviations[seq.Name+"#"+st.Name]) {
			t.Errorf("%s: %s\nresponse: %.800s", st.Name, d, res.Body)
		}
	}
}

// capture stores in vars the string members of body that st captures.
func capture(t *testing.T, st Step, body []byte, vars map[string]string) {
	t.Helper()
	if len(st.Capture) == 0 {
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	for name, member := range st.Capture {
		v, _ := m[member].(string)
		if v == "" {
			t.Fatalf("%s: cannot capture %s from member %q", st.Name, name, member)
		}
		vars[name] = v
	}
}
