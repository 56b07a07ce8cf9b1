package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Create stores a new resource (RFC 7644 §3.3): id, meta.created,
// meta.lastModified and meta.version W/"1" are assigned here; uniqueness
// is claimed in the same transaction, and a duplicate returns
// store.ErrConflict naming the attribute. The initial members of a group
// go to the membership index.
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	op := "create " + rt.Name
	now := dbTime(time.Now())
	res := r.Clone()
	res.ID = store.NewID()
	res.Meta = schema.Meta{ResourceType: rt.Name, Created: now, LastModified: now, Version: store.FormatVersion(1)}
	members := membersOf(res.Attrs["members"])
	if membersAttr(rt) == nil {
		members = nil
	}
	delete(res.Attrs, "members")
	if groupsAttr(rt) != nil {
		delete(res.Attrs, "groups")
	}
	data, fold, err := encodeDocs(rt, res)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	keys := uniqueKeys(rt, res)
	if len(members) == 0 {
		evs := store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpCreate, After: res, Version: 1}, tenant, now)
		err = s.retry(ctx, op, func() error { return s.createBatch(ctx, op, tenant, rt, res, data, fold, keys, evs) })
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	err = s.tx(ctx, op, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, s.q(insertResource), tenant, res.ID, rt.Name, now, res.ExternalID, data, fold)
		if err != nil {
			return err
		}
		if err := s.claimUniques(ctx, tx, op, tenant, rt, res.ID, keys); err != nil {
			return err
		}
		var set memberSet
		if len(members) > 0 {
			if err := s.addMembers(ctx, tx, tenant, rt, res.ID, members, &set); err != nil {
				return err
			}
		}
		evs := store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpCreate, After: res, Version: 1,
			MembersAdded: set.added, MemberOf: set.typeOf}, tenant, now)
		return s.insertEvents(ctx, tx, evs)
	})
	if err != nil {
		return nil, err
	}
	if len(members) > 0 {
		list := make([]any, len(members))
		for i, m := range members {
			list[i] = memberValue(membersAttr(rt), m)
		}
		res.Attrs["members"] = list
	}
	return res, nil
}

const insertResource = `INSERT INTO {s}.resources (tenant, id, type, version, created, last_modified, external_id, data, fold)
	VALUES ($1, $2, $3, 1, $4, $4, NULLIF($5, ''), $6, $7)`

// createBatch creates a resource without members in one round trip: the
// insert, its unique values and its events are one pipelined batch, the
// implicit transaction of which commits them together. A unique value
// already held (or being claimed by a transaction that then commits)
// fails the insert of uniques, which rolls the whole batch back.
func (s *Store) createBatch(ctx context.Context, op, tenant string, rt *schema.ResourceType, res *schema.Resource, data, fold []byte, keys []uniqueKey, evs []store.Event) error {
	b := &pgx.Batch{}
	b.Queue(s.q(insertResource), tenant, res.ID, rt.Name, res.Meta.Created, res.ExternalID, data, fold)
	if len(keys) > 0 {
		attrs, values := splitKeys(keys)
		b.Queue(s.q(`INSERT INTO {s}.uniques (tenant, type, attr, value, id)
			SELECT $1, $2, u.a, u.v, $3 FROM unnest($4::text[], $5::text[]) AS u(a, v)`), tenant, rt.Name, res.ID, attrs, values)
	}
	query, args, err := s.eventsStmt(evs)
	if err != nil {
		return err
	}
	b.Queue(query, args...)
	err = sendAll(ctx, s.pool, b)
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == codeUniqueViolation && pe.TableName == "uniques" {
		return s.conflict(ctx, op, tenant, rt, keys)
	}
	return err
}

// Get returns the resource or store.ErrNotFound (also for a resource of
// another tenant or type). With opts.OmitMembers the membership index is
// not read.
func (s *Store) Get(ctx context.Context, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*schema.Resource, error) {
	op := "get " + rt.Name + " " + id
	if s.closed.Load() {
		return nil, fmt.Errorf("store: %s: %w", op, store.ErrClosed)
	}
	rw, err := scanRow(s.pool.QueryRow(ctx, s.q(`SELECT `+s.selectCols(rt, opts)+`
		FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3`), tenant, id, rt.Name))
	if err != nil {
		return nil, mapErr(op, err)
	}
	res, err := rw.resource(rt)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	return res, nil
}

// lockRow reads and locks (SELECT ... FOR UPDATE) the row of a resource
// for a write; other writers of the same resource wait until commit.
func (s *Store) lockRow(ctx context.Context, tx pgx.Tx, tenant string, rt *schema.ResourceType, id string, opts store.ReadOptions) (*row, error) {
	return scanRow(tx.QueryRow(ctx, s.q(`SELECT `+s.selectCols(rt, opts)+`
		FROM {s}.resources r WHERE r.tenant = $1 AND r.id = $2 AND r.type = $3 FOR UPDATE OF r`), tenant, id, rt.Name))
}

// checkIfMatch compares an If-Match value (RFC 7644 §3.14, RFC 7232 §3.1)
// with the stored version: "" and "*" match any existing resource.
func checkIfMatch(op, ifMatch string, version int64) error {
	if ifMatch == "" || ifMatch == "*" {
		return nil
	}
	if v, ok := store.ParseVersion(ifMatch); ok && v == version {
		return nil
	}
	return fmt.Errorf("store: %s: If-Match %s, stored version is %s: %w", op, ifMatch, store.FormatVersion(version), store.ErrPrecondition)
}

// Delete removes the resource, its unique values, its own members (a
// group) and its memberships in other groups, with the events saying
// which members and groups were affected (RFC 7644 §3.6).
func (s *Store) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, false)
}

// delete is Delete, and DeleteWithTombstone when tomb is set.
func (s *Store) delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string, tomb bool) error {
	op := "delete " + rt.Name + " " + id
	return s.tx(ctx, op, func(tx pgx.Tx) error {
		rw, err := s.lockRow(ctx, tx, tenant, rt, id, store.ReadOptions{OmitMembers: true, OmitGroups: true})
		if err != nil {
			return err
		}
		if err := checkIfMatch(op, ifMatch, rw.version); err != nil {
			return err
		}
		before, err := rw.resource(rt)
		if err != nil {
			return err
		}
		var set memberSet
		if membersAttr(rt) != nil {
			if err := s.clearMembers(ctx, tx, tenant, id, &set); err != nil {
				return err
			}
		}
		left, err := s.leaveAll(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.q(`DELETE FROM {s}.resources WHERE tenant = $1 AND id = $2`), tenant, id); err != nil {
			return err
		}
		now := dbTime(time.Now())
		if tomb {
			if err := s.bury(ctx, tx, tenant, rt, before, now); err != nil {
				return err
			}
		}
		evs := store.DeriveEvents(ctx, rt, store.Effect{Op: store.OpDelete, Before: before, Version: rw.version,
			MembersRemoved: set.removed, MemberOf: set.typeOf, GroupsLeft: left}, tenant, now)
		return s.insertEvents(ctx, tx, evs)
	})
}
