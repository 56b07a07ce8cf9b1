package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// agreementTests pin the behaviour decided for the divergences between
// backends listed in issue 11 ("What was seen"); the differential driver
// (Differential) steers around the same ones until they are fixed
// (KnownDivergences).
var agreementTests = []testCase{
	{"BinaryFilterCaseExact", testAgreeBinaryFilter},
	{"BinarySortByteOrder", testAgreeBinarySort},
	{"MemberDisplayChange", testAgreeMemberDisplay},
	{"MemberRemovedAndReadded", testAgreeMemberReadded},
	{"EchoKeepsVersion", testAgreeEcho},
	{"EchoWithRefKeepsVersion", testAgreeEchoRef},
	{"MembershipSortRefused", testAgreeMembershipSort},
	{"TimesAtReportedPrecision", testAgreeTimes},
	{"LoadMembersReturnsOwnCommit", testAgreeLoadMembersResult},
	{"SortByPrimaryWithoutSub", testAgreeSortPrimary},
	{"ComplexPresence", testAgreeComplexPresence},
}

// bind parses and binds filter text; the suite's own filters must bind.
func (h *h) bind(rt *schema.ResourceType, text string) filter.Expr {
	h.t.Helper()
	e, err := filter.Parse(text)
	if err == nil {
		e, err = filter.Bind(rt, e)
	}
	if err != nil {
		h.t.Fatalf("suite bug: filter %s: %v", text, err)
	}
	return e
}

func (h *h) filterIDs(rt *schema.ResourceType, text string) []string {
	h.t.Helper()
	return ids(h.list(rt, store.Query{Filter: h.bind(rt, text), Count: 100}).Resources)
}

func certs(values ...string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = map[string]any{"value": v}
	}
	return out
}

// testAgreeBinaryFilter: binary values (RFC 7643 §2.3.6) are case-exact, so
// a filter finds a certificate by its exact base64 text only.
func testAgreeBinaryFilter(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	a := h.create(UserType(), user("cert-a", "x509Certificates", certs("MIIBaQ==")))
	b := h.create(UserType(), user("cert-b", "x509Certificates", certs("AAEC", "bWlp")))
	h.create(UserType(), user("cert-none"))
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`x509Certificates.value eq "MIIBaQ=="`, []string{a.ID}},
		{`x509Certificates.value eq "miibaq=="`, []string{}},
		{`x509Certificates.value eq "MIIBAQ=="`, []string{}},
		{`x509Certificates[value eq "MIIBaQ=="]`, []string{a.ID}},
		{`x509Certificates eq "bWlp"`, []string{b.ID}},
		{`x509Certificates eq "BWLP"`, []string{}},
	} {
		diff(t, "List filter "+tc.filter, tc.want, h.filterIDs(UserType(), tc.filter))
	}
}

// testAgreeBinarySort: sortBy a binary attribute orders by bytes
// (case-exact), resources without a value last in ascending order.
func testAgreeBinarySort(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	var id []string
	for i, v := range []string{"MIIBaQ==", "AAEC", "", "bWlp"} {
		u := user(fmt.Sprint("sort", i))
		if v != "" {
			u.Attrs["x509Certificates"] = certs(v)
		}
		id = append(id, h.create(UserType(), u).ID)
	}
	for _, path := range []string{"x509Certificates.value", "x509Certificates"} {
		ref := mustRef(UserType(), path)
		diff(t, "sortBy "+path+" ascending", []string{id[1], id[0], id[3], id[2]}, ids(h.list(UserType(), store.Query{SortBy: ref, Count: 10}).Resources))
		diff(t, "sortBy "+path+" descending", []string{id[2], id[3], id[0], id[1]},
			ids(h.list(UserType(), store.Query{SortBy: ref, Descending: true, Count: 10}).Resources))
	}
}

// withMembers returns an Apply that replaces the members by f(current
// members), for Update.LoadMembers.
func withMembers(f func(ms []any) []any) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		ms, _ := next.Attrs["members"].([]any)
		next.Attrs["members"] = f(ms)
		return next, nil
	}
}

