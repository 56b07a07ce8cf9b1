package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/store"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		scimType   string
		detail     string // substring; "" = not checked
		retryAfter string
	}{
		{"scim error", ErrInvalidFilter.WithDetail("bad filter at 3"), 400, "invalidFilter", "bad filter at 3", ""},
		{"wrapped scim error", fmt.Errorf("store: update: %w", ErrMutability.WithDetail("id is readOnly")), 400, "mutability", "id is readOnly", ""},
		{"not found", fmt.Errorf("store: get User x: %w", store.ErrNotFound), 404, "", "not found", ""},
		{"conflict", fmt.Errorf("store: create User: %w", &store.ConflictError{Attr: "userName"}), 409, "uniqueness", "userName", ""},
		{"invalid sort", fmt.Errorf("store: list Group: %w", store.ErrInvalidSort), 400, "invalidValue", "sortBy", ""},
		{"precondition", fmt.Errorf("x: %w", store.ErrPrecondition), 412, "", "", ""},
		{"unavailable", fmt.Errorf("x: %w", store.ErrUnavailable), 503, "", "", "5"},
		{"unavailable scim", ErrUnavailable.WithRetryAfter(30), 503, "", "", "30"},
		{"invalid cursor", fmt.Errorf("x: %w", store.ErrInvalidCursor), 400, "invalidCursor", "", ""},
		{"too large", &http.MaxBytesError{Limit: 10}, 413, "", "10 bytes", ""},
		{"unknown", errors.New("pq: password authentication failed for db secret"), 500, "", "An internal error occurred.", ""},
		{"scim 500 keeps generic detail", ErrInternal.WithDetail("secret internals"), 500, "", "An internal error occurred.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/Users", nil)
			WriteError(w, r, logger, tt.err)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/scim+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := w.Header().Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{"urn:ietf:params:scim:api:messages:2.0:Error"}, body["schemas"]); diff != "" {
				t.Errorf("schemas (-want +got):\n%s", diff)
			}
			if body["status"] != fmt.Sprint(tt.status) {
				t.Errorf("status member = %#v, want the string %q", body["status"], fmt.Sprint(tt.status))
			}
			if st, _ := body["scimType"].(string); st != tt.scimType {
				t.Errorf("scimType = %q, want %q", st, tt.scimType)
			}
			if d, _ := body["detail"].(string); !strings.Contains(d, tt.detail) {
				t.Errorf("detail = %q, want it to contain %q", d, tt.detail)
			}
			if tt.status == 500 {
				if strings.Contains(w.Body.String(), "secret") {
					t.Errorf("500 body echoes the cause: %s", w.Body)
				}
				if !strings.Contains(logs.String(), "secret") {
					t.Errorf("500 cause not logged: %q", logs.String())
				}
			}
		})
	}
}

func TestWriteError401(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("GET", "/", nil), nil, ErrUnauthorized)
	if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="scim"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
}

// TestConflictDetail: every backend's conflict text becomes the same
// detail, naming the attribute and nothing of the store's internals.
func TestConflictDetail(t *testing.T) {
	inUse := `The value of "userName" is already in use by another resource; uniqueness is checked case-insensitively unless the attribute is caseExact.`
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"in use", fmt.Errorf("store: create User: %w", &store.ConflictError{Attr: "userName"}), inUse},
		{"extension", fmt.Errorf("memory: create User: %w", &store.ConflictError{Attr: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}),
			`The value of "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber" is already in use by another resource; uniqueness is checked case-insensitively unless the attribute is caseExact.`},
		{"tombstone", fmt.Errorf("store: create User: %w", &store.ConflictError{Attr: "externalId", Reserved: true}),
			"This externalId belonged to a deleted resource and is never reused; choose another externalId."},
		{"bare sentinel", fmt.Errorf("store: create User: badge %q: %w", "7", store.ErrConflict), "One or more attribute values are already in use or are reserved."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := conflictDetail(tt.err); got != tt.want {
				t.Errorf("conflictDetail(%v)\n got %q\nwant %q", tt.err, got, tt.want)
			}
		})
	}
}
