package postgres_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// planNode is the part of an EXPLAIN (FORMAT JSON) node the test reads.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
}

// scans lists "Node Type on relation using index" for every node.
func scans(n planNode, out []string) []string {
	if n.Relation != "" || n.IndexName != "" {
		out = append(out, fmt.Sprintf("%s on %s using %s", n.NodeType, n.Relation, n.IndexName))
	}
	for _, c := range n.Plans {
		out = scans(c, out)
	}
	return out
}

// checkPlan fails unless the plan avoids sequential scans and uses one of
// the wanted indexes (names separated by "|").
func checkPlan(t *testing.T, plan, wantIndex string) {
	t.Helper()
	var top []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &top); err != nil || len(top) != 1 {
		t.Fatalf("bad plan %q: %v", plan, err)
	}
	got := scans(top[0].Plan, nil)
	t.Logf("plan: %s", strings.Join(got, "; "))
	for _, s := range got {
		if strings.HasPrefix(s, "Seq Scan") {
			t.Errorf("sequential scan: %s", s)
		}
	}
	if !slices.ContainsFunc(got, func(s string) bool {
		return slices.ContainsFunc(strings.Split(wantIndex, "|"), func(ix string) bool { return strings.HasSuffix(s, "using "+ix) })
	}) {
		t.Errorf("index %s not used; plan: %v", wantIndex, got)
	}
}

