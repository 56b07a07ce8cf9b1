package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scimkit/store"
)

func entry(i int, tenant string, outcome store.Outcome) store.ProvisioningEntry {
	status := map[store.Outcome]int{store.OutcomeSuccess: 201, store.OutcomeRejected: 409, store.OutcomeError: 500}[outcome]
	return store.ProvisioningEntry{Time: t0.Add(time.Duration(i) * time.Minute), Tenant: tenant, TokenID: "tok_1",
		IdP: "okta", RequestID: fmt.Sprintf("req-%d", i), Method: "POST", Path: "/Users",
		ResourceType: "User", ResourceID: fmt.Sprintf("id-%d", i%3), ExternalID: fmt.Sprintf("ext-%d", i),
		Outcome: outcome, Status: status, Latency: 1500 * time.Microsecond, Body: `{"userName":"bjensen"}`,
		Query: "attributes=userName", UserAgent: "Okta SCIM Client 1.0.0", ContentType: "application/scim+json",
		IfMatch: `W/"1"`, Version: `W/"2"`, Response: `{"id":"id-0","userName":"bjensen","meta":{"version":"W/\"2\""}}`}
}

// seqs returns the Seq of each entry.
func seqs(es []store.ProvisioningEntry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func testLogAppendQuery(t *testing.T, newStore func(t *testing.T) store.Store) {
	l := logOf(t, newStore(t))
	ctx := t.Context()
	e := entry(0, "acme", store.OutcomeRejected)
	e.ScimType, e.Detail, e.Operations, e.Seq = "uniqueness", "userName is taken", 3, 99
	e.BulkResults = []store.BulkResult{
		{Method: "POST", BulkID: "q1", Status: 201, Location: "https://h/scim/v2/Users/id-1", Version: `W/"1"`},
		{Method: "PATCH", Status: 409, ScimType: "uniqueness"},
		{Method: "POST", BulkID: "g1", Status: 201, Location: "https://h/scim/v2/Groups/id-2", DroppedMembers: []string{"ghost"}},
		{Method: "DELETE", Status: 204},
	}
	e.DroppedMembers = []string{"does-not-exist", "c0ffee00-0000-4000-8000-000000000000"}
	results := append([]store.BulkResult(nil), e.BulkResults...)
	results[2].DroppedMembers = []string{"ghost"} // not shared with e
	dropped := append([]string(nil), e.DroppedMembers...)
	seq1, err := l.Append(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	e.BulkResults[0].Status = 500 // Append copied them
	e.BulkResults[2].DroppedMembers[0] = "changed"
	e.DroppedMembers[0] = "changed"
	e.BulkResults, e.DroppedMembers = results, dropped
	seq2, err := l.Append(ctx, store.ProvisioningEntry{Tenant: "acme", Method: "DELETE"})
	if err != nil {
		t.Fatal(err)
	}
	if seq1 <= 0 || seq2 <= seq1 {
		t.Fatalf("Append returned seqs %d, %d; want positive and increasing", seq1, seq2)
	}
	page, err := l.Query(ctx, store.ProvisioningFilter{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.NextCursor != "" {
		t.Fatalf("Query = %d entries, cursor %q; want 2 and none", len(page.Entries), page.NextCursor)
	}
	aboutNow(t, "zero Time", page.Entries[0].Time)
	e.Seq, e.Time = seq1, us(e.Time)
	diff(t, "stored entry", e, page.Entries[1])
	page.Entries[1].BulkResults[0].BulkID = "changed" // Query returned copies
	page.Entries[1].DroppedMembers[0] = "changed"
	again, err := l.Query(ctx, store.ProvisioningFilter{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "stored entry read again", e, again.Entries[1])
	var empty store.ProvisioningEntry
	empty.Time, empty.Tenant, empty.Method, empty.Seq = us(page.Entries[0].Time), "acme", "DELETE", seq2
	diff(t, "entry with zero fields", empty, page.Entries[0])
}

func testLogFilters(t *testing.T, newStore func(t *testing.T) store.Store) {
	l := logOf(t, newStore(t))
	ctx := t.Context()
	outcomes := []store.Outcome{store.OutcomeSuccess, store.OutcomeRejected, store.OutcomeError}
	var all []int64 // seq of entry i
	for i := range 12 {
		tenant := "a"
		if i%2 == 1 {
			tenant = "b"
		}
		e := entry(i, tenant, outcomes[i%3])
		if i%4 == 3 {
			e.IdP, e.Method, e.ResourceType, e.Status = "entra", "PATCH", "Group", 404
		}
		seq, err := l.Append(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, seq)
	}
	pick := func(is ...int) []int64 {
		out := []int64{}
		for k := len(is) - 1; k >= 0; k-- { // newest first
			out = append(out, all[is[k]])
		}
		return out
	}
	tests := []struct {
		name string
		f    store.ProvisioningFilter
		want []int64
	}{
		{"all", store.ProvisioningFilter{}, pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)},
		{"tenant", store.ProvisioningFilter{Tenant: "a"}, pick(0, 2, 4, 6, 8, 10)},
		{"unknown tenant", store.ProvisioningFilter{Tenant: "c"}, pick()},
		{"since inclusive", store.ProvisioningFilter{Since: us(t0).Add(9 * time.Minute)}, pick(9, 10, 11)},
		{"until exclusive", store.ProvisioningFilter{Until: us(t0).Add(2 * time.Minute)}, pick(0, 1)},
		{"window", store.ProvisioningFilter{Since: us(t0).Add(3 * time.Minute), Until: us(t0).Add(5 * time.Minute)}, pick(3, 4)},
		{"resource", store.ProvisioningFilter{ResourceID: "id-1"}, pick(1, 4, 7, 10)},
		{"outcome", store.ProvisioningFilter{Outcome: store.OutcomeError}, pick(2, 5, 8, 11)},
		{"combined", store.ProvisioningFilter{Tenant: "b", Outcome: store.OutcomeSuccess, Since: us(t0).Add(4 * time.Minute)}, pick(9)},
		{"limit", store.ProvisioningFilter{Tenant: "a", Limit: 2}, pick(8, 10)},
		{"idp", store.ProvisioningFilter{IdP: "entra"}, pick(3, 7, 11)},
		{"method", store.ProvisioningFilter{Method: "PATCH"}, pick(3, 7, 11)},
		{"method is exact", store.ProvisioningFilter{Method: "patch"}, pick()},
		{"resource type", store.ProvisioningFilter{ResourceType: "User", Tenant: "b"}, pick(1, 5, 9)},
		{"status", store.ProvisioningFilter{Status: 500}, pick(2, 5, 8)},
		{"status of other", store.ProvisioningFilter{Status: 404, Outcome: store.OutcomeError}, pick(11)},
		{"request id", store.ProvisioningFilter{RequestID: "req-4"}, pick(4)},
		{"seq", store.ProvisioningFilter{Seq: all[5]}, pick(5)},
		{"seq and other tenant", store.ProvisioningFilter{Seq: all[5], Tenant: "a"}, pick()},
		{"unknown seq", store.ProvisioningFilter{Seq: all[11] + 1}, pick()},
		{"idp and method paged", store.ProvisioningFilter{IdP: "okta", Method: "POST", Limit: 3}, pick(8, 9, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := l.Query(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "Seqs", tt.want, seqs(page.Entries))
		})
	}
	_, err := l.Query(ctx, store.ProvisioningFilter{Cursor: "garbage"})
	wantErr(t, "Query with bad cursor", err, store.ErrInvalidCursor)
}

func testLogPaging(t *testing.T, newStore func(t *testing.T) store.Store) {
	l := logOf(t, newStore(t))
	ctx := t.Context()
	for i := range 25 {
		if _, err := l.Append(ctx, entry(i, "a", store.OutcomeSuccess)); err != nil {
			t.Fatal(err)
		}
	}
	f := store.ProvisioningFilter{Tenant: "a", Limit: 10}
	var got []int64
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := l.Query(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seqs(page.Entries)...)
		// Appends while paging go to the front and are not seen.
		if _, err := l.Append(ctx, entry(100+pages, "a", store.OutcomeSuccess)); err != nil {
			t.Fatal(err)
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(got) != 25 {
		t.Fatalf("paged through %d entries, want 25: %v", len(got), got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("entries not newest first or repeated: %v", got)
		}
	}
}

func testLogPrune(t *testing.T, newStore func(t *testing.T) store.Store) {
	l := logOf(t, newStore(t))
	ctx := t.Context()
	for i := range 10 {
		if _, err := l.Append(ctx, entry(i, "a", store.OutcomeSuccess)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := l.Prune(ctx, us(t0).Add(4*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Prune deleted %d, want 4", n)
	}
	page, _ := l.Query(ctx, store.ProvisioningFilter{})
	if len(page.Entries) != 6 || !page.Entries[5].Time.Equal(us(t0).Add(4*time.Minute)) {
		t.Errorf("after Prune: %d entries, oldest %v", len(page.Entries), page.Entries[len(page.Entries)-1].Time)
	}
	if n, _ := l.Prune(ctx, t0); n != 0 {
		t.Errorf("second Prune deleted %d, want 0", n)
	}
}
