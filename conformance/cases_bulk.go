package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// Bulk cases (RFC 7644 §3.7), run only when /ServiceProviderConfig
// advertises bulk.supported. Levels follow the RFC's wording:
//
//   - §3.7: "The service provider MUST continue performing as many changes
//     as possible and disregard partial failures."
//   - §3.7: "The service provider MUST return the same "bulkId" together
//     with the newly created resource."; §3.7.2 shows a Group created with
//     "members":[{"value":"bulkId:qwerty"}] holding the id of the User that
//     the POST with bulkId "qwerty" created.
//   - §3.7.1: "The service provider MUST try to resolve circular
//     cross-references between resources in a single bulk job but MAY stop
//     after a failed attempt and instead return HTTP status code 409
//     (Conflict)." A cycle is a forward reference seen from its first
//     operation, so a forward reference MUST be resolved or answered 409.
//   - §3.7 failOnErrors: "An integer specifying the number of errors that
//     the service provider will accept before the operation is terminated
//     and an error response is returned." It is the client's only way to
//     override the MUST above, so it is checked at the same level.
//   - §3.7 version: "Version MAY be used if the service provider supports
//     entity-tags (ETags)"; it is the operation's If-Match, and RFC 7232
//     §3.1: the server "MUST NOT perform the requested method if the
//     condition evaluates to false" (412, as in the §3.7.3 example).
//   - §3.7.3: "The service provider response MUST include the result of all
//     processed operations. A "location" attribute that includes the
//     resource's endpoint MUST be returned for all operations except for
//     failed POST operations"; "When indicating an error, the "response"
//     attribute MUST contain the detail error response as per Section 3.12."
//   - §3.7.4: "If either limit is exceeded, the service provider MUST
//     return HTTP response code 413 (Request Entity Too Large). The
//     returned response MUST specify the limit exceeded in the body of the
//     error response."
//   - status: §3.7 defines it as "The HTTP response status code for the
//     requested operation" without a JSON type; every example of §3.7 writes
//     it as a string, as §3.12 requires of the error's status, so a number
//     is a SHOULD-level warning.
var (
	needBulk       = []Feature{FeatureBulk}
	needBulkGroups = []Feature{FeatureBulk, FeatureGroups}
)

// maxBulkOpsProbe is the largest advertised maxOperations the suite tests
// by sending maxOperations+1 operations; above it the case is skipped.
const maxBulkOpsProbe = 1000

// maxBulkPayloadProbe is the largest advertised maxPayloadSize the suite
// tests by sending one byte more.
const maxBulkPayloadProbe = 16 << 20

func init() {
	register(
		Case{ID: "bulk.bulkid.user-and-group", Title: "a user and a group whose member is \"bulkId:…\" of the user (§3.7.2 example): both created, the member is the user's new id",
			Requirement: must("RFC 7644 §3.7, §3.7.2"), Profiles: rfc, Needs: needBulkGroups, Func: bulkUserAndGroup},
		Case{ID: "bulk.bulkid.forward-reference", Title: "a group referring to \"bulkId:…\" of a user created by a later operation gets the user as member (or 409)",
			Requirement: must("RFC 7644 §3.7.1"), Profiles: rfc, Needs: needBulkGroups, Func: bulkForwardRef},
		Case{ID: "bulk.partial-failure-continues", Title: "an operation after a failed one is still performed",
			Requirement: must("RFC 7644 §3.7"), Profiles: rfc, Needs: needBulk, Func: bulkContinues},
		Case{ID: "bulk.fail-on-errors", Title: "failOnErrors 1 stops processing after the first error",
			Requirement: must("RFC 7644 §3.7 (failOnErrors)"), Profiles: rfc, Needs: needBulk, Func: bulkFailOnErrors},
		Case{ID: "bulk.max-operations-413", Title: "maxOperations+1 operations are 413, naming the limit",
			Requirement: must("RFC 7644 §3.7.4"), Profiles: rfc, Needs: needBulk, Func: bulkMaxOperations},
		Case{ID: "bulk.max-payload-413", Title: "a body of maxPayloadSize+1 bytes is 413, naming the limit",
			Requirement: must("RFC 7644 §3.7.4"), Profiles: rfc, Needs: needBulk, Func: bulkMaxPayload},
		Case{ID: "bulk.version-stale-412", Title: "an operation with a stale version is 412 and changes nothing; the current version succeeds",
			Requirement: must("RFC 7644 §3.7, §3.14; RFC 7232 §3.1"), Profiles: rfc, Needs: []Feature{FeatureBulk, FeatureETag}, Func: bulkVersion},
		Case{ID: "bulk.response.shape", Title: "the BulkResponse: schema, one result per operation, method, bulkId, location except for failed POSTs, error responses",
			Requirement: must("RFC 7644 §3.7, §3.7.3"), Profiles: rfc, Needs: needBulk, Func: bulkShape},
		Case{ID: "bulk.response.status-string", Title: "operation statuses are JSON strings such as \"201\", as in every RFC example",
			Requirement: should("RFC 7644 §3.7.3 (examples), §3.12"), Profiles: rfc, Needs: needBulk, Func: bulkStatusString},
	)
}

