package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// defect is a server with one deliberate bug and the cases that must
// catch it.
type defect struct {
	name  string
	store func(t *testing.T) store.Store
	rts   []*schema.ResourceType
	wrap  func(http.Handler) http.Handler
	// caught are case ids that must fail (MUST/IDP) or warn (SHOULD/MAY).
	caught []string
}

// TestBrokenServers runs the cases meant to catch each defect against a
// server with exactly that defect, and checks that they report it.
func TestBrokenServers(t *testing.T) {
	defects := []defect{
		{name: "case-sensitive userName", rts: []*schema.ResourceType{caseExactUser(t), schema.GroupResourceType()},
			caught: []string{"users.create.duplicate-case-insensitive", "filter.eq.username-case-insensitive"}},
		{name: "lost membership update", wrap: lostMemberUpdate,
			caught: []string{"concurrency.member-adds"}},
		{name: "wrong totalResults", store: func(*testing.T) store.Store { return pageTotalIsPageSize{memory.New()} },
			caught: []string{"page.count-zero", "page.index"}},
		{name: "PATCH not atomic", wrap: patchOpByOp,
			caught: []string{"patch.atomic"}},
		{name: "remove by value list empties the group", wrap: removeAllMembers,
			caught: []string{"groups.patch.remove-members-value-list"}},
		{name: "400 instead of 404", wrap: status404As400,
			caught: []string{"users.get.unknown-404", "users.delete.204-then-404", "delete.user.operations-404", "delete.group.operations-404"}},
		{name: "If-Match ignored", wrap: dropIfMatch,
			caught: []string{"etag.if-match-stale-412", "etag.race"}},
		{name: "bulkId references dropped", wrap: rewriteBulk(dropBulkIDRefs),
			caught: []string{"bulk.bulkid.user-and-group", "bulk.bulkid.forward-reference"}},
		{name: "bulk limits advertised but not enforced", wrap: advertiseBulkLimits(5, 2000),
			caught: []string{"bulk.max-operations-413", "bulk.max-payload-413"}},
		{name: "DELETE deactivates", wrap: deleteDeactivates,
			caught: []string{"users.delete.204-then-404", "delete.user.operations-404", "delete.user.omitted-from-queries", "delete.user.username-reusable"}},
		{name: "deleted resources stay referenced", wrap: staleReferences,
			caught: []string{"groups.delete-user-leaves-group", "groups.delete-group-leaves-users"}},
		{name: "loose ServiceProviderConfig", wrap: rewriteSPC(func(spc map[string]any) {
			spc["bulk"].(map[string]any)["maxOperations"] = "1000"
			delete(spc["filter"].(map[string]any), "maxResults")
			spc["authenticationSchemes"].([]any)[0].(map[string]any)["type"] = "bearer"
		}),
			caught: []string{"discovery.spc.strict"}},
		{name: "failOnErrors ignored", wrap: rewriteBulk(func(b map[string]any) { delete(b, "failOnErrors") }),
			caught: []string{"bulk.fail-on-errors"}},
	}
	for _, d := range defects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			st := store.Store(memory.New())
			if d.store != nil {
				st = d.store(t)
			}
			tg := target(newServer(t, st, d.wrap, d.rts...))
			tg.Run = regexp.MustCompile("^(" + strings.Join(quoteAll(d.caught), "|") + ")$")
			report := (&conformance.Runner{Target: tg}).Run(t.Context())
			if len(report.Results) != len(d.caught) {
				t.Fatalf("ran %d cases, want %d", len(report.Results), len(d.caught))
			}
			for _, r := range report.Results {
				if r.Status != conformance.StatusFail && r.Status != conformance.StatusWarn {
					t.Errorf("%s: status %s, want the defect reported", r.ID, r.Status)
					continue
				}
				t.Logf("%s caught it: %s", r.ID, firstLine(r.Detail))
			}
		})
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = regexp.QuoteMeta(x)
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// caseExactUser is the User type with a caseExact userName, so that
// uniqueness and filters compare it case-sensitively.
func caseExactUser(t *testing.T) *schema.ResourceType {
	base := schema.UserResourceType()
	data, err := json.Marshal(base.Schema)
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	json.Unmarshal(data, &def)
	for _, a := range def["attributes"].([]any) {
		if a := a.(map[string]any); a["name"] == "userName" {
			a["caseExact"] = true
		}
	}
	data, _ = json.Marshal(def)
	s, err := schema.ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := schema.NewResourceType(&schema.ResourceType{ID: "User", Name: "User", Endpoint: "/Users",
		Description: base.Description, Schema: s, Extensions: base.Extensions})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// pageTotalIsPageSize reports the size of the page as totalResults.
type pageTotalIsPageSize struct{ store.Store }

func (s pageTotalIsPageSize) List(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query) (*store.Page, error) {
	p, err := s.Store.List(ctx, tenant, rt, q)
	if p != nil {
		p.TotalResults = len(p.Resources)
	}
	return p, err
}

// serveInner runs r against h and returns the recorded response.
func serveInner(h http.Handler, r *http.Request, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(r.Context(), method, path, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

type patchReq struct {
	Schemas    []string         `json:"schemas"`
	Operations []map[string]any `json:"Operations"`
}

// readPatch returns the body of a PATCH to a resource, or nil.
func readPatch(r *http.Request, prefix string) (*patchReq, []byte) {
	if r.Method != http.MethodPatch || !strings.Contains(r.URL.Path, prefix) {
		return nil, nil
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var p patchReq
	if json.Unmarshal(body, &p) != nil {
		return nil, body
	}
	return &p, body
}

// lostMemberUpdate turns a member add into an unlocked read-modify-write
// (GET the group, wait, PUT it back with the new members).
func lostMemberUpdate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := readPatch(r, "/Groups/")
		if p == nil || len(p.Operations) != 1 || p.Operations[0]["op"] != "add" || p.Operations[0]["path"] != "members" {
			h.ServeHTTP(w, r)
			return
		}
		rec := serveInner(h, r, http.MethodGet, r.URL.Path, nil)
		var g map[string]any
		json.Unmarshal(rec.Body.Bytes(), &g)
		members, _ := g["members"].([]any)
		members = append(members, p.Operations[0]["value"].([]any)...)
		time.Sleep(20 * time.Millisecond)
		put, _ := json.Marshal(map[string]any{"schemas": g["schemas"], "displayName": g["displayName"], "members": members})
		rec = serveInner(h, r, http.MethodPut, r.URL.Path, put)
		w.WriteHeader(map[bool]int{true: http.StatusNoContent, false: rec.Code}[rec.Code == http.StatusOK])
	})
}

// patchOpByOp applies each operation of a PATCH as its own request.
func patchOpByOp(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := readPatch(r, "/Users/")
		if p == nil {
			h.ServeHTTP(w, r)
			return
		}
		var rec *httptest.ResponseRecorder
		for _, o := range p.Operations {
			one, _ := json.Marshal(patchReq{Schemas: p.Schemas, Operations: []map[string]any{o}})
			rec = serveInner(h, r, http.MethodPatch, r.URL.Path, one)
		}
		copyResponse(w, rec)
	})
}

