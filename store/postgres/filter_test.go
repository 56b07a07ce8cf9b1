package postgres_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// corpus returns users exercising case folding, unicode, every data type,
// multi-valued and missing attributes.
func corpus() []*schema.Resource {
	ext := storetest.TestExtensionSchema
	u := func(name string, kv ...any) *schema.Resource {
		r := &schema.Resource{Schemas: []string{schema.UserSchema, ext}, Attrs: map[string]any{"userName": name}}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Attrs[kv[i].(string)] = kv[i+1]
		}
		return r
	}
	x := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	emails := func(vs ...string) []any {
		var out []any
		for i, v := range vs {
			e := map[string]any{"value": v, "type": []string{"work", "home", "other"}[i%3]}
			if i == 1 {
				e["primary"] = true
			}
			out = append(out, e)
		}
		return out
	}
	rs := []*schema.Resource{
		u("BJensen", "displayName", "Babs Jensen", "title", "Tour Guide", "active", true, "emails", emails("bjensen@example.com", "babs@jensen.org"),
			"name", map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
			ext, x("score", int64(10), "ratio", 0.5, "hired", "2020-01-02T03:04:05Z", "vip", true, "badge", "AB", "tags", []any{"x", "Y"}, "code", "Abc")),
		u("straße", "displayName", "STRASSE", "active", false, ext, x("score", int64(-3), "ratio", 1e21, "hired", "2020-01-02T04:04:05+01:00", "badge", "ab", "tags", []any{"y"})),
		u("İstanbul", "title", "", "emails", emails("İ@example.COM"), ext, x("score", int64(9007199254740993), "hired", "1999-12-31T23:59:59.999999999Z", "code", "abc")),
		u("ıi_%\\x", "displayName", "under_score 100%", "nickName", "a\\b", ext, x("ratio", -0.1, "vip", false, "tags", []any{"%", "_"})),
		u("zoë", "displayName", "Zoë", "externalIdDummy", nil, "emails", emails("zoe@example.com", "ZOE@Example.com", "z@x.org"),
			schema.EnterpriseUserSchema, x("employeeNumber", "0042", "manager", x("value", "mgr-1", "displayName", "Boss"))),
		u("ΣΑΣ", "displayName", "σας", "title", "Mr", ext, x("score", int64(10), "ratio", 10.0, "alias", "Sigma")),
		u("plain"),
	}
	rs[0].ExternalID = "ext-A"
	rs[4].ExternalID = "ext-a"
	delete(rs[4].Attrs, "externalIdDummy")
	return rs
}

var corpusFilters = []string{
	`userName eq "bjensen"`, `userName eq "STRASSE"`, `userName eq "Straße"`, `userName eq "istanbul"`, `userName eq "i̇stanbul"`,
	`userName sw "ı"`, `userName co "_%"`, `userName co "%"`, `userName ew "\\x"`, `userName co "\\"`, `userName gt "s"`, `userName le "plain"`,
	`userName sw ""`, `userName co "σ"`, `userName eq "σας"`, `displayName eq "σας"`, `displayName co "100%"`, `displayName sw "under_"`,
	`displayName pr`, `title pr`, `title eq ""`, `title ne "Mr"`, `not (title eq "Mr")`, `title eq null`, `title ne null`, `nickName ew "\\b"`,
	`externalId eq "ext-a"`, `externalId eq "EXT-A"`, `externalId pr`, `externalId ne "ext-a"`, `id pr`, `id eq "nope"`,
	`active eq true`, `active eq false`, `active ne true`, `active pr`,
	`emails co "example.com"`, `emails.value ew "@example.com"`, `emails[type eq "work" and value co "example"]`, `emails[type eq "home"]`,
	`emails.type ne "work"`, `emails pr`, `emails.primary eq true`, `emails[primary eq true and value sw "babs"]`, `not (emails[type eq "work"])`,
	`name.givenName sw "bar"`, `name pr`, `name.familyName pr`,
	`score gt 9`, `score eq 10`, `score ge 9007199254740992`, `score lt 0`, `score ne 10`, `score pr`, `ratio gt 1`, `ratio eq 0.5`, `ratio lt 0`, `ratio ge 1e21`, `ratio eq 10`,
	`hired gt "2020-01-02T03:00:00Z"`, `hired eq "2020-01-02T03:04:05Z"`, `hired eq "2020-01-02T03:04:05.000+00:00"`, `hired lt "2000-01-01T00:00:00Z"`, `hired le "1999-12-31T23:59:59.999999999Z"`,
	`vip eq true`, `vip eq false`, `vip pr`, `badge eq "ab"`, `badge eq "AB"`, `alias eq "sigma"`, `code eq "abc"`, `code gt "Abc"`,
	`tags eq "y"`, `tags[value eq "Y"]`, `tags co "%"`, `tags pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "0042"`, `manager.value eq "mgr-1"`, `manager[value eq "mgr-1"]`, `manager pr`,
	`schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"`, `schemas[value eq "urn:ietf:params:scim:schemas:core:2.0:user"]`,
	`meta.resourceType eq "User"`, `meta.resourceType eq "Group"`, `meta.created gt "2000-01-01T00:00:00Z"`, `meta.lastModified lt "2000-01-01T00:00:00Z"`,
	`meta.created gt "2000-01-01T00:00:00.0000001Z"`, `meta.version eq "W/\"1\""`, `meta.location pr`, `meta[resourceType eq "User"]`,
	`userName eq "plain" or (active eq false and score lt 0)`, `not (userName eq "plain" or displayName pr)`, `not (not (score gt 0))`,
	`groups pr`, `groups.display eq "team"`, `groups[value pr]`,
}