// testAgreeMemberDisplay: an Update with LoadMembers that changes display
// of a member it keeps changes the representation, so it is stored and
// the version increases, once (RFC 7644 §3.14). A member's type is the
// type of the resource it names: a client that sends it, or another,
// changes nothing.
func testAgreeMemberDisplay(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("md", 2)
	g := h.create(GroupType(), group("G", u...))
	setOn := func(key, value string) func(ms []any) []any {
		return func(ms []any) []any {
			ms[0].(map[string]any)[key] = value
			return ms
		}
	}
	for _, st := range []struct {
		name, key, value, version, want string
	}{
		{"set display", "display", "Babs", `W/"2"`, "Babs"},
		{"same display again", "display", "Babs", `W/"2"`, "Babs"},
		{"change display", "display", "Barbara", `W/"3"`, "Barbara"},
		{"set its own type", "type", "User", `W/"3"`, "User"},
		{"set another type", "type", "Group", `W/"3"`, "User"},
		{"remove its type", "type", "", `W/"3"`, "User"},
	} {
		got, _ := h.update(GroupType(), g.ID, store.Update{LoadMembers: true, Apply: withMembers(setOn(st.key, st.value))})
		read := h.get(GroupType(), g.ID, store.ReadOptions{})
		for what, r := range map[string]*schema.Resource{"returned": got, "read back": read} {
			if r.Meta.Version != st.version {
				t.Errorf("%s: version %s = %s, want %s", st.name, what, r.Meta.Version, st.version)
			}
			ms, _ := r.Attrs["members"].([]any)
			if len(ms) != 2 || ms[0].(map[string]any)[st.key] != st.want {
				t.Errorf("%s: members %s = %v, want %s %q on the first", st.name, what, ms, st.key, st.want)
			}
		}
	}
}

// testAgreeMemberReadded: member deltas that remove a member and add it
// back with another display in one Update (a PATCH replacing members with
// the same ids and new displays, as IdPs send it) leave the membership as
// it was, so they record no membership event, but they change the
// representation, so the version changes (RFC 7644 §3.14). Re-added as it
// was, nothing changes (testNetEffect).
func testAgreeMemberReadded(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	u := h.users("mr", 2)
	g := h.create(GroupType(), group("G", u...))
	_, seq := h.eventsSince(0)
	same := func(cur *schema.Resource) (*schema.Resource, error) { return cur.Clone(), nil }
	got, _ := h.update(GroupType(), g.ID, store.Update{Apply: same, ReturnMembers: true, MemberDeltas: []schema.MemberDelta{
		{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u[0]}}},
		{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u[0], Display: "Babs"}}},
	}})
	read := h.get(GroupType(), g.ID, store.ReadOptions{})
	for what, r := range map[string]*schema.Resource{"returned": got, "read back": read} {
		if r.Meta.Version != `W/"2"` {
			t.Errorf("version %s = %s, want W/\"2\" (the member's display changed)", what, r.Meta.Version)
		}
		ms, _ := r.Attrs["members"].([]any)
		var display any
		for _, m := range ms {
			if m := m.(map[string]any); m["value"] == u[0] {
				display = m["display"]
			}
		}
		if len(ms) != 2 || display != "Babs" {
			t.Errorf("members %s = %v, want both, %s with display Babs", what, ms, u[0])
		}
	}
	evs, _ := h.eventsSince(seq)
	for _, e := range evs {
		if e.Type == store.MembersAdded || e.Type == store.MembersRemoved || e.Type == store.UserGroupsChanged {
			t.Errorf("event %s %v: the membership did not change", e.Type, e)
		}
	}
	// Removed and re-added twice, ending with the display it had: nothing
	// changed, so neither does the version.
	again, _ := h.update(GroupType(), g.ID, store.Update{Apply: same, MemberDeltas: []schema.MemberDelta{
		{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u[0]}}},
		{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u[0], Display: "Other"}}},
		{Kind: schema.DeltaRemove, Members: []schema.Member{{Value: u[0]}}},
		{Kind: schema.DeltaAdd, Members: []schema.Member{{Value: u[0], Display: "Babs"}}},
	}})
	if again.Meta.Version != `W/"2"` {
		t.Errorf("re-added with the display it had: version %s, want W/\"2\" (unchanged)", again.Meta.Version)
	}
}

