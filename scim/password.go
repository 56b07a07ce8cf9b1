package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// ParsePasswordPolicy returns the password policy (TenantConfig.Password)
// named s: "" or "drop" (nil: passwords are dropped), "argon2id" (also
// "argon2"; password.Argon2id with its defaults) or "bcrypt"
// (password.Bcrypt with its default cost); case-insensitive.
func ParsePasswordPolicy(s string) (password.Hasher, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "drop":
		return nil, nil
	case "argon2id", "argon2":
		return password.Argon2id{}, nil
	case "bcrypt":
		return password.Bcrypt{}, nil
	}
	return nil, fmt.Errorf("unknown password policy %q (drop, argon2id, bcrypt)", s)
}

// storedPassword applies the tenant's password policy to clear, a
// password a client sent: it returns the value to store, or keep false
// when nothing is stored (policy drop, or an empty password, which is
// never hashed: it would make "" a password that verifies).
func storedPassword(tc TenantConfig, clear string) (stored string, keep bool, err error) {
	if tc.Password == nil || clear == "" {
		return "", false, nil
	}
	h, err := tc.Password.Hash(clear)
	switch {
	case errors.Is(err, password.ErrTooLong):
		return "", false, ErrInvalidValue.WithDetail(`Attribute "password" is longer than 72 bytes, the most this service provider's password hash (bcrypt) can take.`)
	case err != nil:
		return "", false, fmt.Errorf("scim: hashing a password with %s: %w", tc.Password.Name(), err)
	}
	return h, true, nil
}

// applyPasswordPolicy replaces the password of res, a resource decoded
// from a POST or PUT body (owned by the caller), by what the tenant's
// policy stores: its hash, or nothing.
func applyPasswordPolicy(tc TenantConfig, ti *typeInfo, res *schema.Resource) error {
	if ti.password == nil {
		return nil
	}
	v, ok := res.Attrs[ti.password.Name]
	if !ok {
		return nil
	}
	clear, _ := v.(string)
	stored, keep, err := storedPassword(tc, clear)
	switch {
	case err != nil:
		return err
	case keep:
		res.Attrs[ti.password.Name] = stored
	default:
		delete(res.Attrs, ti.password.Name)
	}
	return nil
}

// putPassword applies the tenant's password policy to next, a resource
// decoded from the PUT body for resource id, and returns what Apply must
// do to the resource Validate made of it. A PUT that repeats the stored
// password (IdPs send the whole user again) must not change the resource,
// yet a new hash differs from the stored one by its salt: so when the
// stored hash verifies the password and is what the tenant's policy makes
// today (storedMatch), the password is left out of the PUT
// (Validate then keeps the stored value, RFC 7644 §3.5.1 writeOnly)
// provided the stored hash is still the one verified. Otherwise the clear
// password goes through validation and only then is hashed, once however
// often Apply runs: a body that validation refuses costs no memory-hard
// hash.
func (h *Handler) putPassword(ctx context.Context, tenant string, tc TenantConfig, ti *typeInfo, id string, next *schema.Resource) (func(cur, validated *schema.Resource) error, error) {
	none := func(cur, validated *schema.Resource) error { return nil }
	if ti.password == nil {
		return none, nil
	}
	name := ti.password.Name
	clear, _ := next.Attrs[name].(string)
	if tc.Password == nil || clear == "" {
		return none, applyPasswordPolicy(tc, ti, next) // dropped: nothing to hash
	}
	matched, fresh := h.storedMatch(ctx, tenant, tc, ti, id, clear), freshHash(tc, clear)
	if matched != "" {
		delete(next.Attrs, name)
	}
	return func(cur, validated *schema.Resource) error {
		if stored, _ := cur.Attrs[name].(string); matched != "" && stored == matched {
			return nil // unchanged: Validate kept the stored hash
		}
		// A new password, or the stored one changed since it was verified.
		s, keep, err := fresh()
		if err != nil || !keep {
			return err
		}
		validated.Attrs[name] = s
		return nil
	}, nil
}

// freshHash returns what storedPassword makes of clear, computed at the
// first call only: an update's Apply may run several times, and a
// password costs one memory-hard hash however often it does.
func freshHash(tc TenantConfig, clear string) func() (string, bool, error) {
	var stored string
	var keep, done bool
	var err error
	return func() (string, bool, error) {
		if !done {
			stored, keep, err = storedPassword(tc, clear)
			done = true
		}
		return stored, keep, err
	}
}

// storedMatch returns the password hash stored for the resource id when
// it verifies clear and the tenant's policy would make it today
// (password.Current), else "".
func (h *Handler) storedMatch(ctx context.Context, tenant string, tc TenantConfig, ti *typeInfo, id, clear string) string {
	cur, err := h.store.Get(ctx, tenant, ti.rt, id, store.ReadOptions{OmitMembers: true, OmitGroups: true})
	if err != nil {
		return ""
	}
	stored, _ := cur.Attrs[ti.password.Name].(string)
	if !password.Current(tc.Password, stored) {
		return ""
	}
	if ok, _ := password.Verify(stored, clear); !ok {
		return ""
	}
	return stored
}

