package scim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// fastArgon2 keeps the tests quick; the defaults are tested in package
// password.
var fastArgon2 = password.Argon2id{Memory: 64, Time: 1}

// newPasswordHandler serves tenant t1 with hashing and t2 with the
// default policy (drop).
func newPasswordHandler(t *testing.T) (*Handler, store.Store) {
	t.Helper()
	st := memory.New()
	h := newTestHandler(t, Config{Store: st, Tenant: func(_ context.Context, tenant string) (TenantConfig, error) {
		if tenant == "t1" {
			return TenantConfig{Password: fastArgon2}, nil
		}
		return TenantConfig{}, nil
	}})
	return h, st
}

// storedUser reads a user straight from the store, password included.
func storedUser(t *testing.T, h *Handler, st store.Store, tenant, id string) *schema.Resource {
	t.Helper()
	res, err := st.Get(t.Context(), tenant, h.passwordType.rt, id, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const patchHead = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`

// TestPasswordWritePaths sends a password through every write path: a
// tenant that hashes stores a hash that verifies, a tenant that drops
// stores nothing, and the clear text is never stored or answered.
func TestPasswordWritePaths(t *testing.T) {
	for _, tt := range []struct {
		name   string
		method string // POST creates; others act on a user created first
		body   func(pw string) string
	}{
		{"POST", "POST", func(pw string) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"` + pw + `"}`
		}},
		{"POST qualified", "POST", func(pw string) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","urn:ietf:params:scim:schemas:core:2.0:User:password":"` + pw + `"}`
		}},
		{"PUT", "PUT", func(pw string) string {
			return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","PASSWORD":"` + pw + `"}`
		}},
		{"PATCH path", "PATCH", func(pw string) string {
			return patchHead + `{"op":"replace","path":"password","value":"` + pw + `"}]}`
		}},
		{"PATCH add", "PATCH", func(pw string) string {
			return patchHead + `{"op":"add","path":"password","value":"` + pw + `"}]}`
		}},
		{"PATCH URN path", "PATCH", func(pw string) string {
			return patchHead + `{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"` + pw + `"}]}`
		}},
		{"PATCH no path", "PATCH", func(pw string) string {
			return patchHead + `{"op":"replace","value":{"active":true,"password":"` + pw + `"}}]}`
		}},
		{"PATCH no path URN key", "PATCH", func(pw string) string {
			return patchHead + `{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:password":"` + pw + `"}}]}`
		}},
		{"PATCH no path schema object", "PATCH", func(pw string) string {
			return patchHead + `{"op":"Replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"password":"` + pw + `"}}}]}`
		}},
		{"Bulk POST", "BULK", func(pw string) string {
			return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"` + pw + `"}}]}`
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, st := newPasswordHandler(t)
			for _, tenant := range []struct {
				id, token string
				hashes    bool
			}{{"t1", testToken, true}, {"t2", testToken2, false}} {
				const pw = "Sekr1t-Pa55word!"
				id := passwordWrite(t, h, tenant.token, tt.method, tt.body(pw))
				res := storedUser(t, h, st, tenant.id, id)
				raw, _ := json.Marshal(res)
				if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(pw)) {
					t.Fatalf("%s: the store holds the clear-text password: %s", tenant.id, raw)
				}
				stored, has := res.Attrs["password"].(string)
				if has != tenant.hashes {
					t.Fatalf("%s: stored password present = %v, want %v (%s)", tenant.id, has, tenant.hashes, raw)
				}
				ok, err := h.VerifyPassword(t.Context(), tenant.id, id, pw)
				if err != nil || ok != tenant.hashes {
					t.Errorf("%s: VerifyPassword = %v, %v; want %v, nil (stored %q)", tenant.id, ok, err, tenant.hashes, stored)
				}
				if ok, _ := h.VerifyPassword(t.Context(), tenant.id, id, pw+"x"); ok {
					t.Errorf("%s: a wrong password verifies", tenant.id)
				}
			}
		})
	}
}

// passwordWrite runs one write of TestPasswordWritePaths as token and
// returns the user's id.
func passwordWrite(t *testing.T, h *Handler, token, method, body string) string {
	t.Helper()
	if method == "BULK" {
		res := mustDo(t, h, request{method: "POST", target: "/Bulk", body: body, token: token}, 200)
		ops, _ := res.json["Operations"].([]any)
		op, _ := ops[0].(map[string]any)
		loc, _ := op["location"].(string)
		if op["status"] != "201" || loc == "" {
			t.Fatalf("bulk POST: %s", res.body)
		}
		return loc[strings.LastIndex(loc, "/")+1:]
	}
	if method == "POST" {
		res := mustDo(t, h, request{method: "POST", target: "/Users", body: body, token: token}, 201)
		if strings.Contains(strings.ToLower(string(res.body)), "password") {
			t.Errorf("POST response mentions the password: %s", res.body)
		}
		return res.json["id"].(string)
	}
	res := mustDo(t, h, request{method: "POST", target: "/Users", token: token,
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}`}, 201)
	id := res.json["id"].(string)
	res = mustDo(t, h, request{method: method, target: "/Users/" + id, body: body, token: token, headers: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"}}, 200)
	if strings.Contains(strings.ToLower(string(res.body)), "password") {
		t.Errorf("%s response mentions the password: %s", method, res.body)
	}
	return id
}

// TestPasswordKeptAndReplaced: a PUT without password keeps the stored
// hash (RFC 7644 §3.5.1 writeOnly), a new password replaces it, and a
// remove clears it.
func TestPasswordKeptAndReplaced(t *testing.T) {
	h, _ := newPasswordHandler(t)
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"first-one"}`}, 201)
	id := res.json["id"].(string)
	verify := func(pw string, want bool) {
		t.Helper()
		if ok, err := h.VerifyPassword(t.Context(), "t1", id, pw); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v, nil", pw, ok, err, want)
		}
	}
	mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","displayName":"U"}`}, 200)
	verify("first-one", true)
	mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"second-one"}`}, 200)
	verify("first-one", false)
	verify("second-one", true)
	mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: patchHead + `{"op":"replace","path":"password","value":""}]}`}, 200)
	verify("second-one", true) // an empty password is never stored
	mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: patchHead + `{"op":"remove","path":"password"}]}`}, 200)
	verify("second-one", false)
}

// TestPasswordLooksLikeHash: a client value shaped like a hash is a
// password like any other: it is hashed, never stored as the hash.
func TestPasswordLooksLikeHash(t *testing.T) {
	h, st := newPasswordHandler(t)
	const phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc" // of "password"
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"` + phc + `"}`}, 201)
	id := res.json["id"].(string)
	if got := storedUser(t, h, st, "t1", id).Attrs["password"]; got == phc {
		t.Fatal("the client's hash was stored as the hash")
	}
	if ok, _ := h.VerifyPassword(t.Context(), "t1", id, "password"); ok {
		t.Error(`the client's hash made "password" verify`)
	}
	if ok, _ := h.VerifyPassword(t.Context(), "t1", id, phc); !ok {
		t.Error("the value the client sent does not verify as the password")
	}
}