func groupData(name string, members ...any) obj {
	g := obj{"schemas": []any{groupURN}, "displayName": name}
	if len(members) > 0 {
		g["members"] = members
	}
	return g
}

// unknownID returns an id no server has: a unique name of the run.
func unknownID(t *T) string { return t.Name("unknown") }

func bulkUserAndGroup(ctx context.Context, t *T) {
	res, rs := sendBulk(t, 0,
		bulkOp(http.MethodPost, "/Users", "qwerty", userBody(t.Name("bulk-alice"), nil)),
		bulkOp(http.MethodPost, "/Groups", "ytrewq", groupData(t.Name("bulk-tour-guides"), obj{"type": "User", "value": "bulkId:qwerty"})))
	mustBulk(t, res, rs, 2)
	userID := created(t, byBulkID(t, rs, "qwerty"), "POST /Users (bulkId qwerty)")
	g := byBulkID(t, rs, "ytrewq")
	created(t, g, "POST /Groups (bulkId ytrewq)")
	got := memberValues(get(t, relativeResource(g.Location)))
	if d := cmp.Diff([]string{userID}, got); d != "" {
		t.Errorf("members of the group: \"bulkId:qwerty\" not replaced by the user's id (-want +got):\n%s", d)
	}
}

func bulkForwardRef(ctx context.Context, t *T) {
	res, rs := sendBulk(t, 0,
		bulkOp(http.MethodPost, "/Groups", "fwd-group", groupData(t.Name("bulk-fwd-group"), obj{"type": "User", "value": "bulkId:fwd-user"})),
		bulkOp(http.MethodPost, "/Users", "fwd-user", userBody(t.Name("bulk-fwd-user"), nil)))
	mustBulk(t, res, rs, 2)
	userID := created(t, byBulkID(t, rs, "fwd-user"), "POST /Users (bulkId fwd-user)")
	g := byBulkID(t, rs, "fwd-group")
	if g.Status == http.StatusConflict {
		t.Logf("the group referring forward was answered 409, which §3.7.1 allows after a failed attempt")
		return
	}
	created(t, g, "POST /Groups referring to a later bulkId")
	if d := cmp.Diff([]string{userID}, memberValues(get(t, relativeResource(g.Location)))); d != "" {
		t.Errorf("members of the group (-want +got):\n%s", d)
	}
}

func bulkContinues(ctx context.Context, t *T) {
	res, rs := sendBulk(t, 0,
		bulkOp(http.MethodDelete, "/Users/"+unknownID(t), "", nil),
		bulkOp(http.MethodPost, "/Users", "after-failure", userBody(t.Name("bulk-after-failure"), nil)))
	mustBulk(t, res, rs, 2)
	created(t, byBulkID(t, rs, "after-failure"), "POST /Users after a failed DELETE")
	for _, r := range rs {
		if strings.EqualFold(r.Method, http.MethodDelete) && r.Status != http.StatusNotFound {
			t.Errorf("DELETE of an unknown id: status %v, want \"404\"", r.RawStatus)
		}
	}
}

