package sqlite_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// deviceType has an attribute of every type, for the differential test.
var deviceType = schema.MustResourceType(&schema.ResourceType{Name: "Device", Endpoint: "/Devices",
	Schema: schema.MustSchema(&schema.Schema{ID: "urn:example:Device", Attributes: []*schema.Attribute{
		{Name: "name"},
		{Name: "serial", CaseExact: true},
		{Name: "slots", Type: schema.Integer},
		{Name: "weight", Type: schema.Decimal},
		{Name: "enabled", Type: schema.Boolean},
		{Name: "seen", Type: schema.DateTime},
		{Name: "blob", Type: schema.Binary},
		{Name: "tags", MultiValued: true},
		{Name: "ports", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
			{Name: "value"}, {Name: "type"}, {Name: "primary", Type: schema.Boolean}, {Name: "speed", Type: schema.Integer}}},
		{Name: "owner", Type: schema.Complex, SubAttributes: []*schema.Attribute{{Name: "value", CaseExact: true}, {Name: "display"}}},
	}})})

func devices() []*schema.Resource {
	names := []string{"Straße", "STRASSE", "İstanbul", "istanbul", "ıSTANBUL", "ΣΊΣΥΦΟΣ", "σίσυφος", "Émile", "e\u0301mile", "ABC", "abc", "", "a'b\"c%_*?[", "日本"}
	var out []*schema.Resource
	for i, n := range names {
		attrs := map[string]any{
			"serial": fmt.Sprintf("SN-%d%s", i%4, n),
			"slots":  int64(i%5 - 2),
			"weight": float64(i) / 4,
			"tags":   []any{n, fmt.Sprintf("T%d", i%3)},
			"ports": []any{
				map[string]any{"value": "Eth" + n, "type": []string{"WORK", "home"}[i%2], "speed": int64(i * 10)},
				map[string]any{"value": fmt.Sprint(i), "type": "work", "primary": i%3 == 0},
			},
			"owner": map[string]any{"value": "U" + n, "display": n},
			"seen":  []string{"2024-01-02T03:04:05Z", "2024-01-02T05:04:05+02:00", "2024-01-02T03:04:05.5Z", "2023-12-31T23:59:59-01:00"}[i%4],
			"blob":  []string{"QUJD", "YWJj"}[i%2],
		}
		if n != "" {
			attrs["name"] = n
		}
		if i%3 != 2 {
			attrs["enabled"] = i%2 == 0
		}
		out = append(out, &schema.Resource{Schemas: []string{"urn:example:Device"}, Attrs: attrs, ExternalID: fmt.Sprintf("X%d", i%6)})
	}
	return out
}

var differentialFilters = []string{
	`name eq "strasse"`, `name eq "STRAßE"`, `name eq "istanbul"`, `name eq "İSTANBUL"`, `name eq "σίσυφος"`,
	`name co "ß"`, `name sw "e"`, `name ew "MILE"`, `name co ""`, `name sw ""`, `name co "'b\"c%_*?["`, `name co "%"`, `name co "_"`,
	`name gt "e"`, `name le "ABC"`, `name pr`, `not (name pr)`, `name ne "abc"`, `not (name eq "abc")`,
	`serial eq "SN-1straße"`, `serial eq "SN-1Straße"`, `serial sw "SN-1"`, `serial gt "SN-2"`, `serial ew "C"`,
	`slots eq 0`, `slots gt -1`, `slots le 1`, `slots eq 1.0`, `weight gt 1.5`, `weight eq 2`, `weight lt 1`,
	`enabled eq true`, `enabled eq false`, `enabled ne true`, `enabled pr`, `not (enabled eq false)`,
	`seen eq "2024-01-02T03:04:05Z"`, `seen gt "2024-01-02T03:04:05Z"`, `seen ge "2024-01-02T04:04:05+01:00"`, `seen lt "2024-01-01T00:00:00Z"`,
	`blob eq "qujd"`, `blob eq "QUJD"`,
	`tags eq "t1"`, `tags co "ß"`, `tags ne "t1"`, `tags pr`,
	`ports.value eq "eth日本"`, `ports.type eq "work"`, `ports.speed gt 50`, `ports[type eq "work" and speed gt 50]`,
	`ports[type eq "home" and value sw "eth"]`, `ports[not (type eq "work")]`, `ports eq "3"`, `ports.primary eq true`,
	`owner.value eq "Uabc"`, `owner.value eq "uabc"`, `owner.display eq "ABC"`, `owner pr`,
	`externalId eq "X1"`, `externalId eq "x1"`, `id pr`, `meta.created pr`, `meta.created gt "2000-01-01T00:00:00Z"`,
	`name eq "abc" or slots eq 2`, `(name sw "s" or name sw "σ") and not (enabled eq true)`, `meta.resourceType eq "Device"`,
}