func TestVerifyPasswordMissing(t *testing.T) {
	h, _ := newPasswordHandler(t)
	ok, err := h.VerifyPassword(t.Context(), "t1", "no-such-user", "x")
	if ok || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("VerifyPassword of a missing user = %v, %v; want false, store.ErrNotFound", ok, err)
	}
}

// TestPasswordBcryptTooLong: bcrypt's 72-byte limit is a 400 naming the
// attribute, never a truncated hash or a 500.
func TestPasswordBcryptTooLong(t *testing.T) {
	h := newTestHandler(t, Config{Defaults: TenantConfig{Password: password.Bcrypt{Cost: 4}}})
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"` + strings.Repeat("p", 73) + `"}`}, 400)
	if res.json["scimType"] != "invalidValue" || !strings.Contains(res.json["detail"].(string), `"password"`) {
		t.Errorf("response: %s", res.body)
	}
	res = mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}`}, 201)
	put := mustDo(t, h, request{method: "PUT", target: "/Users/" + res.json["id"].(string), body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"` + strings.Repeat("p", 73) + `"}`}, 400)
	if put.json["scimType"] != "invalidValue" || !strings.Contains(put.json["detail"].(string), `"password"`) {
		t.Errorf("PUT response: %s", put.body)
	}
}

// countingHasher counts the hashes it makes.
type countingHasher struct {
	password.Hasher
	n *atomic.Int64
}

func (c countingHasher) Hash(pw string) (string, error) {
	c.n.Add(1)
	return c.Hasher.Hash(pw)
}

// TestPasswordPutHashedAfterValidation: a PUT hashes its password only
// once validation has accepted the body, and once: a refused PUT costs no
// hash, a PUT repeating the stored password none, a new password one.
func TestPasswordPutHashedAfterValidation(t *testing.T) {
	var n atomic.Int64
	h := newTestHandler(t, Config{Defaults: TenantConfig{Password: countingHasher{fastArgon2, &n}}})
	user := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]` + extra + `}`
	}
	id := mustDo(t, h, request{method: "POST", target: "/Users", body: user(`,"userName":"u","password":"pw-1"`)}, 201).json["id"].(string)
	for _, tt := range []struct {
		name, body string
		status     int
		hashes     int64
	}{
		{"refused (no userName)", user(`,"password":"pw-2"`), 400, 0},
		{"same password", user(`,"userName":"u","password":"pw-1"`), 200, 0},
		{"new password", user(`,"userName":"u","password":"pw-2"`), 200, 1},
	} {
		n.Store(0)
		mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: tt.body}, tt.status)
		if got := n.Load(); got != tt.hashes {
			t.Errorf("%s: %d hashes, want %d", tt.name, got, tt.hashes)
		}
	}
	if ok, _ := h.VerifyPassword(t.Context(), "t1", id, "pw-2"); !ok {
		t.Error("the new password does not verify")
	}
}