func bulkFailOnErrors(ctx context.Context, t *T) {
	name := t.Name("bulk-not-processed")
	res, rs := sendBulk(t, 1,
		bulkOp(http.MethodDelete, "/Users/"+unknownID(t), "", nil),
		bulkOp(http.MethodPost, "/Users", "not-processed", userBody(name, nil)))
	if res.Status == http.StatusOK && len(rs) > 1 {
		t.Errorf("failOnErrors 1: %d operation results, want only the failed one: %s", len(rs), describeResults(rs))
	} else if res.Status != http.StatusOK && (res.Status < 400 || res.Status >= 500) {
		t.Errorf("failOnErrors 1: status %d, want 200 with the processed operations or an error response", res.Status)
	}
	for _, r := range rs {
		if r.BulkID == "not-processed" && r.Status >= 200 && r.Status < 300 {
			t.Errorf("the operation after the first error was performed: %s", describeResults(rs))
		}
	}
	if t.Features().Has(FeatureFilter) {
		if _, found := list(t, filterPath("/Users", "userName eq "+q(name))); len(found) != 0 {
			t.Errorf("the user of the operation after the first error exists")
		}
	}
}

func bulkMaxOperations(ctx context.Context, t *T) {
	limit, payload := t.Features().BulkLimits()
	switch {
	case limit <= 0:
		t.Skipf("bulk.maxOperations is not advertised")
	case limit > maxBulkOpsProbe:
		t.Skipf("bulk.maxOperations is %d: the suite sends maxOperations+1 operations only up to %d", limit, maxBulkOpsProbe)
	}
	ops := make([]obj, limit+1)
	base := unknownID(t)
	for i := range ops {
		ops[i] = bulkOp(http.MethodDelete, fmt.Sprintf("/Users/%s-%d", base, i), "", nil)
	}
	body := mustMarshal(bulkBody(0, ops...))
	if payload > 0 && len(body) > payload {
		t.Skipf("%d operations take %d bytes, over maxPayloadSize %d: the limits cannot be told apart", limit+1, len(body), payload)
	}
	res := t.Do(http.MethodPost, "/Bulk", body)
	checkError(t, res, fmt.Sprintf("POST /Bulk with %d operations (maxOperations %d)", limit+1, limit), http.StatusRequestEntityTooLarge, "")
	if res.Status == http.StatusRequestEntityTooLarge && !strings.Contains(string(res.Body), strconv.Itoa(limit)) {
		t.Errorf("the 413 body does not name the limit %d: %s", limit, truncate(res.Body, 300))
	}
}

func bulkMaxPayload(ctx context.Context, t *T) {
	_, limit := t.Features().BulkLimits()
	switch {
	case limit <= 0:
		t.Skipf("bulk.maxPayloadSize is not advertised")
	case limit > maxBulkPayloadProbe:
		t.Skipf("bulk.maxPayloadSize is %d: the suite sends one byte more only up to %d", limit, maxBulkPayloadProbe)
	}
	// One harmless operation, padded with JSON whitespace to limit+1 bytes.
	head := string(mustMarshal(bulkBody(0, bulkOp(http.MethodDelete, "/Users/"+unknownID(t), "", nil))))
	head = strings.TrimSuffix(head, "}")
	if len(head)+1 > limit+1 {
		t.Skipf("bulk.maxPayloadSize %d is smaller than one operation", limit)
	}
	body := head + strings.Repeat(" ", limit-len(head)) + "}"
	res := t.Do(http.MethodPost, "/Bulk", body)
	checkError(t, res, fmt.Sprintf("POST /Bulk of %d bytes (maxPayloadSize %d)", len(body), limit), http.StatusRequestEntityTooLarge, "")
	if res.Status == http.StatusRequestEntityTooLarge && !strings.Contains(string(res.Body), strconv.Itoa(limit)) {
		t.Errorf("the 413 body does not name the limit %d: %s", limit, truncate(res.Body, 300))
	}
}

