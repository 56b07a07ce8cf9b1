package store

import (
	"context"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// Tombstones is the optional capability behind soft delete
// (DeletePolicySoft): deleting a resource while keeping a tombstone, so
// that its id and externalId are never reused. It is found by type
// assertion (st.(store.Tombstones)); every scimkit backend implements it.
// Without it, package scim refuses a default soft-delete policy at New and
// answers a tenant that asks for soft delete with hard deletes (logged
// once).
//
// DeleteWithTombstone removes the resource exactly as Store.Delete does,
// in the same transaction: memberships are removed (a deleted user leaves
// its groups; a deleted group loses its members), the same events are
// recorded (user.deleted, user.groups_changed, ...), ifMatch is checked
// the same way (ErrPrecondition), and a missing resource is ErrNotFound.
// Atomically with the removal it records a tombstone keyed (tenant, type,
// id) holding the externalId, the deletion time and the values of the
// resource's unique attributes.
//
// A tombstoned resource is gone in every other respect (RFC 7644 §3.6: the
// service provider "MUST return a 404 (Not Found) error code for all
// operations associated with the previously deleted resource"): Get,
// Update, Delete and DeleteWithTombstone of its id return ErrNotFound, and
// List never returns it. While the tombstone exists:
//   - a Create with the same externalId, in the same tenant and resource
//     type, returns ErrConflict naming externalId; so does an Update that
//     changes a resource's externalId to it (externalId is caseExact, RFC
//     7643 §3.1, so the comparison is exact). Resources that already held
//     that externalId when the tombstone was made keep it.
//   - the id is never assigned again (ids are random UUIDs chosen by the
//     store; any id a client sends is ignored, and stores also check the
//     tombstones before assigning one).
//
// The tombstone does not reserve the unique attributes (userName for
// User): identity providers re-create a deleted user with the same
// userName (a re-hire, or an assignment removed and added back), and
// reserving it would block that re-provisioning; the values are kept only
// so an operator can tell what was deleted. A reused externalId, on the
// other hand, would mean the IdP reused its own object id, which Okta and
// Microsoft Entra never do, so refusing it protects the audit trail.
//
// Tombstones are kept indefinitely (there is no purge yet) and are
// independent of the tenant's current policy: switching a tenant back to
// hard delete keeps the tombstones it already has. Methods are safe for
// concurrent use, like Store's.
type Tombstones interface {
	// DeleteWithTombstone deletes the resource as Store.Delete does and
	// records its tombstone in the same transaction.
	DeleteWithTombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string) error
	// Tombstone returns the tombstone of id, or ErrNotFound when the
	// resource was never soft-deleted (it is live, was hard-deleted, or
	// never existed).
	Tombstone(ctx context.Context, tenant string, rt *schema.ResourceType, id string) (TombstoneRecord, error)
}

// TombstoneRecord is what remains of a soft-deleted resource.
type TombstoneRecord struct {
	// ID is the deleted resource's id; ResourceType its type's Name.
	ID, ResourceType string
	// ExternalID is the externalId the resource held ("" when none); it
	// stays reserved in the tenant and type while the tombstone exists.
	ExternalID string
	// Unique holds the values of the resource's unique attributes
	// (uniqueness server or global, RFC 7643 §7) at deletion, keyed by
	// attribute path (schema.AttrRef.String, e.g. "userName"), as text
	// (strings as they are, numbers and booleans as strconv formats
	// them). Kept for audit; not reserved. Nil when none.
	Unique map[string]string
	// Deleted is when the resource was deleted, by the store's clock (UTC,
	// whole microseconds).
	Deleted time.Time
}