// TestPasswordDiscovery: changePassword and the password attribute's
// description tell each tenant what its policy does.
func TestPasswordDiscovery(t *testing.T) {
	h, _ := newPasswordHandler(t)
	for _, tt := range []struct {
		token    string
		supports bool
		desc     string
	}{{testToken, true, "argon2id hash"}, {testToken2, false, "does not keep passwords"}} {
		spc := mustDo(t, h, request{method: "GET", target: "/ServiceProviderConfig", token: tt.token}, 200)
		if got := spc.json["changePassword"].(map[string]any)["supported"]; got != tt.supports {
			t.Errorf("changePassword.supported = %v, want %v", got, tt.supports)
		}
		s := mustDo(t, h, request{method: "GET", target: "/Schemas/" + schema.UserSchema, token: tt.token}, 200)
		if !strings.Contains(string(s.body), tt.desc) {
			t.Errorf("the User schema does not describe the policy (%q): %s", tt.desc, s.body)
		}
		list := mustDo(t, h, request{method: "GET", target: "/Schemas", token: tt.token}, 200)
		if !strings.Contains(string(list.body), tt.desc) {
			t.Errorf("/Schemas does not describe the policy (%q)", tt.desc)
		}
	}
}

// TestPasswordLeavesNoTrace sends a distinctive password through every
// write path, successful and failing, with the provisioning log recording
// reads and writes and the logger at debug: neither the log entries, the
// events, the log lines nor any response carry it, under either policy.
func TestPasswordLeavesNoTrace(t *testing.T) {
	for _, hasher := range []password.Hasher{nil, fastArgon2} {
		const pw = "Zq7-distinctive-pw-Xk2"
		var logs strings.Builder
		h, st := logHandler(t, Config{ProvisioningLogReads: true, Defaults: TenantConfig{Password: hasher},
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		var responses strings.Builder
		sendAll := func(method, path, body string) map[string]any {
			w := send(t, h, method, path, "Okta SCIM Client 1.0.0", body)
			responses.WriteString(w.Body.String())
			m := map[string]any{}
			_ = json.Unmarshal(w.Body.Bytes(), &m)
			return m
		}
		u := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nt","password":"` + pw + `"}`
		id, _ := sendAll("POST", "/Users", u)["id"].(string)
		sendAll("POST", "/Users", u) // 409 uniqueness
		sendAll("PUT", "/Users/"+id, u)
		sendAll("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"","password":"`+pw+`"}`) // 400
		sendAll("PATCH", "/Users/"+id, patchHead+`{"op":"replace","path":"password","value":"`+pw+`"}]}`)
		sendAll("PATCH", "/Users/"+id, patchHead+`{"op":"replace","value":{"password":"`+pw+`","userName":""}}]}`) // 400
		sendAll("PATCH", "/Users/"+id, patchHead+`{"op":"replace","path":"password","value":["`+pw+`"]},{"op":"bogus"}]}`)
		sendAll("PATCH", "/Users/nope", patchHead+`{"op":"replace","path":"password","value":"`+pw+`"}]}`) // 404
		sendAll("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+
			`{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nt2","password":"`+pw+`"}},`+
			`{"method":"PATCH","path":"/Users/`+id+`","data":`+patchHead+`{"op":"replace","path":"password","value":"`+pw+`"}]}}]}`)
		sendAll("GET", "/Users/"+id, "")
		sendAll("GET", "/Users?filter="+url.QueryEscape(`password eq "`+pw+`"`), "") // 400: never probed
		sendAll("POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"password eq \"`+pw+`\""}`)

		page, err := st.Query(t.Context(), store.ProvisioningFilter{})
		if err != nil {
			t.Fatal(err)
		}
		events, err := st.Events(t.Context(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := json.Marshal(page.Entries)
		evs, _ := json.Marshal(events)
		if len(page.Entries) < 10 || len(events) < 2 {
			t.Fatalf("%d log entries and %d events: the requests did not run", len(page.Entries), len(events))
		}
		for what, text := range map[string]string{"provisioning log": string(entries), "events": string(evs),
			"logs": logs.String(), "responses": responses.String()} {
			if strings.Contains(text, pw) || strings.Contains(text, strings.ToLower(pw)) {
				t.Errorf("policy %v: the %s carry the password:\n%s", hasher, what, text)
			}
		}
	}
}

// TestPasswordPutIdempotent: a PUT that repeats the stored password (an
// IdP sending the whole user again) changes nothing: same version, same
// stored hash; a PUT with another password changes it.
func TestPasswordPutIdempotent(t *testing.T) {
	h, st := newPasswordHandler(t)
	user := func(pw string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","displayName":"U","password":"` + pw + `"}`
	}
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: user("same-pw")}, 201)
	id := res.json["id"].(string)
	v1 := mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: user("same-pw")}, 200).header.Get("ETag")
	hash1 := storedUser(t, h, st, "t1", id).Attrs["password"]
	v2 := mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: user("same-pw")}, 200).header.Get("ETag")
	if hash2 := storedUser(t, h, st, "t1", id).Attrs["password"]; v1 != v2 || hash1 != hash2 {
		t.Errorf("repeating the password changed the user: version %s → %s, hash changed %v", v1, v2, hash1 != hash2)
	}
	v3 := mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: user("other-pw")}, 200).header.Get("ETag")
	if v3 == v2 {
		t.Error("a new password did not change the version")
	}
	if ok, _ := h.VerifyPassword(t.Context(), "t1", id, "other-pw"); !ok {
		t.Error("the new password does not verify")
	}
}

