package storetest

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

var filterTests = []testCase{
	{"Differential", testFilterDifferential},
}

// loaded is a corpus written to a store, with the representations the
// store returns (checked against the corpus) as the oracle's input.
type loaded struct {
	users, groups     []*schema.Resource
	userIDs, groupIDs []string
}

func (h *h) load(c *corpus) *loaded {
	h.t.Helper()
	l := &loaded{}
	for _, u := range c.users {
		l.userIDs = append(l.userIDs, h.create(UserType(), u.Clone()).ID)
	}
	for i, g := range c.groups {
		in := g.Clone()
		var ms []any
		for _, m := range c.members[i] {
			if m >= 0 {
				ms = append(ms, map[string]any{"value": l.userIDs[m], "type": "User"})
			} else {
				ms = append(ms, map[string]any{"value": l.groupIDs[-1-m], "type": "Group"})
			}
		}
		if ms != nil {
			in.Attrs["members"] = ms
		}
		l.groupIDs = append(l.groupIDs, h.create(GroupType(), in).ID)
	}
	userGroups := map[string][]string{}
	for i, g := range c.groups {
		h.update(GroupType(), l.groupIDs[i], store.Update{Apply: set("displayName", g.Attrs["displayName"])}) // no-op
		for _, m := range c.members[i] {
			if m >= 0 {
				userGroups[l.userIDs[m]] = append(userGroups[l.userIDs[m]], l.groupIDs[i])
			}
		}
	}
	for i, id := range l.userIDs {
		r := h.get(UserType(), id, store.ReadOptions{})
		var gs []string
		for _, g := range groupsOf(r) {
			gs = append(gs, g.(map[string]any)["value"].(string))
		}
		diff(h.t, "groups of corpus user", sorted(userGroups[id]), sorted(gs))
		noGroups := r.Clone()
		delete(noGroups.Attrs, "groups")
		diff(h.t, "corpus user read back", c.users[i].Attrs, noGroups.Attrs)
		l.users = append(l.users, r)
	}
	for i, id := range l.groupIDs {
		r := h.get(GroupType(), id, store.ReadOptions{})
		if n := len(memberValues(r, "members")); n != len(c.members[i]) {
			h.t.Errorf("corpus group %d has %d members, want %d", i, n, len(c.members[i]))
		}
		l.groups = append(l.groups, r)
	}
	return l
}

