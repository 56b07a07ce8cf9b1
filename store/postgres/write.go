package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// writer is the I/O of one write (backend.WriteTx); the algorithm itself is
// backend.RunCreate, RunUpdate and RunDelete. Writes are latency-bound, so
// the row, its unique values and the events are queued and sent as one
// pipelined batch by flush; membership changes, whose results the
// algorithm needs, are sent at once, after what is queued.
type writer struct {
	s      *Store
	op     string
	tenant string
	rt     *schema.ResourceType
	// tx is the write's transaction: begun with the row lock for updates
	// and deletes, begun on demand for a create that adds members, nil for
	// a create that is one implicit transaction (one round trip).
	tx *txConn
	// members (when membersRead) and groups are what the locking read
	// returned (updates); touched is set once the write changed the
	// membership.
	members     []schema.Member
	membersRead bool
	groups      []any
	touched     bool
	// prefetched are the ids resolved with the row lock, and resolved
	// their types (those that name a resource).
	prefetched []string
	resolved   map[string]string
	// held are the memberships of the values an update's member deltas
	// name, read with the row lock (lockForWrite's hold), and kept as this
	// write changes them: AddMembers and RemoveMembers of those values
	// answer from them and queue their statement with the last batch,
	// checked to change the rows they said (addMembersChecked). nil: each change
	// is a round trip that reads its result.
	held map[string]heldMember

	batch pgx.Batch
	reads []func(pgx.BatchResults) error // one per queued statement, in order
	rows  []bool                         // per queued statement: queued by queueRows
	claim *claimKeys                     // the unique values claimed, for their conflict
}

// claimKeys are the unique values a write claims (claimQuery), and the
// resource claiming them.
type claimKeys struct {
	id   string
	keys []backend.UniqueKey
}

var _ backend.WriteTx = (*writer)(nil)

// queue adds a statement to the pending batch, with read (nil: Exec) to
// consume its result. A read must not refuse the write by itself: the
// last batch ends with COMMIT, which the server runs whatever the reads
// decide afterwards; a write is refused by a statement that fails on the
// server (which makes it skip the rest of the batch, COMMIT included).
func (w *writer) queue(read func(pgx.BatchResults) error, query string, args ...any) {
	w.batch.Queue(query, args...)
	if read == nil {
		read = execRead
	}
	w.reads = append(w.reads, read)
	w.rows = append(w.rows, false)
}

// queueRows adds a statement that inserts rows given as one array per
// column (args, all slices of one length; unnest): the same statements of
// concurrent creates can be merged into one by concatenating their
// arrays (shared.go).
func (w *writer) queueRows(query string, args ...any) {
	w.queue(nil, query, args...)
	w.rows[len(w.rows)-1] = true
}

// execRead reads the result of a statement that returns no rows.
func execRead(br pgx.BatchResults) error { _, err := br.Exec(); return err }

// flush sends the pending batch, in w.tx when there is one, else as one
// implicit transaction, which concurrent writes may share (shared.go).
func (w *writer) flush(ctx context.Context) error {
	if w.batch.Len() == 0 {
		return nil
	}
	b, reads, rows := w.batch, w.reads, w.rows
	w.batch, w.reads, w.rows = pgx.Batch{}, nil, nil
	if w.tx == nil {
		return w.conflictOf(ctx, w.s.sendImplicit(ctx, b, reads, rows))
	}
	br := w.tx.SendBatch(ctx, &b)
	if err := readAll(br, reads); err != nil {
		br.Close()
		return w.conflictOf(ctx, err)
	}
	return w.conflictOf(ctx, br.Close())
}

// conflictOf turns the unique violation of the plain insert of unique
// values (claimQuery) into the store.ConflictError naming the attribute.
func (w *writer) conflictOf(ctx context.Context, err error) error {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == codeUniqueViolation && pe.TableName == "uniques" && w.claim != nil {
		if w.tx != nil {
			// Release the failed transaction's connection before the
			// lookup takes one from the pool.
			w.tx.Rollback(ctx)
			w.tx = nil
		}
		return w.s.conflict(ctx, w.tenant, w.rt, w.claim.id, w.claim.keys)
	}
	return err
}

// begin starts the transaction of a create that needs one, sending what
// is queued first. Callers are about to change the membership.
func (w *writer) begin(ctx context.Context) error {
	w.touched = true
	return w.inTx(ctx)
}

