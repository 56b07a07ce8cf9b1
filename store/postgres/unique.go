package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// uniqueKey is one value that must be unique in (tenant, type).
type uniqueKey struct{ attr, value string }

// uniqueKeys returns the values of r's unique attributes: top-level,
// single-valued, non-complex attributes of the core schema or an extension
// with uniqueness "server" or "global" (RFC 7643 §7; "global" is enforced
// like "server", per tenant and resource type). Strings are folded unless
// caseExact. The keys are sorted, so concurrent writers claim them in the
// same order.
func uniqueKeys(rt *schema.ResourceType, r *schema.Resource) []uniqueKey {
	var out []uniqueKey
	collect := func(prefix string, s *schema.Schema, attrs map[string]any) {
		for _, a := range s.Attributes {
			if a.MultiValued || a.Type == schema.Complex || a.EffectiveUniqueness() == schema.UniqueNone {
				continue
			}
			v, ok := attrs[a.Name]
			if !ok || v == nil {
				continue
			}
			var text string
			if str, ok := v.(string); ok {
				text, _ = foldScalar(a, str).(string)
			} else {
				b, _ := json.Marshal(v)
				text = string(b)
			}
			out = append(out, uniqueKey{prefix + a.Name, text})
		}
	}
	collect("", rt.Schema, r.Attrs)
	for _, e := range rt.Extensions {
		if m, ok := r.Attrs[e.Schema.ID].(map[string]any); ok {
			collect(e.Schema.ID+":", e.Schema, m)
		}
	}
	slices.SortFunc(out, func(a, b uniqueKey) int {
		return strings.Compare(a.attr+"\x00"+a.value, b.attr+"\x00"+b.value)
	})
	return out
}

// claimUniques records keys for resource id. A key already held by another
// resource of the tenant and type returns ErrConflict naming the
// attribute; concurrent claims of one key are decided by the primary key
// (the later transaction waits for the earlier one).
func (s *Store) claimUniques(ctx context.Context, tx pgx.Tx, op, tenant string, rt *schema.ResourceType, id string, keys []uniqueKey) error {
	if len(keys) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, s.q(claimQuery), claimArgs(tenant, rt, id, keys)...)
	if err != nil {
		return err
	}
	return checkClaim(rows, op, rt, keys)
}

// claimQuery claims unique values, returning those it could claim.
const claimQuery = `INSERT INTO {s}.uniques (tenant, type, attr, value, id)
	SELECT $1, $2, u.a, u.v, $3 FROM unnest($4::text[], $5::text[]) AS u(a, v)
	ON CONFLICT DO NOTHING RETURNING attr, value`

func claimArgs(tenant string, rt *schema.ResourceType, id string, keys []uniqueKey) []any {
	attrs, values := splitKeys(keys)
	return []any{tenant, rt.Name, id, attrs, values}
}

// checkClaim reads the result of claimQuery: ErrConflict naming the first
// key not claimed.
func checkClaim(rows pgx.Rows, op string, rt *schema.ResourceType, keys []uniqueKey) error {
	var a, v string
	got := map[uniqueKey]bool{}
	if _, err := pgx.ForEachRow(rows, []any{&a, &v}, func() error { got[uniqueKey{a, v}] = true; return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		if !got[k] {
			return fmt.Errorf("store: %s: %s is already in use by another %s (RFC 7643 §7 uniqueness): %w", op, k.attr, rt.Name, store.ErrConflict)
		}
	}
	return nil
}

func splitKeys(keys []uniqueKey) (attrs, values []string) {
	attrs, values = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		attrs[i], values[i] = k.attr, k.value
	}
	return attrs, values
}

// conflict returns the ErrConflict of a failed claim of keys, naming the
// first attribute whose value another resource of the tenant and type
// holds (the claim was rolled back, so this reads the committed holder).
func (s *Store) conflict(ctx context.Context, op, tenant string, rt *schema.ResourceType, keys []uniqueKey) error {
	attrs, values := splitKeys(keys)
	var attr string
	err := s.pool.QueryRow(ctx, s.q(`SELECT u.attr FROM {s}.uniques u JOIN unnest($3::text[], $4::text[]) AS k(a, v)
		ON u.tenant = $1 AND u.type = $2 AND u.attr = k.a AND u.value = k.v ORDER BY u.attr LIMIT 1`),
		tenant, rt.Name, attrs, values).Scan(&attr)
	if err != nil {
		attr = "a unique attribute" // released again since; still a conflict at the time of the claim
	}
	return fmt.Errorf("store: %s: %s is already in use by another %s (RFC 7643 §7 uniqueness): %w", op, attr, rt.Name, store.ErrConflict)
}