// TestPasswordPatchIdempotent: a PATCH that sets the password the stored
// hash verifies (as Okta's password sync does on every push) keeps the
// hash and the version; another password is hashed and changes both.
func TestPasswordPatchIdempotent(t *testing.T) {
	h, st := newPasswordHandler(t)
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"same-pw"}`}, 201)
	id, v0 := res.json["id"].(string), res.header.Get("ETag")
	hash0 := storedUser(t, h, st, "t1", id).Attrs["password"]
	for _, op := range []string{
		`{"op":"replace","path":"password","value":"same-pw"}`,
		`{"op":"replace","value":{"password":"same-pw"}}`,
		`{"op":"add","path":"password","value":"other-pw"},{"op":"replace","path":"password","value":"same-pw"}`,
	} {
		v := mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: patchHead + op + `]}`}, 200).header.Get("ETag")
		if hash := storedUser(t, h, st, "t1", id).Attrs["password"]; v != v0 || hash != hash0 {
			t.Errorf("%s: repeating the password changed the user: version %s → %s, hash changed %v", op, v0, v, hash != hash0)
		}
	}
	v := mustDo(t, h, request{method: "PATCH", target: "/Users/" + id, body: patchHead + `{"op":"replace","path":"password","value":"other-pw"}]}`}, 200).header.Get("ETag")
	if v == v0 {
		t.Error("a new password did not change the version")
	}
	if ok, _ := h.VerifyPassword(t.Context(), "t1", id, "other-pw"); !ok {
		t.Error("the new password does not verify")
	}
}

// TestPasswordPatchStoredChanged: when the stored hash changes between the
// check of a repeated password and the update (another request set a new
// password), the update hashes the password it was sent rather than
// restoring the hash it had verified.
func TestPasswordPatchStoredChanged(t *testing.T) {
	h, st := newPasswordHandler(t)
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"pw-1"}`}, 201)
	id := res.json["id"].(string)
	hash1 := storedUser(t, h, st, "t1", id).Attrs["password"].(string)
	tc := TenantConfig{Password: fastArgon2}
	cfg, check := h.patchPassword(t.Context(), "t1", tc, h.passwordType, id)
	stored, keep, err := cfg("pw-1")
	if err != nil || !keep || stored != hash1 {
		t.Fatalf("Password(pw-1) = %q, %v, %v; want the stored hash, kept", stored, keep, err)
	}
	hash2, err := fastArgon2.Hash("pw-2") // set meanwhile by another request
	if err != nil {
		t.Fatal(err)
	}
	cur := &schema.Resource{Attrs: map[string]any{"password": hash2}}
	next := &schema.Resource{Attrs: map[string]any{"password": hash1}}
	if err := check(cur, next); err != nil {
		t.Fatal(err)
	}
	got, _ := next.Attrs["password"].(string)
	if got == hash1 || got == hash2 {
		t.Fatalf("password after the check is the old or the concurrent hash; want a fresh hash of pw-1")
	}
	if ok, _ := password.Verify(got, "pw-1"); !ok {
		t.Error("the fresh hash does not verify pw-1")
	}
	// Not set by the PATCH (a later operation removed it): left alone.
	next = &schema.Resource{Attrs: map[string]any{}}
	if err := check(cur, next); err != nil || next.Attrs["password"] != nil {
		t.Errorf("check added a password the PATCH removed: %v, %v", next.Attrs["password"], err)
	}
}

