package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// eventLog records, in order, what reached the client and the log.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.events); n == 0 || l.events[n-1] != e {
		l.events = append(l.events, e)
	}
}

// orderedLog is a provisioning log that notes its appends in an eventLog.
type orderedLog struct {
	store.ProvisioningLog
	log *eventLog
}

func (o orderedLog) Append(ctx context.Context, e store.ProvisioningEntry) (int64, error) {
	o.log.add("append " + e.Method)
	return o.ProvisioningLog.Append(ctx, e)
}

// orderedWriter is a ResponseWriter that notes its status and body
// writes in an eventLog.
type orderedWriter struct {
	*httptest.ResponseRecorder
	log *eventLog
}

func (w orderedWriter) WriteHeader(code int) {
	w.log.add("status")
	w.ResponseRecorder.WriteHeader(code)
}

func (w orderedWriter) Write(b []byte) (int, error) {
	w.log.add("body")
	return w.ResponseRecorder.Write(b)
}

// TestProvisioningLogBeforeResponse: a write's response reaches the client
// only after its entry was appended (a crash in between loses neither an
// acknowledged write's entry nor shows an unlogged write as done); a
// read's response is not held.
func TestProvisioningLogBeforeResponse(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	events := &eventLog{}
	h := newTestHandler(t, Config{Store: st, ProvisioningLog: orderedLog{st, events}, ProvisioningLogReads: true})
	do := func(method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+testToken)
		w := orderedWriter{httptest.NewRecorder(), events}
		h.ServeHTTP(w, r)
		return w.ResponseRecorder
	}
	w := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "bjensen") || w.Header().Get("ETag") == "" {
		t.Fatalf("POST = %d %q, ETag %q", w.Code, w.Body.String(), w.Header().Get("ETag"))
	}
	do("DELETE", "/Users/missing", "")
	do("GET", "/Users", "")
	want := []string{"append POST", "status", "body", "append DELETE", "status", "body", "status", "body", "append GET"}
	if diff := cmp.Diff(want, events.events); diff != "" {
		t.Errorf("order of events (-want +got):\n%s", diff)
	}
}
