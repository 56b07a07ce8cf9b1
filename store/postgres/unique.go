package postgres

import (
	"context"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// Unique values (backend.UniqueKeys) live in the uniques table, whose
// primary key (tenant, type, attr, value) makes uniqueness atomic: of two
// transactions claiming one value, the later waits for the earlier and
// fails or claims it when that one commits or rolls back.

// claimQuery claims unique values; one another resource holds fails it
// with a unique violation (after waiting for a transaction that holds it
// uncommitted, and claiming it if that one rolls back).
const claimQuery = `INSERT INTO {s}.uniques (tenant, type, attr, value, id)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`

// claimArgs are claimQuery's arrays for id's claim of keys: one row per
// key (queueRows).
func claimArgs(tenant string, rt *schema.ResourceType, id string, keys []backend.UniqueKey) []any {
	attrs, values := splitKeys(keys)
	n := len(keys)
	return []any{slices.Repeat([]string{tenant}, n), slices.Repeat([]string{rt.Name}, n), attrs, values, slices.Repeat([]string{id}, n)}
}

func splitKeys(keys []backend.UniqueKey) (attrs, values []string) {
	attrs, values = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		attrs[i], values[i] = k.Attr, k.Value
	}
	return attrs, values
}

// conflict returns the *store.ConflictError of id's failed claim of keys,
// naming the first attribute whose value another resource of the tenant
// and type holds (the claim was rolled back, so this reads the committed
// holder; the values id itself still holds, an update's unchanged ones,
// are no conflict).
func (s *Store) conflict(ctx context.Context, tenant string, rt *schema.ResourceType, id string, keys []backend.UniqueKey) error {
	attrs, values := splitKeys(keys)
	var attr string
	err := s.pool.QueryRow(ctx, s.q(`SELECT u.attr FROM {s}.uniques u JOIN unnest($3::text[], $4::text[]) AS k(a, v)
		ON u.tenant = $1 AND u.type = $2 AND u.attr = k.a AND u.value = k.v AND u.id <> $5 ORDER BY u.attr LIMIT 1`),
		tenant, rt.Name, attrs, values, id).Scan(&attr)
	if err != nil {
		attr = keys[0].Attr // released again since; still a conflict at the time of the claim
	}
	return &store.ConflictError{Attr: attr}
}