// inTx sends what is queued in the write's transaction, beginning it (in
// the same batch) when the write has none yet.
func (w *writer) inTx(ctx context.Context) error {
	if w.tx == nil {
		c, err := w.s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		w.tx = &txConn{c}
		w.batch.QueuedQueries = append([]*pgx.QueuedQuery{{SQL: beginSQL}, {SQL: genericPlans}}, w.batch.QueuedQueries...)
		w.reads = append([]func(pgx.BatchResults) error{execRead, execRead}, w.reads...)
		w.rows = append([]bool{false, false}, w.rows...)
	}
	return w.flush(ctx)
}

// Members returns the members the locking read returned, or, once the
// write has changed the membership, reads them in the transaction.
func (w *writer) Members(ctx context.Context, id string) ([]schema.Member, error) {
	if w.membersRead && !w.touched {
		return w.members, nil
	}
	if err := w.begin(ctx); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.q(`SELECT member_id, type, display FROM {s}.members WHERE tenant = $1 AND group_id = $2 ORDER BY ord`), w.tenant, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (schema.Member, error) {
		var m schema.Member
		err := r.Scan(&m.Value, &m.Type, &m.Display)
		return m, err
	})
}

func (w *writer) Groups(context.Context, string) ([]any, error) { return w.groups, nil }

