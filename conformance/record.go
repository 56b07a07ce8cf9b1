package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// RecordQuery selects the provisioning log entries that Record turns into
// a replay file.
type RecordQuery struct {
	// Tenant is the tenant whose traffic is recorded. Required.
	Tenant string
	// Since (inclusive) and Until (exclusive) bound the entries' Time;
	// zero means unbounded.
	Since, Until time.Time
	// IdP, when set, keeps only the entries of that client ("okta",
	// "entra" or "unknown", as store.ProvisioningEntry.IdP names them).
	IdP string
	// Dialect is written to the file as the dialect the tenant's requests
	// were read in (store.TenantRecord.Dialect), for people and tools.
	Dialect string
	// MaxEntries keeps only the newest entries of the range; 0 means
	// 100000.
	MaxEntries int
}

// Record turns the provisioning log entries of a tenant and time range
// (store.ProvisioningLog: the write requests, and the reads when the server
// ran with scim.Config.ProvisioningLogReads) into a replay file, oldest
// first, that Replay can send to any server:
//
//   - Requests are sent to the recorded path with its query, with the
//     recorded User-Agent, Content-Type (none when the IdP sent none) and
//     If-Match headers.
//   - The id a POST was answered with, or a /Bulk operation's location,
//     becomes a capture ("user1.id"), and every later occurrence of that
//     id, in a path, a query or anywhere in a body (members[].value, a
//     PATCH filter), becomes its {{placeholder}}. A version a later
//     If-Match names is captured too ("user1.v1", from meta.version or
//     the ETag), so recorded 412s and successes replay as such.
//   - userNames, group displayNames and externalIds sent by POST, PUT and
//     PATCH, and compared by the eq filters of lookups, are listed in
//     Unique, so replays never collide.
//   - Each step expects the recorded status (200 or 204 for PATCH), the
//     recorded scimType of an error, and the recorded response body as a
//     subset: the resource without meta (but its resourceType) and "$ref"s,
//     and without members that refer to resources the replay does not
//     create; for a filtered lookup, totalResults and the Resources; for a
//     /Bulk request, each operation's method, bulkId, status and scimType.
//     Entries whose response was not kept (older logs, truncated bodies)
//     expect the userName, displayName, externalId and active a created or
//     replaced resource was sent with.
//   - Bodies are redacted again (passwords, PATCH operations on them,
//     token-like strings) although the log is redacted already. A userName,
//     displayName or externalId the log redacted is replaced by a
//     synthesized value ("redacted-username-1"), the same for every
//     request about the same resource, so that the replay still creates
//     distinct resources.
//
// Entries that cannot be replayed are left out and listed in the file's
// Note: /Bulk requests logged without per-operation results, bodies the
// log truncated or omitted, answers that depend on the moment or the
// credential (401, 403, 304, 429, 5xx; 412 without a recorded If-Match),
// If-Match versions no recorded response carried, requests on resources
// created before the range (unless recorded 404), and anything depending
// on a request left out.
func Record(ctx context.Context, log store.ProvisioningLog, q RecordQuery) (*ReplayFile, error) {
	if q.Tenant == "" {
		return nil, errors.New("conformance: record: RecordQuery.Tenant is required")
	}
	entries, err := readLog(ctx, log, q)
	if err != nil {
		return nil, err
	}
	r := &recorder{vars: map[string]string{}, lost: map[string]bool{}, counts: map[string]int{}, unique: map[string]bool{},
		synth: map[string]string{}, keys: map[string]string{}, versions: map[string]string{},
		needVersion: neededVersions(entries)}
	idps := map[string]int{}
	var inFlight overlap
	for _, e := range entries {
		st, why := r.step(e)
		during := inFlight.during(e)
		if why != "" {
			r.dropped = append(r.dropped, fmt.Sprintf("seq %d %s %s (%d): %s", e.Seq, e.Method, e.Path, e.Status, why))
			continue
		}
		if during != 0 {
			r.concurrent = append(r.concurrent, e.Seq)
			st.Note = strings.TrimSpace(st.Note + fmt.Sprintf(" In flight at the same time as seq %d, which finished first; replayed after it.", during))
		}
		idps[e.IdP]++
		if isLookup(e) {
			r.reads++
		}
		r.file.Steps = append(r.file.Steps, st)
	}
	r.file.IdP = q.IdP
	if r.file.IdP == "" {
		r.file.IdP = mostFrequent(idps)
	}
	r.file.Dialect = q.Dialect
	r.file.Source = fmt.Sprintf("scimkit provisioning log, tenant %q, %s to %s: %d requests", q.Tenant,
		timeOrOpen(q.Since, "the start"), timeOrOpen(q.Until, "now"), len(entries))
	r.file.Note = r.note()
	if r.file.Steps == nil {
		r.file.Steps = []ReplayStep{}
	}
	return &r.file, nil
}

