package scim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/store"
)

// Membership references (RFC 7643 §4.2 "members.value": "Identifier of
// the member of this Group"). A member value must name a resource of the
// tenant of a type the members attribute allows; the store decides, in
// the write's transaction (store/refs.go). The tenant's dialect chooses
// what happens to a value that names nothing:
//
//   - every dialect but DialectStrict leaves it out (store.DropUnresolved):
//     the write succeeds with the other members, and the provisioning log
//     entry lists the values left out (store.ProvisioningEntry.
//     DroppedMembers). Okta and Entra name only ids the server gave them,
//     but a member can be deleted between their read and their PATCH, and
//     an IdP that gets a 400 for a batch retries it without end;
//   - DialectStrict refuses the write: 400 invalidValue naming the values.
//
// Another tenant's id is treated exactly like an id that names nothing.

// refPolicy returns the store.RefPolicy of the tenant's dialect.
func (tc TenantConfig) refPolicy() store.RefPolicy {
	if tc.Dialect == patch.DialectStrict {
		return store.RejectUnresolved
	}
	return store.DropUnresolved
}

// maxNamedValues bounds the member values an error detail names.
const maxNamedValues = 10

// unresolvedErr turns a store.UnresolvedError into 400 invalidValue
// naming the values (at most maxNamedValues) and what they must name;
// other errors are returned unchanged.
func unresolvedErr(err error, ti *typeInfo) error {
	if err == nil {
		return nil // before errors.As, whose target would escape
	}
	var ue *store.UnresolvedError
	if !errors.As(err, &ue) {
		return err
	}
	vals := ue.Values
	more := ""
	if len(vals) > maxNamedValues {
		more = fmt.Sprintf(" and %d more", len(vals)-maxNamedValues)
		vals = vals[:maxNamedValues]
	}
	quoted := make([]string, len(vals))
	for i, v := range vals {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	kinds := "resource"
	if len(ue.Types) > 0 {
		kinds = strings.Join(ue.Types, " or ")
	}
	return ErrInvalidValue.WithDetail("%s values %s%s name no %s in this tenant (and a %s cannot be its own member): remove them, or add them once they exist.",
		ue.Attr, strings.Join(quoted, ", "), more, kinds, ti.rt.Name)
}