// eventsSince returns the events of h's tenant after seq (nil when the
// store has no outbox) and the last seq seen.
func (h *h) eventsSince(seq int64) ([]store.Event, int64) {
	h.t.Helper()
	ob, ok := h.s.(store.Outbox)
	if !ok {
		return nil, seq
	}
	var out []store.Event
	for {
		evs, err := ob.Events(h.ctx, seq, 1000)
		if err != nil {
			h.t.Fatalf("Events: %v", err)
		}
		for _, e := range evs {
			seq = e.Seq
			if e.Tenant == h.ten {
				out = append(out, e)
			}
		}
		if len(evs) < 1000 {
			return out, seq
		}
	}
}

// echo checks that an Update with LoadMembers whose Apply returns what a
// Get returned, passed through tweak, keeps version, lastModified and
// members and records no events.
func echo(t *testing.T, newStore factory, tweak func(*schema.Resource)) {
	h := newH(t, newStore)
	u := h.users("echo", 2)
	in := group("Echo")
	in.Attrs["members"] = []any{map[string]any{"value": u[0], "type": "User", "display": "Zero"}, map[string]any{"value": u[1]}}
	g := h.create(GroupType(), in)
	before := h.get(GroupType(), g.ID, store.ReadOptions{})
	_, seq := h.eventsSince(0)
	got, ch := h.update(GroupType(), g.ID, store.Update{LoadMembers: true, IfMatch: before.Meta.Version,
		Apply: func(*schema.Resource) (*schema.Resource, error) {
			next := before.Clone()
			tweak(next)
			return next, nil
		}})
	after := h.get(GroupType(), g.ID, store.ReadOptions{})
	diff(t, "group read back after the echo", before, after)
	diff(t, "group returned by the echo", before, got)
	if len(ch.MembersAdded)+len(ch.MembersRemoved) != 0 {
		t.Errorf("echo reported member changes: added %v removed %v", ch.MembersAdded, ch.MembersRemoved)
	}
	if evs, _ := h.eventsSince(seq); len(evs) != 0 {
		t.Errorf("echo recorded events: %+v", evs)
	}
	if e, err := filter.Parse(`members.$ref pr`); err == nil {
		if b, err := filter.Bind(GroupType(), e); err == nil {
			diff(t, "List filter members.$ref pr", []string{}, ids(h.list(GroupType(), store.Query{Filter: b, Count: 10}).Resources))
		}
	}
}

// testAgreeEcho: a PUT of what GET returned changes nothing.
func testAgreeEcho(t *testing.T, newStore factory) {
	echo(t, newStore, func(*schema.Resource) {})
}

// testAgreeEchoRef: the same with the "$ref" the HTTP layer adds to
// members on output: "$ref" is derived when rendering and never stored, so
// a "$ref" in Apply's result is ignored.
func testAgreeEchoRef(t *testing.T, newStore factory) {
	echo(t, newStore, func(r *schema.Resource) { tweakMembers(r, "ref") })
}

// testAgreeTimes: meta.created and meta.lastModified are kept at the
// precision they are reported in (milliseconds, schema.FormatDateTime), so
// a client finds a resource by the times it was given (Entra's delta
// queries use meta.lastModified ge).
func testAgreeTimes(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	h.create(UserType(), user("t0"))
	c := h.create(UserType(), user("t1"))
	time.Sleep(2 * time.Millisecond)
	u, _ := h.update(UserType(), c.ID, store.Update{Apply: set("title", "x")})
	r := h.get(UserType(), c.ID, store.ReadOptions{})
	for what, tm := range map[string]time.Time{"created (Create)": c.Meta.Created, "created (Get)": r.Meta.Created,
		"lastModified (Update)": u.Meta.LastModified, "lastModified (Get)": r.Meta.LastModified} {
		if !tm.Equal(tm.Truncate(time.Millisecond)) {
			t.Errorf("meta.%s = %s, more precise than the milliseconds it is reported in", what, tm.Format(time.RFC3339Nano))
		}
	}
	created, modified := schema.FormatDateTime(r.Meta.Created), schema.FormatDateTime(r.Meta.LastModified)
	for _, f := range []string{
		`meta.created eq "` + created + `"`, `meta.created ge "` + created + `"`, `meta.created le "` + created + `"`,
		`meta.lastModified eq "` + modified + `"`, `meta.lastModified ge "` + modified + `"`, `meta.lastModified le "` + modified + `"`,
	} {
		if got := h.filterIDs(UserType(), f); !slices.Contains(got, r.ID) {
			t.Errorf("List filter %s = %v, want it to include %s", f, got, r.ID)
		}
	}
}