// readLog returns the selected entries, oldest first.
func readLog(ctx context.Context, log store.ProvisioningLog, q RecordQuery) ([]store.ProvisioningEntry, error) {
	limit := q.MaxEntries
	if limit <= 0 {
		limit = 100000
	}
	f := store.ProvisioningFilter{Tenant: q.Tenant, Since: q.Since, Until: q.Until, Limit: store.MaxProvisioningLimit}
	var out []store.ProvisioningEntry
	for len(out) < limit {
		page, err := log.Query(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("conformance: record: provisioning log: %w", err)
		}
		for _, e := range page.Entries {
			if e.Tenant == q.Tenant && (q.IdP == "" || e.IdP == q.IdP) {
				out = append(out, e)
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(out) > limit {
		out = out[:limit]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// recorder turns entries into steps, tracking the ids it can map.
type recorder struct {
	file ReplayFile
	// vars maps a recorded server id to its placeholder name.
	vars map[string]string
	// lost holds ids created by requests that were left out.
	lost     map[string]bool
	counts   map[string]int
	unique   map[string]bool
	dropped  []string
	redacted int
	// synth holds the values standing for redacted identity values, by
	// resource key and attribute; keys maps created ids to resource keys.
	synth    map[string]string
	keys     map[string]string
	restored int
	// versions maps "id version" to the placeholder capturing it;
	// needVersion holds the "id version" pairs some If-Match names.
	versions    map[string]string
	needVersion map[string]bool
	reads       int
	oldHeaders  int // entries from a log that kept no headers
	// concurrent holds the Seqs of steps that were in flight at the same
	// time as a request that finished before them (see overlap).
	concurrent []int64
}

// overlap finds requests an IdP sent concurrently. The log is in Seq
// order, the order requests finished; a request that arrived before one
// logged earlier had finished was in flight with it, and the answer of
// either may depend on the other being half done (a 409 or 404 from a
// race), which a replay, one request at a time, cannot reproduce.
type overlap struct {
	end time.Time // the latest end of the requests seen so far
	seq int64     // the request that ends then
}

// during returns the Seq of a request logged before e that had not
// finished when e arrived, or 0, and records e.
func (o *overlap) during(e store.ProvisioningEntry) int64 {
	var seq int64
	if !e.Time.IsZero() && e.Time.Before(o.end) {
		seq = o.seq
	}
	if end := e.Time.Add(e.Latency); end.After(o.end) {
		o.end, o.seq = end, e.Seq
	}
	return seq
}

// collectUnique lists the values a replay must make unique: userNames,
// externalIds and the displayNames of other types, as created, replaced
// or patched.
func (r *recorder) collectUnique(method, resourceType string, body any) {
	b, _ := body.(map[string]any)
	keys := []string{"userName", "externalId"}
	if !strings.EqualFold(resourceType, "User") {
		keys = append(keys, "displayName")
	}
	switch method {
	case http.MethodPost, http.MethodPut:
		r.addUnique(b, keys)
	case http.MethodPatch:
		ops, _ := b["Operations"].([]any)
		for _, o := range ops {
			op, _ := o.(map[string]any)
			if v, ok := op["value"].(map[string]any); ok {
				r.addUnique(v, keys)
			} else if p, _ := op["path"].(string); p != "" {
				r.addUnique(map[string]any{p: op["value"]}, keys)
			}
		}
	}
}

func (r *recorder) addUnique(m map[string]any, keys []string) {
	for _, k := range keys {
		x, _ := lookupFold(m, k)
		v, _ := x.(string)
		if v == "" || v == redactedValue || r.unique[strings.ToLower(v)] || r.vars[v] != "" {
			continue
		}
		r.unique[strings.ToLower(v)] = true
		r.file.Unique = append(r.file.Unique, v)
	}
}

func (r *recorder) note() string {
	var b strings.Builder
	b.WriteString("Recorded by scimkit conformance.Record from the provisioning log: requests are sent with the " +
		"recorded query, User-Agent, Content-Type and If-Match, and expect the recorded status and response.")
	if r.reads == 0 {
		b.WriteString(" No lookups (GET, .search) were recorded: the server logs them only with scim.Config.ProvisioningLogReads.")
	} else {
		fmt.Fprintf(&b, " Includes %d lookups.", r.reads)
	}
	if r.oldHeaders > 0 {
		fmt.Fprintf(&b, " %d requests come from a log that kept no headers: their bodies are sent as "+
			"application/scim+json, Okta's with Okta's User-Agent.", r.oldHeaders)
	}
	if r.redacted > 0 {
		fmt.Fprintf(&b, " Re-redacted %d values the log had kept.", r.redacted)
	}
	if r.restored > 0 {
		fmt.Fprintf(&b, " Replaced %d identity values the log had redacted by synthesized ones (redacted-…).", r.restored)
	}
	if len(r.dropped) > 0 {
		fmt.Fprintf(&b, " Left out %d requests: %s.", len(r.dropped), strings.Join(r.dropped, "; "))
	}
	if n := len(r.concurrent); n > 0 {
		fmt.Fprintf(&b, " %d requests were in flight at the same time as one that finished before them (the IdP sends concurrently; seq %s): "+
			"a replay sends one at a time in the order they finished, so a step whose recorded answer came from a race "+
			"(a 409 or 404 because the other request was half done) can differ without the server being wrong.",
			n, joinSeqs(r.concurrent, 10))
	}
	return b.String()
}

// joinSeqs lists up to limit Seqs, then how many more.
func joinSeqs(seqs []int64, limit int) string {
	var parts []string
	for i, s := range seqs {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(seqs)-limit))
			break
		}
		parts = append(parts, fmt.Sprint(s))
	}
	return strings.Join(parts, ", ")
}

func mostFrequent(m map[string]int) string {
	best, n := "", 0
	for k, v := range m {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

func timeOrOpen(t time.Time, open string) string {
	if t.IsZero() {
		return open
	}
	return t.UTC().Format(time.RFC3339)
}