// TestIndexesUsed asserts with EXPLAIN that the lookups IdPs make on every
// sync (userName, externalId, id and displayName eq, member lookups) are
// answered from an index, never by a scan.
func TestIndexesUsed(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut, gt := storetest.UserType(), storetest.GroupType()
	var users []*schema.Resource
	for i := range 300 {
		u, err := s.Create(ctx, "t", ut, storetest.TypicalUser(i))
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	g, err := s.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": "Everyone"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Create(ctx, "t", gt, &schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": fmt.Sprint("Other ", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	var add []schema.Member
	for _, u := range users {
		add = append(add, schema.Member{Value: u.ID})
	}
	if _, _, err := s.Update(ctx, "t", gt, g.ID, store.Update{Apply: same, MemberDeltas: []schema.MemberDelta{{Kind: schema.DeltaAdd, Members: add}}}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"resources", "members", "uniques"} {
		if err := s.Exec(ctx, `ANALYZE {s}.`+table); err != nil {
			t.Fatal(err)
		}
	}
	u := users[42]
	for _, tc := range []struct {
		rt            *schema.ResourceType
		filter, index string
	}{
		{ut, fmt.Sprintf(`userName eq %q`, strings.ToUpper(u.Attrs["userName"].(string))), "resources_user_name"},
		{ut, fmt.Sprintf(`externalId eq %q`, u.ExternalID), "resources_external_id"},
		{ut, fmt.Sprintf(`id eq %q`, u.ID), "resources_pkey"},
		{ut, fmt.Sprintf(`displayName eq %q`, u.Attrs["displayName"]), "resources_display_name"},
		{gt, `displayName eq "everyone"`, "resources_display_name"},
		// A member lookup reads the (group, member) key or the member's own
		// groups (members_member): either is an index probe.
		{gt, fmt.Sprintf(`id eq %q and members[value eq %q]`, g.ID, u.ID), "resources_pkey"},
		{gt, fmt.Sprintf(`id eq %q and members[value eq %q]`, g.ID, u.ID), "members_pkey|members_member"},
		{gt, fmt.Sprintf(`members[value eq %q]`, u.ID), "members_pkey|members_member"},
		{ut, fmt.Sprintf(`groups.value eq %q`, g.ID), "members_member"},
	} {
		t.Run(tc.filter+" using "+tc.index, func(t *testing.T) {
			e, err := filter.Parse(tc.filter)
			if err == nil {
				e, err = filter.Bind(tc.rt, e)
			}
			if err != nil {
				t.Fatal(err)
			}
			plan, err := postgres.ExplainList(ctx, s, "t", tc.rt, store.Query{Filter: e, Count: 10, Read: store.ReadOptions{OmitMembers: true}})
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, plan, tc.index)
		})
	}
	for _, tc := range []struct {
		name, query, index string
		args               []any
	}{
		{"groups of a user", postgres.GroupsQuery, "members_member", []any{"t", u.ID}},
		{"add member", postgres.AddMember, "", []any{"t", g.ID, "x"}},
		{"remove member", postgres.RemoveMember, "members_pkey|members_member", []any{"t", g.ID, []string{u.ID}}},
		{"user leaves all groups", postgres.LeaveAll, "members_member", []any{"t", u.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.Explain(ctx, tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.index == "" {
				// The member's type is the one Resolve found, stored as
				// is: the statement reads no resource (before, a lookup
				// by primary key per member).
				if strings.Contains(plan, "resources") {
					t.Errorf("the statement reads resources; plan: %s", plan)
				}
				return
			}
			checkPlan(t, plan, tc.index)
		})
	}
}

// TestPageIndexOnly asserts that an unfiltered page in creation order
// sums the block counts from the page_blocks primary key and finds its
// rows by an index-only scan of (tenant, type, seq) from the start of the
// block, so OFFSET skips index entries of one block, not rows, and no
// table is scanned; the rows are then read by one range scan of that
// index; the total comes from the counts table.
func TestPageIndexOnly(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut := storetest.UserType()
	for i := range 200 {
		if _, err := s.Create(ctx, "t", ut, storetest.TypicalUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"resources", "page_blocks"} {
		if err := s.Exec(ctx, `VACUUM ANALYZE {s}.`+table); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := postgres.ExplainList(ctx, s, "t", ut, store.Query{StartIndex: 150, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, plan, "resources_type_seq")
	checkPlan(t, plan, "page_blocks_pkey")
	if !strings.Contains(plan, `"Index Only Scan"`) {
		t.Errorf("page without an index-only scan: %s", plan)
	}
	// The page's rows are one range of that index (its first to its last
	// sequence number), read in order: no descent per row, no sort.
	if strings.Contains(plan, "= ANY") || strings.Contains(plan, `"Node Type": "Sort"`) {
		t.Errorf("page rows read by sequence number lookups or sorted: %s", plan)
	}
	p, err := s.List(ctx, "t", ut, store.Query{StartIndex: 195, Count: 10})
	if err != nil || p.TotalResults != 200 || len(p.Resources) != 6 {
		t.Fatalf("List: %v, total %d, %d resources; want 200 and 6", err, p.TotalResults, len(p.Resources))
	}
}

// same is an Apply that changes nothing.
func same(cur *schema.Resource) (*schema.Resource, error) { return cur, nil }

// TestLookupSingleStage asserts that the first page of a filter in
// creation order, the lookup IdPs send before every write (userName eq),
// is one scan of resources (the match, by the userName index) rather than
// a scan for sequence numbers and a second one for their rows, and that
// PostgreSQL keeps its generic plan once prepared instead of planning
// each lookup again: the plan of the prepared statement still shows its
// parameters after the executions after which a custom plan would win.
func TestLookupSingleStage(t *testing.T) {
	s := open(t, postgres.Config{})
	ctx := t.Context()
	ut := storetest.UserType()
	var users []*schema.Resource
	for i := range 200 {
		u, err := s.Create(ctx, "t", ut, storetest.TypicalUser(i))
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	for _, table := range []string{"resources", "members"} {
		if err := s.Exec(ctx, `ANALYZE {s}.`+table); err != nil {
			t.Fatal(err)
		}
	}
	e, err := filter.Parse(fmt.Sprintf(`userName eq %q`, users[42].Attrs["userName"]))
	if err == nil {
		e, err = filter.Bind(ut, e)
	}
	if err != nil {
		t.Fatal(err)
	}
	query, args, err := postgres.FirstQuery(s, "t", ut, store.Query{Filter: e, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := postgres.ExplainPrepared(ctx, s, query, args, 8)
	if err != nil {
		t.Fatal(err)
	}
	var top []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &top); err != nil {
		t.Fatal(err)
	}
	var onResources []string
	for _, sc := range scans(top[0].Plan, nil) {
		if strings.Contains(sc, " on resources ") && !strings.HasSuffix(sc, "resources_pkey") { // pkey: a group's name
			onResources = append(onResources, sc)
		}
	}
	t.Logf("plan: %v", scans(top[0].Plan, nil))
	if len(onResources) != 1 || !strings.HasSuffix(onResources[0], "using resources_user_name") {
		t.Errorf("lookup scans resources %d times, want once by resources_user_name: %v", len(onResources), onResources)
	}
	if !strings.Contains(plan, "$3") {
		t.Errorf("lookup runs a custom plan (no parameter in it): %s", plan)
	}
}
