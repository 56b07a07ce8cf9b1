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
// the Resolve call of the write to answer without a round trip; with
// hold, it reads which of those member values the group holds
// (writer.held).
func (s *Store) beginLocked(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions, forDelete bool, resolve, hold []string) (*locked, error) {
	lock := "NO KEY UPDATE"
	if forDelete {
		lock = "UPDATE"
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	l := &locked{tx: &txConn{c}}
	b := &pgx.Batch{}
	b.Queue(beginSQL)
	b.Queue(genericPlans)
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
	if len(resolve) > 0 {
		l.resolved = make(map[string]string, len(resolve))
		b.Queue(s.q(resolveQuery), tenant, resolve)
	}
	if len(hold) > 0 {
		l.held = make(map[string]heldMember, len(hold))
		for _, v := range hold {
			l.held[v] = heldMember{}
		}
		b.Queue(s.q(`SELECT member_id, type, display FROM {s}.members
			WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3::text[])`), tenant, id, hold)
	}
	br := l.tx.SendBatch(ctx, b)
	l.row, l.groups, err = readLocked(br, derived)
	if err == nil && l.resolved != nil {
		err = readResolved(br, l.resolved)
	}
	if err == nil && l.held != nil {
		err = readHeld(br, l.held)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		l.tx.Rollback(ctx)
		return nil, err
	}
	return l, nil
}

// locked is what beginLocked read, in the transaction tx that holds the
// row lock.
type locked struct {
	tx       *txConn
	row      *row
	groups   []any             // the groups of a member
	resolved map[string]string // with resolve: id → type
	held     map[string]heldMember
}

// heldMember is whether a group holds a member value, and the membership
// if it does (beginLocked's hold).
type heldMember struct {
	present bool
	m       schema.Member // value, type as stored (backend.MemberType), display
}

// readHeld reads beginLocked's memberships into held.
func readHeld(br pgx.BatchResults, held map[string]heldMember) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	var id, typ, display string
	_, err = pgx.ForEachRow(rows, []any{&id, &typ, &display}, func() error {
		held[id] = heldMember{present: true, m: schema.Member{Value: id, Type: backend.MemberType(typ), Display: display}}
		return nil
	})
	return err
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
	for range 2 { // BEGIN, genericPlans
		if _, err := br.Exec(); err != nil {
			return nil, nil, err
		}
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
// are resolved in the same round trip, for Resolve, and the memberships
// of those in hold read, for AddMembers and RemoveMembers (writer.held).
func (s *Store) lockForWrite(ctx context.Context, op, tenant string, rt *schema.ResourceType, id string, loadMembers, forDelete bool, resolve, hold []string) (*writer, backend.Stored, error) {
	l, err := s.beginLocked(ctx, tenant, rt, id, store.ReadOptions{OmitMembers: !loadMembers, OmitGroups: true}, forDelete, resolve, hold)
	if err != nil {
		return nil, backend.Stored{}, err
	}
	w := &writer{s: s, op: op, tenant: tenant, rt: rt, tx: l.tx, groups: l.groups, membersRead: loadMembers, held: l.held}
	if l.resolved != nil {
		w.prefetched, w.resolved = resolve, l.resolved
	}
	rw := l.row
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

// heldValues returns the member values an update of id names in its member
// deltas (added or removed), whose memberships it reads with the row lock
// to answer its member changes without a round trip each (writer.held),
// when rt has a membership index.
func heldValues(rt *schema.ResourceType, u store.Update) []string {
	if membersAttr(rt) == nil || u.LoadMembers {
		return nil
	}
	var named []schema.Member
	for _, d := range u.MemberDeltas {
		if d.Kind == schema.DeltaClear {
			return nil
		}
		named = append(named, d.Members...)
	}
	return backend.DistinctValues(named, "")
}
