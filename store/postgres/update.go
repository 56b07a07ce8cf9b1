package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// beginLocked begins a transaction, locks the resource's row (SELECT ...
// FOR UPDATE for a delete, FOR NO KEY UPDATE otherwise: an update changes
// no key, so it does not wait for, nor block, the FOR KEY SHARE locks
// that writes adding this resource as a member take; see Resolve), and reads the members of a group (unless opts omits them)
// and the groups of a member, in one round trip. The caller commits or
// rolls back the transaction.
//
// The members and groups are read by statements of their own, after the
// lock is granted: under READ COMMITTED each statement reads its own
// snapshot, so they see every write committed by a transaction the lock
// waited for (a subquery of the locking statement would read the snapshot
// taken before the wait).
//
// With resolve, the batch also resolves those member values as
// writer.Resolve does (after the lock, FOR KEY SHARE, in id order), for
// the Resolve call of the write to answer without a round trip.
func (s *Store) beginLocked(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions, forDelete bool, resolve []string) (*txConn, *row, []any, map[string]string, error) {
	lock := "NO KEY UPDATE"
	if forDelete {
		lock = "UPDATE"
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tx := &txConn{c}
	b := &pgx.Batch{}
	b.Queue(beginSQL)
	b.Queue(s.q(`SELECT `+s.selectCols(rt, store.ReadOptions{OmitMembers: true, OmitGroups: true})+
		` FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3 FOR `+lock+` OF r`), tenant, id, rt.Name)
	var derived []string
	if a := membersAttr(rt); a != nil && !opts.OmitMembers {
		b.Queue(s.q(`SELECT (SELECT jsonb_agg(`+memberObject(a)+` ORDER BY m.ord)
			FROM {s}.members m WHERE m.tenant = $1 AND m.group_id = $2)`), tenant, id)
		derived = append(derived, "members")
	}
	if groupsAttr(rt) != nil {
		b.Queue(s.q(groupsOf), tenant, id)
		derived = append(derived, "groups")
	}
	var resolved map[string]string
	if len(resolve) > 0 {
		resolved = make(map[string]string, len(resolve))
		b.Queue(s.q(resolveQuery), tenant, resolve)
	}
	br := tx.SendBatch(ctx, b)
	rw, groups, err := readLocked(br, derived)
	if err == nil && resolved != nil {
		err = readResolved(br, resolved)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tx.Rollback(ctx)
		return nil, nil, nil, nil, err
	}
	return tx, rw, groups, resolved, nil
}

// resolveQuery reads the types of the resources of a tenant among ids,
// locking their rows FOR KEY SHARE in id order (writer.Resolve).
const resolveQuery = `SELECT id, type FROM {s}.resources WHERE tenant = $1 AND id = ANY($2::text[])
	ORDER BY id FOR KEY SHARE`

// readResolved reads the result of resolveQuery into out (id → type).
func readResolved(br pgx.BatchResults, out map[string]string) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	var id, typ string
	_, err = pgx.ForEachRow(rows, []any{&id, &typ}, func() error { out[id] = typ; return nil })
	return err
}

// readLocked reads the results of beginLocked's batch: the row, with its
// members, and the groups of a member.
func readLocked(br pgx.BatchResults, derived []string) (*row, []any, error) {
	if _, err := br.Exec(); err != nil { // BEGIN
		return nil, nil, err
	}
	rw, err := scanRow(br.QueryRow())
	if err != nil {
		return nil, nil, err
	}
	var groups []any
	for _, d := range derived {
		var raw []byte
		if err := br.QueryRow().Scan(&raw); err != nil {
			return nil, nil, err
		}
		switch {
		case d == "members":
			rw.members = raw
		case raw != nil:
			if err := json.Unmarshal(raw, &groups); err != nil {
				return nil, nil, err
			}
		}
	}
	return rw, groups, nil
}

// resolvable returns the member values an update of id adds through its
// member deltas (what RunUpdate resolves), when rt has a membership index.
func resolvable(rt *schema.ResourceType, u store.Update, id string) []string {
	if membersAttr(rt) == nil || u.LoadMembers {
		return nil
	}
	return backend.AddedValues(u.MemberDeltas, id)
}

// lockForWrite begins a write's transaction with the resource's row locked
// and returns its writer and stored state; the member values in resolve
// are resolved in the same round trip, for Resolve.
func (s *Store) lockForWrite(ctx context.Context, op, tenant string, rt *schema.ResourceType, id string, loadMembers, forDelete bool, resolve []string) (*writer, backend.Stored, error) {
	tx, rw, groups, resolved, err := s.beginLocked(ctx, tenant, rt, id, store.ReadOptions{OmitMembers: !loadMembers, OmitGroups: true}, forDelete, resolve)
	if err != nil {
		return nil, backend.Stored{}, err
	}
	w := &writer{s: s, op: op, tenant: tenant, rt: rt, tx: tx, groups: groups, membersRead: loadMembers}
	if resolved != nil {
		w.prefetched, w.resolved = resolve, resolved
	}
	cur, err := rw.resource(rt)
	if err != nil {
		return nil, backend.Stored{}, w.abort(ctx, err)
	}
	if a := membersAttr(rt); a != nil {
		w.members = schema.MembersOf(cur.Attrs[a.Name])
		delete(cur.Attrs, a.Name)
	}
	return w, backend.Stored{Resource: cur, Version: rw.version}, nil
}
