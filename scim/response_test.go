package scim

import (
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
)

// TestResponseContentLength checks single-resource and list responses
// carry a Content-Length equal to the body, and that HEAD gets the same
// headers with no body.
func TestResponseContentLength(t *testing.T) {
	h := newTestHandler(t, Config{})
	id := createUser(t, h, "bjensen<&>")
	createUser(t, h, "jsmith")
	for _, target := range []string{"/Users/" + id, "/Users", "/Users?attributes=userName", "/Users?count=1&cursor", "/.search", "/Schemas", "/ServiceProviderConfig"} {
		t.Run(target, func(t *testing.T) {
			method := "GET"
			body := ""
			if target == "/.search" {
				method, body = "POST", `{"filter":"userName sw \"b\""}`
			}
			get := mustDo(t, h, request{method: method, target: target, body: body}, 200)
			if got, want := get.header.Get("Content-Length"), strconv.Itoa(len(get.body)); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
			if method != "GET" {
				return
			}
			head := mustDo(t, h, request{method: "HEAD", target: target}, 200)
			if len(head.body) != 0 {
				t.Errorf("HEAD body = %q, want none", head.body)
			}
			if diff := cmp.Diff(get.header.Get("Content-Length"), head.header.Get("Content-Length")); diff != "" {
				t.Errorf("HEAD Content-Length (-GET +HEAD):\n%s", diff)
			}
		})
	}
}

// TestListResponseJSON checks the ListResponse encoding member by member,
// resources written in place, in index and cursor mode.
func TestListResponseJSON(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res := &schema.Resource{ID: "1", Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": "a<b"},
		Meta: schema.Meta{ResourceType: "User", Created: created, Location: "https://h/Users/1"}}
	for _, c := range []struct {
		name string
		l    *listResponse
		want string
	}{
		{"empty", newListResponse(0),
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"itemsPerPage":0,"Resources":[]}`},
		{"index", &listResponse{TotalResults: 5, ItemsPerPage: 2, StartIndex: 3, Resources: []any{res, res}},
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":5,"itemsPerPage":2,"startIndex":3,"Resources":[` +
				`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"a\u003cb","meta":{"created":"2026-01-02T03:04:05.000Z","location":"https://h/Users/1","resourceType":"User"}},` +
				`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","userName":"a\u003cb","meta":{"created":"2026-01-02T03:04:05.000Z","location":"https://h/Users/1","resourceType":"User"}}]}`},
		{"cursor and other values", &listResponse{TotalResults: 1, ItemsPerPage: 1, NextCursor: `c"&`, Resources: []any{map[string]any{"id": "x"}}},
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"nextCursor":"c\"\u0026","Resources":[{"id":"x"}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.l.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteJSONEncodingError checks a value that cannot be encoded (NaN)
// becomes a 500 SCIM error, with nothing of the list written before it.
func TestWriteJSONEncodingError(t *testing.T) {
	h := newTestHandler(t, Config{})
	bad := &schema.Resource{ID: "2", Attrs: map[string]any{"x": math.NaN()}}
	for _, v := range []any{bad, &listResponse{TotalResults: 2, ItemsPerPage: 2, Resources: []any{&schema.Resource{ID: "1"}, bad}}} {
		w := httptest.NewRecorder()
		h.writeJSON(w, httptest.NewRequest("GET", "/Users", nil), http.StatusOK, v)
		if w.Code != http.StatusInternalServerError {
			t.Errorf("status = %d, want 500\n%s", w.Code, w.Body)
		}
		if got, want := w.Header().Get("Content-Type"), "application/scim+json"; got != want {
			t.Errorf("Content-Type = %q, want %q", got, want)
		}
		if body := w.Body.String(); len(body) == 0 || body[0] != '{' || strings.Contains(body, schema.ListResponseSchema) {
			t.Errorf("body = %s, want only a SCIM error", body)
		}
	}
}

// TestResponseProjection checks attributes and excludedAttributes shape
// both a single resource and each resource of a list, with meta.location
// the resource's URI.
func TestResponseProjection(t *testing.T) {
	h := newTestHandler(t, Config{})
	id := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],` +
		`"userName":"bjensen","password":"secret","emails":[{"value":"b@example.com"}],"name":{"givenName":"B"}}`}, 201).json["id"].(string)
	loc := "http://scim.example.com/Users/" + id
	full := map[string]any{"schemas": []any{schema.UserSchema}, "id": id, "userName": "bjensen",
		"emails": []any{map[string]any{"value": "b@example.com"}}, "name": map[string]any{"givenName": "B"}}
	for _, c := range []struct {
		query string
		want  map[string]any
		meta  []string // members of meta expected
	}{
		{"attributes=userName,meta.location", map[string]any{"schemas": full["schemas"], "id": id, "userName": "bjensen"}, []string{"location"}},
		{"excludedAttributes=emails,meta", map[string]any{"schemas": full["schemas"], "id": id, "userName": "bjensen", "name": full["name"]}, nil},
		{"", full, []string{"created", "lastModified", "location", "resourceType", "version"}},
	} {
		t.Run(c.query, func(t *testing.T) {
			one := mustDo(t, h, request{method: "GET", target: "/Users/" + id + "?" + c.query}, 200).json
			list := mustDo(t, h, request{method: "GET", target: "/Users?" + c.query}, 200).json
			for _, got := range []map[string]any{one, list["Resources"].([]any)[0].(map[string]any)} {
				meta, _ := got["meta"].(map[string]any)
				delete(got, "meta")
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				var members []string
				for k := range meta {
					members = append(members, k)
				}
				slices.Sort(members)
				if diff := cmp.Diff(c.meta, members); diff != "" {
					t.Errorf("meta members (-want +got):\n%s", diff)
				}
				if meta != nil && meta["location"] != loc {
					t.Errorf("meta.location = %v, want %s", meta["location"], loc)
				}
			}
		})
	}
}