// testAgreeLoadMembersResult: an Update with LoadMembers returns the
// members as of its own commit, also while other updates of the group
// commit concurrently: each returned list is the one the next update
// started from (the HTTP layer answers a PATCH with attributes=members
// from it). PostgreSQL failed it while it read the members in the locking
// statement: an Update that waited for the row lock read them with the
// snapshot taken before the wait (READ COMMITTED re-checks the locked
// row, not a subquery), so Apply's cur and the returned members missed
// the update that committed meanwhile.
func testAgreeLoadMembersResult(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	const n = 8
	u := h.users("lm", n+1)
	g := h.create(GroupType(), group("G", u[0]))
	results := make([]*schema.Resource, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got, _, err := h.s.Update(h.ctx, h.ten, GroupType(), g.ID, store.Update{LoadMembers: true,
				Apply: withMembers(func(ms []any) []any { return append(ms, map[string]any{"value": u[i+1]}) })})
			if err != nil {
				t.Errorf("Update %d: %v", i, err)
				return
			}
			results[i] = got
		})
	}
	wg.Wait()
	final := h.members(g.ID)
	for i, r := range results {
		if r == nil {
			continue
		}
		got := memberValues(r, "members")
		v, _ := backend.ParseVersion(r.Meta.Version)
		if int(v) != len(got) || len(got) > len(final) || !slices.Equal(got, final[:len(got)]) || got[len(got)-1] != u[i+1] {
			t.Errorf("Update %d returned version %s and members %v; want the members of its own commit: a prefix of %v ending with its own %s, one per version",
				i, r.Meta.Version, got, final, u[i+1])
		}
	}
}

// testAgreeSortPrimary: sortBy a sub-attribute of a multi-valued attribute
// orders by the primary value's sub-attribute (RFC 7644 §3.4.2.3); when
// the primary value lacks it, the resource has no value, even if another
// value has one. Found by Differential (DivSortPrimaryMissing).
func testAgreeSortPrimary(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	a := h.create(UserType(), user("p0", "emails", []any{map[string]any{"value": "z@x", "type": "other", "primary": false},
		map[string]any{"value": "a@x", "primary": true}})).ID
	b := h.create(UserType(), user("p1")).ID
	c := h.create(UserType(), user("p2", "emails", []any{map[string]any{"value": "m@x", "type": "home", "primary": true}})).ID
	ref := mustRef(UserType(), "emails.type")
	diff(t, "sortBy emails.type ascending", []string{c, a, b}, ids(h.list(UserType(), store.Query{SortBy: ref, Count: 10}).Resources))
	diff(t, "sortBy emails.type descending", []string{a, b, c}, ids(h.list(UserType(), store.Query{SortBy: ref, Descending: true, Count: 10}).Resources))
}

// testAgreeComplexPresence: "emails pr" is true when some value of emails
// is present (filter.Match: not null, "", [] nor {}), also when no value
// has a non-empty "value" sub-attribute. Found by Differential
// (DivComplexPresence).
func testAgreeComplexPresence(t *testing.T, newStore factory) {
	h := newH(t, newStore)
	a := h.create(UserType(), user("e0", "emails", []any{map[string]any{"value": "", "type": "work"}})).ID
	b := h.create(UserType(), user("e1", "phoneNumbers", []any{map[string]any{"type": "mobile"}})).ID
	c := h.create(UserType(), user("e2", "emails", []any{map[string]any{"value": ""}})).ID
	diff(t, "emails pr", []string{a}, h.filterIDs(UserType(), `emails pr`))
	diff(t, "not (emails pr)", []string{b, c}, h.filterIDs(UserType(), `not (emails pr)`))
	diff(t, "phoneNumbers pr", []string{b}, h.filterIDs(UserType(), `phoneNumbers pr`))
}