// patchPassword returns patch.Config.Password for a PATCH of the resource
// id, and a check Apply runs on its result. As putPassword does for a
// PUT: a password the stored hash verifies keeps that hash, so that an
// IdP sending the same password again (Okta's password sync does on every
// push) changes neither the resource nor its version, provided the stored
// hash is still the one verified when the update applies. Otherwise it is
// hashed, once however often Apply runs. A changed password therefore
// costs a verification and a hash, as it does on PUT.
func (h *Handler) patchPassword(ctx context.Context, tenant string, tc TenantConfig, ti *typeInfo, id string) (func(string) (string, bool, error), func(cur, next *schema.Resource) error) {
	name := ti.password.Name
	var matched string
	var fresh func() (string, bool, error)
	cfg := func(clear string) (string, bool, error) {
		fresh = freshHash(tc, clear)
		if tc.Password != nil && clear != "" {
			if matched = h.storedMatch(ctx, tenant, tc, ti, id, clear); matched != "" {
				return matched, true, nil
			}
		}
		return fresh()
	}
	check := func(cur, next *schema.Resource) error {
		if matched == "" || cur.Attrs[name] == matched || next.Attrs[name] != matched {
			return nil // no stored hash kept, still the stored one, or not set by the PATCH
		}
		// The stored password changed since it was verified.
		s, keep, err := fresh()
		switch {
		case err != nil:
			return err
		case keep:
			next.Attrs[name] = s
		default:
			delete(next.Attrs, name)
		}
		return nil
	}
	return cfg, check
}

// dummies holds, per hasher (by type and parameters), a hash that
// VerifyPassword checks when there is nothing to check, so that its time
// does not tell whether a user or a password exists.
var dummies sync.Map // string → string

// dummyHash returns the dummy hash of h (password.Argon2id{} when nil).
func dummyHash(h password.Hasher) string {
	if h == nil {
		h = password.Argon2id{}
	}
	key := fmt.Sprintf("%T%+v", h, h)
	if v, ok := dummies.Load(key); ok {
		return v.(string)
	}
	d, err := h.Hash("scimkit: no password stored")
	if err != nil {
		d, _ = password.Argon2id{}.Hash("scimkit: no password stored")
	}
	v, _ := dummies.LoadOrStore(key, d)
	return v.(string)
}

// VerifyPassword reports whether pw is the password stored for the
// resource id of tenant, of the first configured resource type whose core
// schema has a password attribute (the User). It is for embedders that
// keep passwords (a tenant whose TenantConfig.Password hashes them) and
// want to check one; it checks the password only, not whether the user is
// active.
//
// A wrong password, a resource without a stored password (the policy
// dropped it, or it was set before a hashing policy) and a stored value
// that is not a hash package password reads all answer false and a nil
// error; a missing resource answers false and an error wrapping
// store.ErrNotFound; other store errors are wrapped. Every answer but a
// store failure costs one hash verification, so that timing does not
// tell which case it was (the dummy hash is made with the tenant's
// hasher, from Config.Tenant or Config.Defaults). The comparison is
// constant-time (password.Verify). It does not limit attempts: an
// embedder exposing it to users rate-limits it. It is safe for concurrent
// use.
func (h *Handler) VerifyPassword(ctx context.Context, tenant, id, pw string) (bool, error) {
	ti := h.passwordType
	if ti == nil {
		return false, errors.New("scim: VerifyPassword: no configured resource type has a password attribute")
	}
	if tenant == "" {
		tenant = DefaultTenant
	}
	tc := h.cfg.Defaults
	if h.cfg.Tenant != nil {
		var err error
		if tc, err = h.cfg.Tenant(ctx, tenant); err != nil {
			return false, fmt.Errorf("scim: VerifyPassword: settings of tenant %q: %w", tenant, err)
		}
	}
	res, err := h.store.Get(ctx, tenant, ti.rt, id, store.ReadOptions{OmitMembers: true, OmitGroups: true})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			_, _ = password.Verify(dummyHash(tc.Password), pw)
		}
		return false, fmt.Errorf("scim: VerifyPassword of %s %q: %w", ti.rt.Name, id, err)
	}
	stored, _ := res.Attrs[ti.password.Name].(string)
	if !password.IsHash(stored) {
		_, _ = password.Verify(dummyHash(tc.Password), pw)
		return false, nil
	}
	ok, err := password.Verify(stored, pw)
	if err != nil {
		return false, nil // IsHash accepted it, but it does not verify: not a usable hash
	}
	return ok, nil
}

// discoveryTenant returns the settings that describe the password
// policy to a discovery request: the tenant's when authenticated, else
// Config.Defaults.
func (h *Handler) discoveryTenant(r *http.Request) TenantConfig {
	if _, ok := PrincipalFrom(r.Context()); ok {
		if _, tc, err := h.tenant(r); err == nil {
			return tc
		}
	}
	return h.cfg.Defaults
}

// passwordDescription is the password attribute's description under tc's
// policy (RFC 7643 §4.1.1).
func passwordDescription(tc TenantConfig) string {
	if tc.Password == nil {
		return "Accepted and discarded: this service provider does not keep passwords (RFC 7643 §4.1.1). " +
			"A password sent in POST, PUT, PATCH or Bulk is removed before the resource is stored; it is never returned."
	}
	return "The User's password, used to set it: this service provider keeps only its " + tc.Password.Name() +
		" hash, never the clear text (RFC 7643 §4.1.1), and never returns it. A value that looks like a hash is hashed like any other password."
}

// withPasswordDescription returns s, or a copy of it whose password
// attribute describes tc's policy.
func (h *Handler) withPasswordDescription(s *schema.Schema, tc TenantConfig) *schema.Schema {
	for i, a := range s.Attributes {
		if !slices.ContainsFunc(h.types, func(ti *typeInfo) bool { return ti.password != nil && ti.password == a }) {
			continue
		}
		c := *s
		c.Attributes = append([]*schema.Attribute(nil), s.Attributes...)
		pa := *a
		pa.Description = passwordDescription(tc)
		c.Attributes[i] = &pa
		return &c
	}
	return s
}