// TestPasswordRepeatUpgradesHash: when the tenant's policy changed since
// the stored hash was made (here, more argon2id passes), a repeated
// password is hashed anew with the current policy, by PATCH and by PUT,
// and then kept while it is current.
func TestPasswordRepeatUpgradesHash(t *testing.T) {
	var policy atomic.Value
	policy.Store(password.Hasher(fastArgon2))
	st := memory.New()
	h := newTestHandler(t, Config{Store: st, Tenant: func(context.Context, string) (TenantConfig, error) {
		return TenantConfig{Password: policy.Load().(password.Hasher)}, nil
	}})
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"pw"}`
	res := mustDo(t, h, request{method: "POST", target: "/Users", body: body}, 201)
	id := res.json["id"].(string)
	stronger := password.Argon2id{Memory: 64, Time: 2}
	for _, req := range []request{
		{method: "PATCH", target: "/Users/" + id, body: patchHead + `{"op":"replace","path":"password","value":"pw"}]}`},
		{method: "PUT", target: "/Users/" + id, body: body},
	} {
		policy.Store(password.Hasher(fastArgon2))
		mustDo(t, h, request{method: "PUT", target: "/Users/" + id, body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","password":"old"}`}, 200)
		mustDo(t, h, req, 200) // the old policy's hash of pw
		policy.Store(password.Hasher(stronger))
		v1 := mustDo(t, h, req, 200).header.Get("ETag")
		hash, _ := storedUser(t, h, st, "t1", id).Attrs["password"].(string)
		if !password.Current(stronger, hash) {
			t.Errorf("%s: the hash kept after the policy changed is not the current policy's: %s", req.method, hash)
		}
		if ok, _ := password.Verify(hash, "pw"); !ok {
			t.Errorf("%s: the upgraded hash does not verify the password", req.method)
		}
		if v2 := mustDo(t, h, req, 200).header.Get("ETag"); v2 != v1 {
			t.Errorf("%s: repeating the password after the upgrade changed the version %s → %s", req.method, v1, v2)
		}
	}
}