// TestFilterDifferential checks that List returns exactly the resources
// filter.Match accepts, in creation order (STYLE item 12).
func TestFilterDifferential(t *testing.T) {
	for name, open := range map[string]func(testing.TB) store.Store{"file": newStore, "memory": newMemoryStore} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			var all []*schema.Resource
			for _, d := range devices() {
				r, err := s.Create(t.Context(), "t", deviceType, d)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, r)
			}
			for _, text := range differentialFilters {
				e, err := filter.Parse(text)
				if err == nil {
					e, err = filter.Bind(deviceType, e)
				}
				if err != nil {
					t.Errorf("%s: %v", text, err)
					continue
				}
				var want []string
				for _, r := range all {
					if filter.Match(deviceType, e, r) {
						want = append(want, r.ID)
					}
				}
				page, err := s.List(t.Context(), "t", deviceType, store.Query{Filter: e, Count: 100})
				if err != nil {
					t.Errorf("%s: %v", text, err)
					continue
				}
				var got []string
				for _, r := range page.Resources {
					got = append(got, r.ID)
				}
				if diff := cmp.Diff(want, got); diff != "" || page.TotalResults != len(want) {
					t.Errorf("%s: total %d, ids (-want +got):\n%s", text, page.TotalResults, diff)
				}
			}
		})
	}
}

// TestSortAndCursor checks sorting (folded, numeric, chronological,
// missing last) and that cursor paging visits every match exactly once
// while inserts continue.
func TestSortAndCursor(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	for _, d := range devices() {
		if _, err := s.Create(ctx, "t", deviceType, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, attr := range []string{"name", "slots", "weight", "seen", "enabled", "ports.speed", "ports", "meta.created", "externalId"} {
		ref, ok := deviceType.LookupPath(attr)
		if !ok {
			t.Fatal(attr)
		}
		for _, desc := range []bool{false, true} {
			full, err := s.List(ctx, "t", deviceType, store.Query{SortBy: ref, Descending: desc, Count: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			cur := ""
			for i := 0; ; i++ {
				page, err := s.List(ctx, "t", deviceType, store.Query{SortBy: ref, Descending: desc, Count: 4, UseCursor: true, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range page.Resources {
					seen = append(seen, r.ID)
				}
				if i == 0 {
					// A concurrent insert never makes paging repeat or skip.
					if _, err := s.Create(ctx, "t", deviceType, &schema.Resource{Schemas: []string{"urn:example:Device"}, Attrs: map[string]any{"name": "zz"}}); err != nil {
						t.Fatal(err)
					}
				}
				if cur = page.NextCursor; cur == "" {
					break
				}
			}
			var want []string
			for _, r := range full.Resources {
				want = append(want, r.ID)
			}
			seenSet := slices.Clone(seen)
			slices.Sort(seenSet)
			if len(slices.Compact(seenSet)) != len(seen) {
				t.Errorf("sort %s desc=%v: cursor paging repeated a resource", attr, desc)
			}
			for _, id := range want {
				if !slices.Contains(seen, id) {
					t.Errorf("sort %s desc=%v: cursor paging skipped %s", attr, desc, id)
				}
			}
		}
	}
	if _, err := s.List(ctx, "t", deviceType, store.Query{UseCursor: true, Cursor: "garbage", Count: 1}); err == nil {
		t.Error("garbage cursor accepted")
	}
}
