package e2e

import (
	"fmt"
	"net/url"
	"testing"
)

// RFC 9865 cursor pagination: "cursor" with no value asks for the first
// page; each page but the last carries nextCursor; the last has none; a
// bad cursor is 400 invalidCursor; count sets the page size.
func TestCursorPagination(t *testing.T) { Each(t, testCursorPagination) }

func testCursorPagination(t *testing.T, b Backend) {
	s := b.Start(t)
	var all []string
	for i := range 23 {
		all = append(all, create(t, s, "/Users", userBody(fmt.Sprintf("cursor%02d", i))))
	}
	for _, first := range []string{"/Users?cursor", "/Users?cursor=", "/Users?cursor=&count=5"} {
		t.Run(first, func(t *testing.T) {
			var seen []string
			next := first
			if next == "/Users?cursor" || next == "/Users?cursor=" {
				next += "&count=5"
			}
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("more than 10 pages of 5 for 23 users")
				}
				r := get(t, s, next)
				wantStatus(t, r, 200)
				if Int(r.JSON, "totalResults") != 23 && r.JSON["totalResults"] != nil {
					t.Errorf("totalResults = %v", r.JSON["totalResults"])
				}
				if _, ok := r.JSON["startIndex"]; ok {
					t.Errorf("startIndex in a cursor response")
				}
				ids := r.IDs()
				if Int(r.JSON, "itemsPerPage") != len(ids) {
					t.Errorf("itemsPerPage %v, %d resources", r.JSON["itemsPerPage"], len(ids))
				}
				seen = append(seen, ids...)
				nc := Str(r.JSON, "nextCursor")
				if nc == "" {
					if len(ids) > 5 {
						t.Errorf("page of %d > count 5", len(ids))
					}
					break
				}
				if len(ids) != 5 {
					t.Errorf("a non-last page has %d resources, want 5", len(ids))
				}
				next = "/Users?count=5&cursor=" + url.QueryEscape(nc)
			}
			if !sameSet(seen, all) {
				t.Errorf("cursor walk returned %d ids, want each of the 23 once", len(seen))
			}
		})
	}
	// With a filter and through POST .search.
	r := post(t, s, "/Users/.search", `{"filter":"userName sw \"cursor1\"","cursor":"","count":4}`)
	wantStatus(t, r, 200)
	if len(r.IDs()) != 4 || Str(r.JSON, "nextCursor") == "" {
		t.Errorf(".search first page: %s", r.Body)
	}
	nc := Str(r.JSON, "nextCursor")
	r = post(t, s, "/Users/.search", `{"filter":"userName sw \"cursor1\"","cursor":`+jsonString(nc)+`,"count":4}`)
	wantStatus(t, r, 200)
	if len(r.IDs()) != 6 && len(r.IDs()) != 4 {
		t.Errorf(".search second page: %s", r.Body)
	}
	// Invalid cursors: 400 invalidCursor (RFC 9865 §2.1).
	for _, bad := range []string{"garbage", "AAAA", "%00", "' OR 1=1 --", string(make([]byte, 0)) + "x"} {
		r := get(t, s, "/Users?count=5&cursor="+url.QueryEscape(bad))
		wantError(t, r, 400, "invalidCursor")
	}
	// A cursor issued for one query is not valid for another filter.
	r = get(t, s, filterQ("/Users", `userName sw "cursor"`, "cursor", "", "count", "2"))
	nc = Str(r.JSON, "nextCursor")
	r = get(t, s, filterQ("/Users", `userName sw "zzz"`, "cursor", nc, "count", "2"))
	if r.Status != 400 && r.Status != 200 {
		t.Errorf("cursor of another query: %d", r.Status)
	}
	if r.Status == 400 {
		wantError(t, r, 400, "invalidCursor")
	}
	// count=0 with a cursor: no resources.
	r = get(t, s, "/Users?cursor=&count=0")
	wantStatus(t, r, 200)
	if len(r.IDs()) != 0 {
		t.Errorf("count=0: %d resources", len(r.IDs()))
	}
	// A huge count with a cursor is capped or refused with invalidCount.
	r = get(t, s, "/Users?cursor=&count=1000000")
	if r.Status == 200 && len(r.IDs()) != 23 {
		t.Errorf("huge count: %d", len(r.IDs()))
	} else if r.Status == 400 {
		wantError(t, r, 400, "invalidCount")
	}
	// Groups page by cursor too.
	for i := range 3 {
		create(t, s, "/Groups", groupBody(fmt.Sprintf("cg%d", i)))
	}
	r = get(t, s, "/Groups?cursor&count=2")
	if len(r.IDs()) != 2 || Str(r.JSON, "nextCursor") == "" {
		t.Errorf("groups cursor: %s", r.Body)
	}
	r = get(t, s, "/Groups?count=2&cursor="+url.QueryEscape(Str(r.JSON, "nextCursor")))
	if len(r.IDs()) != 1 || Str(r.JSON, "nextCursor") != "" {
		t.Errorf("groups last page: %s", r.Body)
	}
	// A cursor from /Groups used on /Users.
	r = get(t, s, "/Groups?cursor&count=1")
	r = get(t, s, "/Users?count=1&cursor="+url.QueryEscape(Str(r.JSON, "nextCursor")))
	if r.Status != 400 {
		t.Errorf("a /Groups cursor on /Users: %d %s", r.Status, r.Body)
	}
}