// userFilters are hand-written filters over the corpus users; {uN}, {gN}
// and {createdN} are replaced by user N's id, group N's id and user N's
// meta.created.
var userFilters = []string{
	`userName eq "alice0@example.com"`, `userName eq "ALICE0@EXAMPLE.COM"`, `USERNAME Eq "bob1@example.org"`,
	`userName ne "alice0@example.com"`, `userName co "ER1"`, `userName sw "a"`, `userName sw "Ä"`, `userName ew "@EXAMPLE.COM"`,
	`userName ew "de"`, `userName gt "m"`, `userName ge "zoë"`, `userName lt "B"`, `userName le "alice5"`, `userName co "%"`,
	`userName co "_"`, `userName sw "a%b"`, `userName co "\\"`, `userName co "\""`, `userName co "'"`, `userName co "kelvin"`,
	`displayName eq "alice"`, `displayName eq "ärger"`, `displayName eq "ÄRGER"`, `displayName eq "kelvin"`, `displayName eq "straße"`,
	`displayName eq "strasse"`, `displayName eq "σασ"`, `displayName eq "σας"`, `displayName eq ""`, `displayName ne ""`,
	`displayName pr`, `not (displayName pr)`, `displayName gt "zoë"`, `displayName lt "日"`, `displayName eq null`, `displayName ne null`,
	`title pr and active eq true`, `active eq false`, `active ne true`, `active eq true or not (active pr)`, `title eq "i̇nşaat"`, `title eq "inşaat"`,
	`emails[type eq "work" and value co "example"]`, `emails[primary eq true]`, `emails[primary eq false]`, `emails[not (primary pr)]`,
	`emails.value ew ".org"`, `emails.type eq "work"`, `emails.type ne "work"`, `emails pr`, `emails co "@EXÄMPLE"`, `emails eq "alice.0@example.com"`,
	`emails[type eq "home"] and emails[type eq "work"]`, `emails[type eq "home" or primary eq true]`, `not (emails[type eq "home"])`,
	`name.givenName sw "a"`, `name.familyName pr`, `name pr`, `name.givenName eq name.familyName`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"`, `department eq "ÉQUIPE"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"`, `manager.value pr`, `employeeNumber gt "5"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr and not (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr)`,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bob"`,
	`score gt 10`, `score le -5`, `score eq 0`, `score ne 7`, `score ge 50.5`, `score lt 1e1`, `ratio ge 0.5`, `ratio lt 0`, `ratio eq -1.5`, `ratio gt 3`,
	`hired gt "2023-01-01T00:00:00Z"`, `hired le "2022-06-01T00:00:00+02:00"`, `hired lt "2021-03-04T05:06:07.5-01:00"`, `hired pr`,
	`hired ge "2024-01-01T00:00:00.000Z" and hired lt "2025-01-01T00:00:00Z"`, `vip eq true`, `vip ne false`, `vip eq false`,
	`tags eq "red"`, `tags eq "über"`, `tags co "E"`, `tags sw "b"`, `tags pr`, `code eq "a"`, `code eq "A"`, `code gt "a"`, `code sw "A"`, `code co "b"`,
	`externalId eq "ext-3"`, `externalId eq "EXT-3"`, `externalId sw "E"`, `externalId pr`, `externalId gt "Ext"`,
	`id eq "{u5}"`, `id eq "{U5}"`, `id ne "{u5}"`, `id eq "{g0}"`, `id sw "{u7prefix}"`, `id pr`,
	`meta.created ge "{created100}"`, `meta.created gt "{created100}"`, `meta.created lt "{created10}"`, `meta.lastModified ge "{created150}"`,
	`meta.resourceType eq "User"`, `meta.resourceType eq "Group"`, `meta.version eq "W/\"1\""`,
	`groups[value eq "{g3}"]`, `groups.value eq "{g4}"`, `groups.display eq "admins"`, `groups pr`, `not (groups pr)`, `groups[type eq "direct"]`,
	`(userName sw "a" or displayName eq "bob") and not (active eq false)`, `userName eq "alice0@example.com" or userName eq "{u9name}"`,
	`userName eq "{u9name}" and active pr`, `userName eq "{u9name}" and id eq "{u9}"`, `externalId eq "{u11ext}" and userName eq "{u11name}"`,
	`not (not (userName co "1"))`, `schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`,
}

var groupFilters = []string{
	`displayName eq "admins"`, `displayName eq "ÜNITS"`, `displayName co "min"`, `displayName sw "E"`, `displayName ne "Z"`,
	`members[value eq "{u1}"]`, `members.value eq "{u2}"`, `members eq "{u3}"`, `id eq "{g5}" and members[value eq "{g5m0}"]`,
	`id eq "{g5}" and members[value eq "{u0}"]`, `members pr`, `not (members pr)`, `members[type eq "Group"]`, `members[type eq "group"]`,
	`members.value eq "{U1}"`, `displayName eq "Admins" and members pr`, `members[value eq "{u1}"] or members[value eq "{u2}"]`,
	`meta.created ge "{gcreated10}"`, `externalId pr`, `id eq "{g5}"`, `displayName eq "{g6name}"`,
}