// Resolve reads the types of ids in the write's transaction (in one batch
// with what is queued, and with BEGIN when the write has no transaction
// yet; an update whose member deltas add them read them with its row lock,
// see lockForWrite) and locks
// their rows FOR KEY SHARE until it ends: a concurrent Delete (which locks
// the row FOR UPDATE first) either commits before, and the row is not
// found, or waits for this write and then removes the membership it
// added. Updates lock FOR NO KEY UPDATE, which KEY SHARE does not block:
// adding a user to a group and updating that user do not wait for each
// other. Rows are locked in id order; a deadlock with another write's row
// locks (two groups added to each other at once) is retried like any.
func (w *writer) Resolve(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if w.prefetched != nil && covers(w.prefetched, ids) {
		for _, id := range ids {
			if t, ok := w.resolved[id]; ok {
				out[id] = t
			}
		}
		return out, nil
	}
	w.queue(func(br pgx.BatchResults) error { return readResolved(br, out) }, w.s.q(resolveQuery), w.tenant, ids)
	if err := w.inTx(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// covers reports whether every id of ids is in set: at once when they are
// the same list (the values backend.AddedValues gave lockForWrite, which
// RunUpdate resolves), else through a set, so that a delta adding 10,000
// members is not checked in 10,000² steps.
func covers(set, ids []string) bool {
	if slices.Equal(set, ids) {
		return true
	}
	in := make(map[string]bool, len(set))
	for _, id := range set {
		in[id] = true
	}
	for _, id := range ids {
		if !in[id] {
			return false
		}
	}
	return true
}

// Check does nothing: Put claims the unique values and the tombstone
// trigger refuses a reserved externalId, and a failure rolls back.
func (w *writer) Check(context.Context, *backend.Doc, *backend.Doc) error { return nil }

func (w *writer) Put(ctx context.Context, wr *backend.Written) error {
	if wr.Doc == nil {
		w.queue(nil, w.s.q(`UPDATE {s}.resources SET version = $3, last_modified = $4 WHERE tenant = $1 AND id = $2`),
			w.tenant, wr.ID, wr.Version, wr.LastModified)
		return nil
	}
	data, fold, err := docs(wr.Doc)
	if err != nil {
		return err
	}
	ext := wr.Doc.Resource.ExternalID
	keys := wr.Doc.Uniques()
	if wr.Op == backend.OpCreate {
		w.queueRows(w.s.q(insertResources), []string{w.tenant}, []string{wr.ID}, []string{w.rt.Name},
			[]time.Time{wr.Created}, []string{ext}, []string{string(data)}, []string{string(fold)})
		w.claimUniques(wr.ID, keys)
		return nil
	}
	w.queue(nil, w.s.q(`UPDATE {s}.resources SET version = $3, last_modified = $4, external_id = NULLIF($5, ''), data = $6, fold = $7
		WHERE tenant = $1 AND id = $2`), w.tenant, wr.ID, wr.Version, wr.LastModified, ext, data, fold)
	if old := wr.Prev.Uniques(); !equalKeys(old, keys) {
		w.queue(nil, w.s.q(`DELETE FROM {s}.uniques WHERE tenant = $1 AND id = $2`), w.tenant, wr.ID)
		w.claimUniques(wr.ID, keys)
	}
	return nil
}

// claimUniques queues the claim of keys for id: a plain insert, so that a
// value another resource holds fails the statement and the transaction,
// on the server, before COMMIT (see conflictOf).
func (w *writer) claimUniques(id string, keys []backend.UniqueKey) {
	if len(keys) == 0 {
		return
	}
	w.claim = &claimKeys{id: id, keys: keys}
	w.queueRows(w.s.q(claimQuery), claimArgs(w.tenant, w.rt, id, keys)...)
}

func equalKeys(a, b []backend.UniqueKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// docs returns the stored data and fold documents of d: its attributes
// with "schemas" beside them.
func docs(d *backend.Doc) (data, fold []byte, err error) {
	schemas, err := json.Marshal(d.Resource.Schemas)
	if err != nil {
		return nil, nil, err
	}
	if data, err = d.Data(); err != nil {
		return nil, nil, err
	}
	if fold, err = d.Fold(); err != nil {
		return nil, nil, err
	}
	return withSchemas(data, schemas), withSchemas(fold, schemas), nil
}

// withSchemas inserts "schemas": schemas as the first member of the JSON
// object obj.
func withSchemas(obj, schemas []byte) []byte {
	out := make([]byte, 0, len(obj)+len(schemas)+12)
	out = append(out, `{"schemas":`...)
	out = append(out, schemas...)
	if len(obj) > 2 {
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// addMembers and removeMembers are the statements of AddMembers and
// RemoveMembers, which return the members they changed (writer.collect).
const (
	addMembers = `INSERT INTO {s}.members (tenant, group_id, member_id, type, display, ref, fold)
		SELECT $1, $2, u.v, u.t, u.d, '', u.f::jsonb
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(v, t, d, f, n)
		ORDER BY u.n
		ON CONFLICT DO NOTHING
		RETURNING member_id, type, display`
	removeMembers = `DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2 AND member_id = ANY($3::text[])
		RETURNING member_id, type, display`
)

// addMembersChecked and removeMembersChecked are addMembers and
// removeMembers with one more parameter, the rows they must change: other
// than that, they fail the transaction with codeRowsMoved (migration
// 0033).
var (
	addMembersChecked    = checkedRows(addMembers, 7)
	removeMembersChecked = checkedRows(removeMembers, 4)
)

func checkedRows(statement string, want int) string {
	return `WITH c AS (` + statement + `) SELECT {s}.expect_rows((SELECT count(*) FROM c), $` + strconv.Itoa(want) + `)`
}

// predicted reports whether the memberships of values are known (held).
func (w *writer) predicted(values iter.Seq[string]) bool {
	if w.held == nil || w.tx == nil {
		return false
	}
	for v := range values {
		if _, ok := w.held[v]; !ok {
			return false
		}
	}
	return true
}

func (w *writer) AddMembers(ctx context.Context, id string, ms []schema.Member) ([]schema.Member, error) {
	a := membersAttr(w.rt)
	ids, types, displays, folds := make([]string, len(ms)), make([]string, len(ms)), make([]string, len(ms)), make([]string, len(ms))
	for i, m := range ms {
		f, err := json.Marshal(backend.FoldMember(a, m))
		if err != nil {
			return nil, err
		}
		ids[i], types[i], displays[i], folds[i] = m.Value, m.Type, m.Display, string(f)
	}
	if w.predicted(slices.Values(ids)) {
		var added []schema.Member
		for _, m := range ms { // distinct values (backend.WriteTx)
			if !w.held[m.Value].present {
				m.Type = backend.MemberType(m.Type)
				added = append(added, m)
				w.held[m.Value] = heldMember{present: true, m: m}
			}
		}
		w.touched = true
		w.queue(nil, w.s.q(addMembersChecked), w.tenant, id, ids, types, displays, folds, len(added))
		return added, nil
	}
	if err := w.begin(ctx); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.q(addMembers), w.tenant, id, ids, types, displays, folds) // types: as resolved (backend.WriteTx)
	if err != nil {
		return nil, err
	}
	return w.collect(rows)
}

func (w *writer) RemoveMembers(ctx context.Context, id string, values []string) ([]schema.Member, error) {
	if w.predicted(slices.Values(values)) {
		var removed []schema.Member
		for _, v := range values { // distinct (backend.WriteTx)
			if h := w.held[v]; h.present {
				removed = append(removed, h.m)
				w.held[v] = heldMember{}
			}
		}
		w.touched = true
		w.queue(nil, w.s.q(removeMembersChecked), w.tenant, id, values, len(removed))
		return removed, nil
	}
	if err := w.begin(ctx); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.q(removeMembers), w.tenant, id, values)
	if err != nil {
		return nil, err
	}
	return w.collect(rows)
}

func (w *writer) ClearMembers(ctx context.Context, id string) ([]schema.Member, error) {
	w.held = nil // it changes memberships it does not know
	if err := w.begin(ctx); err != nil {
		return nil, err
	}
	rows, err := w.tx.Query(ctx, w.s.q(`WITH d AS (DELETE FROM {s}.members WHERE tenant = $1 AND group_id = $2
		RETURNING member_id, type AS t, display, ord)
		SELECT member_id, t, display FROM d ORDER BY ord`), w.tenant, id)
	if err != nil {
		return nil, err
	}
	return w.collect(rows)
}

// collect reads the (member_id, type, display) rows of a membership
// statement: the members it changed with the type their change reports
// (backend.MemberType of the stored type) and their stored display.
func (w *writer) collect(rows pgx.Rows) ([]schema.Member, error) {
	var id, typ, display string
	var out []schema.Member
	_, err := pgx.ForEachRow(rows, []any{&id, &typ, &display}, func() error {
		out = append(out, schema.Member{Value: id, Type: backend.MemberType(typ), Display: display})
		return nil
	})
	return out, err
}

func (w *writer) EditMembers(ctx context.Context, id string, ms []schema.Member) error {
	if err := w.begin(ctx); err != nil {
		return err
	}
	a := membersAttr(w.rt)
	for _, m := range ms {
		f, err := json.Marshal(backend.FoldMember(a, m))
		if err != nil {
			return err
		}
		if _, err := w.tx.Exec(ctx, w.s.q(`UPDATE {s}.members SET type = $4, display = $5, fold = $6
			WHERE tenant = $1 AND group_id = $2 AND member_id = $3`), w.tenant, id, m.Value, m.Type, m.Display, f); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) Remove(ctx context.Context, r *schema.Resource, _ int64) (members []schema.Member, left []string, err error) {
	if membersAttr(w.rt) != nil {
		if members, err = w.ClearMembers(ctx, r.ID); err != nil {
			return nil, nil, err
		}
	}
	rows, err := w.tx.Query(ctx, w.s.q(`WITH d AS (DELETE FROM {s}.members WHERE tenant = $1 AND member_id = $2 RETURNING group_id, ord)
		SELECT group_id FROM d ORDER BY ord`), w.tenant, r.ID)
	if err != nil {
		return nil, nil, err
	}
	if left, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, nil, err
	}
	if _, err := w.tx.Exec(ctx, w.s.q(`DELETE FROM {s}.resources WHERE tenant = $1 AND id = $2`), w.tenant, r.ID); err != nil {
		return nil, nil, err
	}
	return members, left, nil
}

// Record queues the events, the last statement of the batch (eventsStmt).
func (w *writer) Record(_ context.Context, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	query, args, err := w.s.eventsStmt(evs)
	if err != nil {
		return err
	}
	w.queueRows(query, args...)
	return nil
}

// now is the time of a write at the stored precision.
func now() time.Time { return backend.Timestamp(time.Now()) }

// insertResources inserts new resources, one array per column (queueRows),
// in array order, so seq follows it: tenant, id, type, created, externalId
// (empty for none), data and fold.
const insertResources = `INSERT INTO {s}.resources (tenant, id, type, version, created, last_modified, external_id, data, fold)
	SELECT u.tenant, u.id, u.type, 1, u.created, u.created, NULLIF(u.ext, ''), u.data::jsonb, u.fold::jsonb
	FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
		WITH ORDINALITY AS u(tenant, id, type, created, ext, data, fold, ord)
	ORDER BY u.ord`

// Create stores a new resource (backend.RunCreate, RFC 7644 §3.3). Without
// members it is one pipelined batch, one implicit transaction: the row,
// its unique values and its events; a value already held fails the batch
// and is reported as a store.ConflictError. With members it is a
// transaction.
func (s *Store) Create(ctx context.Context, tenant string, rt *schema.ResourceType, r *schema.Resource) (*schema.Resource, error) {
	op := "create " + rt.Name
	id := store.NewID()
	var out *schema.Resource
	err := s.retry(ctx, op, func() error {
		w := &writer{s: s, op: op, tenant: tenant, rt: rt}
		var err error
		if out, err = backend.RunCreate(ctx, w, tenant, rt, r, id, now()); err != nil {
			return w.abort(ctx, err)
		}
		return w.commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// abort rolls back the write's transaction, if any, releases its
// connection and returns err.
func (w *writer) abort(ctx context.Context, err error) error {
	if w.tx != nil {
		w.tx.Rollback(ctx)
	}
	return err
}

// commit sends what is queued and commits, in one batch: with COMMIT as
// its last statement when the write has a transaction, else as the
// batch's implicit transaction.
func (w *writer) commit(ctx context.Context) error {
	if w.tx != nil {
		w.queue(readCommit, commitSQL)
	}
	if err := w.flush(ctx); err != nil {
		return w.abort(ctx, err)
	}
	if w.tx != nil {
		w.tx.release()
	}
	return nil
}

// Update is the read-modify-write behind PUT and PATCH (backend.RunUpdate,
// RFC 7644 §3.5). The row is locked (SELECT ... FOR NO KEY UPDATE) for the
// whole transaction, so concurrent updates of one resource, from any process,
// are serialised and none is lost; u.Apply runs again when the
// transaction is retried after a deadlock. Round trips: BEGIN with the row
// lock, the member's groups, (LoadMembers) the members, the types of the
// members the deltas add and which of the members they name the group
// holds; the member deltas' statements, the row, unique values, events and
// COMMIT (TestWriteRoundTrips). The member deltas' results are known from
// the first round trip (writer.held); when a membership changed after it
// (a member deleted meanwhile, which does not lock the group), their
// statements fail the transaction, and the update runs again with a round
// trip per member delta, reading each result.
func (s *Store) Update(ctx context.Context, tenant string, rt *schema.ResourceType, id string, u store.Update) (*schema.Resource, *store.Change, error) {
	op := "update " + rt.Name + " " + id
	var out *schema.Resource
	var change *store.Change
	attempt := func(hold []string) error {
		w, cur, err := s.lockForWrite(ctx, op, tenant, rt, id, u.LoadMembers, false, resolvable(rt, u, id), hold)
		if err != nil {
			return err
		}
		if out, change, err = backend.RunUpdate(ctx, w, tenant, rt, cur, u, now()); err != nil {
			return w.abort(ctx, err)
		}
		return w.commit(ctx)
	}
	err := s.retry(ctx, op, func() error {
		hold := heldValues(rt, u)
		err := attempt(hold)
		if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == codeRowsMoved && hold != nil {
			// Once more at once, reading each result: not a conflict
			// with another write, and not counted as a retry.
			err = attempt(nil)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, change, nil
}

// Delete removes the resource, its unique values, its own members (a
// group) and its memberships in other groups, with the events saying
// which members and groups were affected (backend.RunDelete, RFC 7644 §3.6).
func (s *Store) Delete(ctx context.Context, tenant string, rt *schema.ResourceType, id string, ifMatch string) error {
	return s.delete(ctx, tenant, rt, id, ifMatch, false)
}

// delete is Delete, and DeleteWithTombstone when tomb is set.
func (s *Store) delete(ctx context.Context, tenant string, rt *schema.ResourceType, id, ifMatch string, tomb bool) error {
	op := "delete " + rt.Name + " " + id
	return s.retry(ctx, op, func() error {
		w, cur, err := s.lockForWrite(ctx, op, tenant, rt, id, false, true, nil, nil)
		if err != nil {
			return err
		}
		t := now()
		if err := backend.RunDelete(ctx, w, tenant, rt, cur, ifMatch, t); err != nil {
			return w.abort(ctx, err)
		}
		if tomb {
			if err := s.bury(w, tenant, rt, cur.Resource, t); err != nil {
				return w.abort(ctx, err)
			}
		}
		return w.commit(ctx)
	})
}