// inexact lists the corpus filters List may evaluate with filter.Match.
var inexact = map[string]bool{
	`meta.created gt "2000-01-01T00:00:00.0000001Z"`: true, // finer than the stored microseconds
	`meta[resourceType eq "User"]`:                   true, // value path on meta
}

// TestFilterDifferential checks that List returns exactly the resources
// filter.Match selects, for every filter of a corpus (STYLE 12).
func TestFilterDifferential(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	rt := storetest.UserType()
	var all []*schema.Resource
	for _, r := range corpus() {
		got, err := s.Create(ctx, "t", rt, r)
		if err != nil {
			t.Fatalf("Create %v: %v", r.Attrs["userName"], err)
		}
		all = append(all, got)
	}
	g, err := s.Create(ctx, "t", storetest.GroupType(), &schema.Resource{Schemas: []string{schema.GroupSchema},
		Attrs: map[string]any{"displayName": "Team", "members": []any{map[string]any{"value": all[0].ID}, map[string]any{"value": all[2].ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range all {
		if all[i], err = s.Get(ctx, "t", rt, all[i].ID, store.ReadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range corpusFilters {
		t.Run(f, func(t *testing.T) {
			e, err := filter.Parse(f)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if e, err = filter.Bind(rt, e); err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if _, exact := postgres.Translate(s, rt, e); !exact && !inexact[f] {
				t.Errorf("not translated exactly to SQL")
			}
			var want []string
			for _, r := range all {
				if filter.Match(rt, e, r) {
					want = append(want, r.ID)
				}
			}
			p, err := s.List(ctx, "t", rt, store.Query{Filter: e, Count: 100})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			diff(t, "matches", names(all, want), names(all, ids(p.Resources)))
			if p.TotalResults != len(want) {
				t.Errorf("TotalResults = %d, want %d", p.TotalResults, len(want))
			}
		})
	}
	for _, f := range []string{`members[value eq "` + all[0].ID + `"]`, `members.value eq "` + all[2].ID + `"`, `members pr`, `members.value eq "x"`} {
		e, _ := filter.Parse(f)
		e, err := filter.Bind(storetest.GroupType(), e)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		p, err := s.List(ctx, "t", storetest.GroupType(), store.Query{Filter: e, Count: 10})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := []string{g.ID}
		if f == `members.value eq "x"` {
			want = []string{}
		}
		diff(t, f, want, ids(p.Resources))
	}
}

func ids(rs []*schema.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// names maps ids to userNames for readable diffs.
func names(all []*schema.Resource, idl []string) []string {
	out := []string{}
	for _, id := range idl {
		for _, r := range all {
			if r.ID == id {
				out = append(out, fmt.Sprint(r.Attrs["userName"]))
			}
		}
	}
	slices.Sort(out)
	return out
}