func bulkVersion(ctx context.Context, t *T) {
	id, u := createUser(t, "bulk-version", obj{"title": "Original"})
	p := "/Users/" + id
	old, _ := version(t, p)
	t.Must(t.Do(http.MethodPut, p, userBody(u["userName"].(string), obj{"title": "Changed"})), "PUT "+p, http.StatusOK)
	current, _ := version(t, p)
	stale := bulkOp(http.MethodPut, p, "stale", userBody(u["userName"].(string), obj{"title": "Stale"}))
	stale["version"] = old
	res, rs := sendBulk(t, 0, stale)
	mustBulk(t, res, rs, 1)
	if rs[0].Status != http.StatusPreconditionFailed {
		t.Errorf("PUT with the stale version %s: status %v, want \"412\"", old, rs[0].RawStatus)
	}
	if g := get(t, p); g["title"] != "Changed" {
		t.Errorf("after the 412: title %#v, want \"Changed\"", g["title"])
	}
	fresh := bulkOp(http.MethodPut, p, "fresh", userBody(u["userName"].(string), obj{"title": "Fresh"}))
	fresh["version"] = current
	res, rs = sendBulk(t, 0, fresh)
	mustBulk(t, res, rs, 1)
	if rs[0].Status != http.StatusOK {
		t.Errorf("PUT with the current version %s: status %v, want \"200\"", current, rs[0].RawStatus)
	}
}

func bulkShape(ctx context.Context, t *T) {
	name := t.Name("bulk-shape")
	ops := []obj{
		bulkOp(http.MethodPost, "/Users", "shape-ok", userBody(name, nil)),
		bulkOp(http.MethodPost, "/Users", "shape-dup", userBody(name, nil)),
		bulkOp(http.MethodPut, "/Users/bulkId:shape-ok", "", userBody(name, obj{"title": "Shaped"})),
		bulkOp(http.MethodDelete, "/Users/"+unknownID(t), "", nil),
	}
	res, rs := sendBulk(t, 0, ops...)
	mustBulk(t, res, rs, len(ops))
	if m := res.JSON(); !hasString(m["schemas"], bulkResponseURN) {
		t.Errorf("schemas %v lack %s", m["schemas"], bulkResponseURN)
	}
	ok := byBulkID(t, rs, "shape-ok")
	created(t, ok, "POST /Users")
	if dup := byBulkID(t, rs, "shape-dup"); dup.Status != http.StatusConflict {
		t.Errorf("POST of a duplicate userName: status %v, want \"409\"", dup.RawStatus)
	}
	for i, r := range rs {
		checkBulkResult(t, r, ops, i)
	}
}

// checkBulkResult checks one operation result against §3.7.3.
func checkBulkResult(t *T, r bulkResult, ops []obj, i int) {
	what := fmt.Sprintf("Operations[%d] (%s bulkId=%q)", i, r.Method, r.BulkID)
	if r.Method == "" {
		t.Errorf("%s: no method", what)
	} else if !methodSent(ops, r.Method) {
		t.Errorf("%s: method %q was not sent", what, r.Method)
	}
	if r.Status < 100 || r.Status > 599 {
		t.Errorf("%s: status %#v is not an HTTP status code", what, r.RawStatus)
		return
	}
	failedPost := strings.EqualFold(r.Method, http.MethodPost) && r.Status >= 400
	if !failedPost && r.Location == "" {
		t.Errorf("%s: no location (required for every operation except a failed POST)", what)
	}
	if r.Status >= 400 {
		if r.Response == nil {
			t.Errorf("%s: status %d without the error \"response\"", what, r.Status)
		} else if !hasString(r.Response["schemas"], errorURN) {
			t.Errorf("%s: response schemas %v lack %s", what, r.Response["schemas"], errorURN)
		}
	}
}

func methodSent(ops []obj, m string) bool {
	for _, o := range ops {
		if strings.EqualFold(o["method"].(string), m) {
			return true
		}
	}
	return false
}

func bulkStatusString(ctx context.Context, t *T) {
	res, rs := sendBulk(t, 0,
		bulkOp(http.MethodPost, "/Users", "status", userBody(t.Name("bulk-status"), nil)),
		bulkOp(http.MethodDelete, "/Users/"+unknownID(t), "", nil))
	mustBulk(t, res, rs, 2)
	for i, r := range rs {
		if _, ok := r.RawStatus.(string); !ok {
			t.Errorf("Operations[%d].status is %s, want a JSON string such as %q", i, short(r.RawStatus), strconv.Itoa(r.Status))
		}
	}
}
