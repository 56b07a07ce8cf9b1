package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// feedStore returns a memory store with events of tenants "a" and "b"
// interleaved, and the ids of tenant a's events in order.
func feedStore(t *testing.T) (*memory.Store, []string) {
	s := memory.New()
	t.Cleanup(func() { s.Close() })
	var want []string
	for i := range 9 {
		tenant := []string{"a", "b", "b"}[i%3]
		u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": string(rune('a' + i))}}
		if _, err := s.Create(t.Context(), tenant, schema.UserResourceType(), u); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range outboxEvents(t, s) {
		if e.Tenant == "a" {
			want = append(want, e.ID)
		}
	}
	return s, want
}

func TestFeed(t *testing.T) {
	s, want := feedStore(t)
	for _, limit := range []int{1, 2, 5, 0} {
		var got []string
		after := int64(0)
		for range 20 {
			evs, next, err := hooks.Feed(t.Context(), s, "a", after, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Tenant != "a" {
					t.Fatalf("limit %d: event of tenant %q", limit, e.Tenant)
				}
				got = append(got, e.ID)
			}
			if next == after {
				break
			}
			after = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("limit %d: paged events (-want +got):\n%s", limit, diff)
		}
	}
}

func TestFeedHandler(t *testing.T) {
	s, want := feedStore(t)
	tenantOf := func(r *http.Request) (string, error) {
		switch r.Header.Get("Authorization") {
		case "Bearer a":
			return "a", nil
		case "Bearer forbidden":
			return "", &schema.Error{Status: http.StatusForbidden, Detail: "no"}
		}
		return "", errors.New("no token")
	}
	h := hooks.FeedHandler(s, tenantOf)
	tests := []struct {
		name, method, query, auth string
		wantStatus                int
		wantIDs                   []string
		wantNext                  int64
	}{
		{"first page", "GET", "?limit=2", "Bearer a", 200, want[:2], 4},
		{"next page", "GET", "?after=4&limit=2", "Bearer a", 200, want[2:], 9},
		{"caught up", "GET", "?after=9", "Bearer a", 200, []string{}, 9},
		{"bad after", "GET", "?after=x", "Bearer a", 400, nil, 0},
		{"bad limit", "GET", "?limit=0", "Bearer a", 400, nil, 0},
		{"no tenant", "GET", "", "", 401, nil, 0},
		{"scim error status", "GET", "", "Bearer forbidden", 403, nil, 0},
		{"post", "POST", "", "Bearer a", 405, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(context.Background(), tc.method, "/events"+tc.query, nil)
			req.Header.Set("Authorization", tc.auth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
			}
			if tc.wantStatus != 200 {
				return
			}
			var page struct {
				Events []map[string]any
				Next   int64
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, e := range page.Events {
				got = append(got, e["id"].(string))
				if e["type"] != string(store.UserCreated) || e["tenant"] != "a" || e["resourceType"] != "User" || e["resourceId"] == "" || e["seq"] == nil || e["time"] == nil {
					t.Errorf("event JSON %v lacks fields", e)
				}
			}
			if diff := cmp.Diff(tc.wantIDs, got); diff != "" || page.Next != tc.wantNext {
				t.Errorf("events (-want +got):\n%s\nnext %d, want %d", diff, page.Next, tc.wantNext)
			}
		})
	}
}