func testFilterDifferential(t *testing.T, newStore factory) {
	if _, err := filter.Parse(`userName eq "x"`); err != nil {
		t.Skipf("package filter cannot parse yet: %v", err)
	}
	h := newH(t, newStore)
	c := newCorpus(1, 200, 30)
	l := h.load(c)
	sub := substitutions(l)
	check := func(rt *schema.ResourceType, corpus []*schema.Resource, text string) bool {
		t.Helper()
		e, err := filter.Parse(text)
		if err != nil {
			t.Errorf("suite bug: Parse(%s): %v", text, err)
			return false
		}
		b, err := filter.Bind(rt, e)
		if err != nil {
			return false
		}
		var want []string
		for _, r := range corpus {
			if filter.Match(rt, b, r) {
				want = append(want, r.ID)
			}
		}
		p, err := h.s.List(h.ctx, h.ten, rt, store.Query{Filter: b, Count: 1000})
		if err != nil {
			t.Errorf("List %s filter %s: %v", rt.Name, text, err)
			return true
		}
		got := ids(p.Resources)
		if !slices.Equal(want, got) || p.TotalResults != len(want) {
			t.Errorf("List %s filter %s: total %d, ids differ from filter.Match (-want +got):\n%s", rt.Name, text, p.TotalResults, cmpIDs(want, got, l))
		}
		return true
	}
	for _, f := range userFilters {
		if !check(UserType(), l.users, sub.Replace(f)) {
			t.Errorf("suite bug: hand-written filter %s does not bind", f)
		}
	}
	for _, f := range groupFilters {
		if !check(GroupType(), l.groups, sub.Replace(f)) {
			t.Errorf("suite bug: hand-written filter %s does not bind", f)
		}
	}
	rng := rand.New(rand.NewSource(7))
	bound := 0
	for range 300 {
		if check(UserType(), l.users, randomFilter(rng, c, l, 3)) {
			bound++
		}
	}
	if bound < 150 {
		t.Errorf("suite bug: only %d of 300 random filters bind", bound)
	}
}

func cmpIDs(want, got []string, l *loaded) string {
	name := map[string]string{}
	for i, id := range l.userIDs {
		name[id] = fmt.Sprintf("user#%d", i)
	}
	for i, id := range l.groupIDs {
		name[id] = fmt.Sprintf("group#%d", i)
	}
	var b strings.Builder
	inWant, inGot := map[string]bool{}, map[string]bool{}
	for _, id := range want {
		inWant[id] = true
	}
	for _, id := range got {
		inGot[id] = true
	}
	for _, id := range want {
		if !inGot[id] {
			fmt.Fprintf(&b, "- %s %s\n", name[id], id)
		}
	}
	for _, id := range got {
		if !inWant[id] {
			fmt.Fprintf(&b, "+ %s %s\n", name[id], id)
		}
	}
	if b.Len() == 0 {
		return "(same ids, different order)\n"
	}
	return b.String()
}

func substitutions(l *loaded) *strings.Replacer {
	var kv []string
	for i, id := range l.userIDs {
		u := l.users[i]
		kv = append(kv, fmt.Sprintf("{u%dname}", i), u.Attrs["userName"].(string), fmt.Sprintf("{u%dext}", i), u.ExternalID,
			fmt.Sprintf("{u%dprefix}", i), id[:4], fmt.Sprintf("{created%d}", i), u.Meta.Created.Format(time.RFC3339Nano),
			fmt.Sprintf("{U%d}", i), strings.ToUpper(id), fmt.Sprintf("{u%d}", i), id)
	}
	for i, id := range l.groupIDs {
		g := l.groups[i]
		first := ""
		if m := memberValues(g, "members"); len(m) > 0 {
			first = m[0]
		}
		kv = append(kv, fmt.Sprintf("{g%dname}", i), g.Attrs["displayName"].(string), fmt.Sprintf("{g%dm0}", i), first,
			fmt.Sprintf("{gcreated%d}", i), g.Meta.Created.Format(time.RFC3339Nano), fmt.Sprintf("{g%d}", i), id)
	}
	// Longer keys first, so "{u10}" is not read as "{u1}" + "0}".
	type pair struct{ k, v string }
	var ps []pair
	for i := 0; i < len(kv); i += 2 {
		ps = append(ps, pair{kv[i], kv[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.k) - len(a.k) })
	kv = kv[:0]
	for _, p := range ps {
		kv = append(kv, p.k, p.v)
	}
	return strings.NewReplacer(kv...)
}