// removeAllMembers reads RFC 7644 §3.5.2.2 literally: a remove of
// "members" without a filter removes every member, whatever the value.
func removeAllMembers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, _ := readPatch(r, "/Groups/"); p != nil {
			for _, o := range p.Operations {
				if op, _ := o["op"].(string); strings.EqualFold(op, "remove") && o["path"] == "members" {
					delete(o, "value")
				}
			}
			body, _ := json.Marshal(p)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		h.ServeHTTP(w, r)
	})
}

// status404As400 answers 400 where the server would answer 404.
func status404As400(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusNotFound {
			rec.Code = http.StatusBadRequest
			rec.Body = bytes.NewBufferString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"bad id"}`)
		}
		copyResponse(w, rec)
	})
}

// dropIfMatch ignores If-Match.
func dropIfMatch(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("If-Match")
		h.ServeHTTP(w, r)
	})
}

// rewriteBulk changes the BulkRequest before the server sees it.
func rewriteBulk(f func(map[string]any)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Bulk") {
				body, _ := io.ReadAll(r.Body)
				var b map[string]any
				if json.Unmarshal(body, &b) == nil {
					f(b)
					body, _ = json.Marshal(b)
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
			}
			h.ServeHTTP(w, r)
		})
	}
}

// dropBulkIDRefs is a server that silently drops the members it cannot
// resolve, "bulkId:…" references included (RFC 7644 §3.7.2).
func dropBulkIDRefs(b map[string]any) {
	ops, _ := b["Operations"].([]any)
	for _, o := range ops {
		data, _ := o.(map[string]any)["data"].(map[string]any)
		members, _ := data["members"].([]any)
		kept := []any{}
		for _, m := range members {
			if v, _ := m.(map[string]any)["value"].(string); !strings.HasPrefix(v, "bulkId:") {
				kept = append(kept, m)
			}
		}
		if data != nil {
			data["members"] = kept
		}
	}
}

// advertiseBulkLimits makes /ServiceProviderConfig advertise smaller bulk
// limits than the server enforces.
func advertiseBulkLimits(ops, payload int) func(http.Handler) http.Handler {
	return rewriteSPC(func(spc map[string]any) {
		if bulk, ok := spc["bulk"].(map[string]any); ok {
			bulk["maxOperations"], bulk["maxPayloadSize"] = ops, payload
		}
	})
}

// rewriteSPC passes the /ServiceProviderConfig answer through f.
func rewriteSPC(f func(map[string]any)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			var spc map[string]any
			json.Unmarshal(rec.Body.Bytes(), &spc)
			f(spc)
			body, _ := json.Marshal(spc)
			rec.Body = bytes.NewBuffer(body)
			copyResponse(w, rec)
		})
	}
}

// deleteDeactivates is the old soft delete: DELETE /Users/{id} sets
// active to false and answers 204, and the user stays readable.
func deleteDeactivates(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete || !strings.Contains(r.URL.Path, "/Users/") {
			h.ServeHTTP(w, r)
			return
		}
		body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		rec := serveInner(h, r, http.MethodPatch, r.URL.Path, body)
		if rec.Code == http.StatusOK {
			rec = httptest.NewRecorder()
			rec.WriteHeader(http.StatusNoContent)
		}
		copyResponse(w, rec)
	})
}

// staleReferences deletes correctly but keeps answering with the deleted
// resource in the references to it: a deleted user among its former
// groups' members, a deleted group among its former members' groups.
func staleReferences(h http.Handler) http.Handler {
	var mu sync.Mutex
	stale := map[string][]any{} // resource path → references to add
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, id, ok := resourcePath(r.URL.Path)
		if !ok || (r.Method != http.MethodDelete && r.Method != http.MethodGet) {
			h.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodDelete {
			var before map[string]any
			json.Unmarshal(serveInner(h, r, http.MethodGet, r.URL.Path, nil).Body.Bytes(), &before)
			refs, other := "groups", "/Groups/"
			if kind == "Groups" {
				refs, other = "members", "/Users/"
			}
			refList, _ := before[refs].([]any)
			mu.Lock()
			for _, ref := range refList {
				if v, _ := ref.(map[string]any)["value"].(string); v != "" {
					stale[other+v] = append(stale[other+v], map[string]any{"value": id})
				}
			}
			mu.Unlock()
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		mu.Lock()
		add := stale["/"+kind+"/"+id]
		mu.Unlock()
		var res map[string]any
		if rec.Code == http.StatusOK && len(add) > 0 && json.Unmarshal(rec.Body.Bytes(), &res) == nil {
			refs := map[string]string{"Users": "groups", "Groups": "members"}[kind]
			list, _ := res[refs].([]any)
			res[refs] = append(list, add...)
			body, _ := json.Marshal(res)
			rec.Body = bytes.NewBuffer(body)
		}
		copyResponse(w, rec)
	})
}

// resourcePath splits ".../Users/{id}" or ".../Groups/{id}".
func resourcePath(p string) (kind, id string, ok bool) {
	parts := strings.Split(strings.TrimRight(p, "/"), "/")
	if len(parts) < 2 {
		return "", "", false
	}
	kind, id = parts[len(parts)-2], parts[len(parts)-1]
	return kind, id, (kind == "Users" || kind == "Groups") && id != ""
}
