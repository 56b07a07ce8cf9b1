package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// plan is a List query translated to SQL.
type plan struct {
	t     translator
	where pred   // tenant, type and the filter
	key   string // sort key SQL, "" for creation order
	desc  bool
}

func newPlan(tenant string, rt *schema.ResourceType, q store.Query) plan {
	t := translator{tenant: tenant, rt: rt, ti: infoOf(rt)}
	p := plan{t: t, key: t.sortKey(q.SortBy), desc: q.Descending}
	p.where = pred{sql: "r.tenant = ? AND r.type = ?", args: []any{tenant, rt.Name}, exact: true}
	if q.Filter != nil {
		f := t.expr(q.Filter)
		p.where = pred{sql: p.where.sql + " AND " + f.sql, args: append(p.where.args, f.args...), exact: f.exact}
	}
	return p
}

// List implements store.Store (RFC 7644 §3.4.2): filter, sort, index or
// cursor (RFC 9865) paging, and the exact total. A filter translated
// exactly runs entirely in SQL; otherwise SQL narrows the candidates and
// filter.Match decides, in sort order.
func (s *Store) List(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query) (*store.Page, error) {
	return s.list(ctx, tenant, rt, q, nil)
}

// list is List, and ListEncoded when enc is set.
func (s *Store) list(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, enc *backend.EncodedPageBuilder) (*store.Page, error) {
	op := "list " + rt.Name
	if err := backend.CheckQuery(rt, q); err != nil {
		return nil, fmt.Errorf("store: %s: %w", op, err)
	}
	p := newPlan(tenant, rt, q)
	var cur *cursor
	if q.UseCursor && q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, fingerprint(rt, q))
		if err != nil {
			return nil, s.wrap(op, err)
		}
		cur = &c
	}
	var page *store.Page
	var err error
	if p.where.exact {
		page, err = s.listExact(ctx, tenant, rt, q, p, cur, enc)
	} else {
		page, err = s.listMatch(ctx, tenant, rt, q, p, cur)
	}
	return page, s.wrap(op, err)
}

func (s *Store) listExact(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, p plan, cur *cursor, enc *backend.EncodedPageBuilder) (*store.Page, error) {
	page := &store.Page{}
	// The first page of a filter (an IdP's userName eq lookup) skips the
	// count when the page is not full: its rows are then all the matches.
	first := q.Filter != nil && !q.UseCursor && q.StartIndex <= 1 && q.Count > 0
	if !first {
		var err error
		if page.TotalResults, err = s.total(ctx, tenant, rt, q, p); err != nil {
			return nil, err
		}
		if q.Count <= 0 || page.TotalResults == 0 {
			return page, nil
		}
	}
	where, offset, limit := p.where, 0, q.Count
	if q.UseCursor {
		limit++ // one more row tells whether a next page exists
		if cur != nil {
			a := cur.after(p.key, p.desc)
			where = pred{sql: where.sql + " AND " + a.sql, args: append(append([]any(nil), where.args...), a.args...)}
		}
	} else if q.StartIndex > 1 {
		offset = q.StartIndex - 1
	}
	args := append(append([]any(nil), where.args...), limit, offset)
	blocks := p.key == "" && !q.UseCursor && q.Filter == nil && offset > 0
	// The groups of a page of users are read by the page's statement
	// itself: one statement less per lookup, and one snapshot.
	inline := infoOf(rt).groups != nil && !q.Read.OmitGroups
	if blocks {
		// Creation order from startIndex: find the block holding the row
		// at offset in page_blocks (migration 0008) and skip fewer than
		// 1024 index entries inside it. Blocks and rows are read by one
		// statement (one snapshot), so a concurrent write never shifts the
		// page between the two.
		args = append(append([]any{tenant, rt.Name, offset, offset, offset}, where.args...), limit)
	}
	// With a warm render cache, the page's statement reads only each
	// row's seq and version (leanCols; the cache has the rest) and the
	// cache's misses are read whole by a second statement (readMisses).
	// When pages mostly miss (a working set larger than the cache), one
	// statement reading the documents costs less.
	lean := enc != nil && enc.Warm()
	last, err := s.readPage(ctx, pageQuery(p, where, blocks, inline, lean), args, rt, enc, inline, lean)
	if err != nil {
		return nil, err
	}
	if lean {
		ok, err := s.readMisses(ctx, tenant, rt, enc, last)
		if err != nil {
			return nil, err
		}
		if !ok { // a miss changed in between: read the page again, documents included
			enc.Reset()
			if last, err = s.readPage(ctx, pageQuery(p, where, blocks, inline, false), args, rt, enc, inline, false); err != nil {
				return nil, err
			}
		}
	}
	if first {
		page.TotalResults = len(last)
		if len(last) == q.Count {
			n, err := s.total(ctx, tenant, rt, q, p)
			if err != nil {
				return nil, err
			}
			page.TotalResults = max(n, len(last)) // a row created in between
		}
	}
	return s.finish(ctx, tenant, rt, q, page, last)
}

// readPage runs a page statement and scans its rows; lean rows have no
// document (leanCols): their attributes come from enc's cache, or are
// left to readMisses.
func (s *Store) readPage(ctx context.Context, query string, args []any, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, inline, lean bool) ([]*keyed, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*keyed
	for rows.Next() {
		var k *keyed
		if lean {
			k, err = scanKeyedLean(rows, rt, enc, inline)
		} else {
			k, err = scanKeyedEnc(rows, rt, enc, inline)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// readMisses reads the rows the cache missed (scanLean), in one
// statement, and renders their attributes into enc (or decodes them when
// the default projection would change them). It reports false when one of
// them is gone or has another version than the page's statement read:
// the page must then be read again in full, so that it shows one
// snapshot.
func (s *Store) readMisses(ctx context.Context, tenant string, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, page []*keyed) (bool, error) {
	missed := map[int64]*keyed{}
	args := []any{tenant, rt.Name}
	for _, k := range page {
		if k.slot >= 0 {
			missed[k.seq] = k
			args = append(args, k.seq)
		}
	}
	if len(missed) == 0 {
		return true, nil
	}
	if s.beforeMisses != nil {
		s.beforeMisses()
	}
	rows, err := s.read.QueryContext(ctx, missesQuery(len(missed)), args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		ok, err := scanMiss(rows, rt, enc, missed)
		if err != nil || !ok {
			return false, err
		}
		found++
	}
	return found == len(missed), rows.Err()
}

// missesQuery reads n rows of a tenant and
// type by seq (readMisses).
func missesQuery(n int) string {
	return "SELECT " + rowCols + " FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.seq IN (?" + strings.Repeat(", ?", n-1) + ")"
}

// total is the exact number of matches: for no filter, the count the
// triggers of migration 0005 keep per tenant and type; else a count of the
// matches (through an index when the filter has one).
func (s *Store) total(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, p plan) (int, error) {
	var n int
	if q.Filter == nil {
		err := s.read.QueryRowContext(ctx, "SELECT n FROM counts WHERE tenant = ? AND type = ?", tenant, rt.Name).Scan(&n)
		if isNoRows(err) {
			return 0, nil
		}
		return n, err
	}
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM resources r WHERE "+p.where.sql, p.where.args...).Scan(&n)
	return n, err
}

// pageQuery selects the page: the sequence numbers of the page are found
// first, in the narrow covering (tenant, type, seq) index, and only the
// page's rows are read. Without blocks its last two parameters are LIMIT
// and OFFSET. With blocks (creation order, no filter, where is tenant and
// type) the parameters are tenant, type, offset three times, the where
// arguments and LIMIT: the running sum of the page blocks of the tenant
// and type (fewer than 2N/1024+1 of them; every block holds at least one
// resource) finds the one block with sum before it <= offset < sum through
// it, and the page starts offset minus the sum before it (fewer than 1024)
// rows into that block, so the cost does not depend on offset.
//
// With groups, a last column holds the resource's groups (groupsCol).
//
// lean leaves the document out (leanCols instead of rowCols).
func pageQuery(p plan, where pred, blocks, groups, lean bool) string {
	order := orderBy(p.key, p.desc)
	cols := rowCols + ", " + keyCol(p.key)
	if lean {
		cols = leanCols + ", " + keyCol(p.key)
	}
	if groups {
		cols += ", " + pageGroupsCol
	}
	sel := "SELECT " + cols + " FROM resources r WHERE r.seq IN (SELECT r.seq FROM resources r WHERE "
	if blocks {
		return "WITH b AS (SELECT start, n, sum(n) OVER (ORDER BY start ROWS UNBOUNDED PRECEDING) AS cum FROM page_blocks WHERE tenant = ? AND type = ?), " +
			"s AS (SELECT start, ? - (cum - n) AS skip FROM b WHERE cum - n <= ? AND ? < cum) " +
			sel + where.sql + " AND r.seq >= (SELECT start FROM s) ORDER BY r.seq LIMIT ? OFFSET coalesce((SELECT skip FROM s), 0))" + order
	}
	return sel + where.sql + order + " LIMIT ? OFFSET ?)" + order
}

// pageGroupsCol is groupsCol for a page statement: NULL (no groups, as
// "[]") without the aggregate when r is a member of nothing, the common
// case, where setting up the aggregate per row cost more than the
// membership index probe that avoids it.
const pageGroupsCol = `CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.tenant = r.tenant AND m.member_id = r.id) THEN ` + groupsCol + ` END`

// keyed is a row with its sort key and, when the statement read them
// (groupsCol), its groups.
type keyed struct {
	*row
	key    any
	groups sql.NullString
	inline bool // groups was read
	// slot is the index of a lean row in its EncodedPageBuilder when
	// the cache missed it (readMisses renders it there), else -1.
	slot int
}

func keyCol(key string) string {
	if key == "" {
		return "NULL"
	}
	return key
}

func scanKeyed(rows *sql.Rows, rt *schema.ResourceType) (*keyed, error) {
	return scanKeyedEnc(rows, rt, nil, false)
}

// scanKeyedEnc is scanKeyed rendering the row's attributes into enc when
// it is set and can (ListEncoded), and scanning the groups column after
// the key when groups is set.
func scanKeyedEnc(rows *sql.Rows, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, groups bool) (*keyed, error) {
	k := keyed{inline: groups, slot: -1}
	var err error
	k.row, err = scanRowEnc(multiScanner{rows, &k}, rt, enc)
	return &k, err
}

// scanKeyedLean is scanKeyedEnc for a row of leanCols: its attributes
// come from enc's cache, or, when it misses, are left to readMisses (slot
// set, Attrs empty).
func scanKeyedLean(rows *sql.Rows, rt *schema.ResourceType, enc *backend.EncodedPageBuilder, groups bool) (*keyed, error) {
	k := keyed{inline: groups}
	var err error
	if k.row, k.slot, err = scanLean(multiScanner{rows, &k}, rt, enc); err != nil {
		return nil, err
	}
	return &k, nil
}

// multiScanner scans the row columns and then the sort key and, if k
// wants them, the groups.
type multiScanner struct {
	rows *sql.Rows
	k    *keyed
}

func (m multiScanner) Scan(dest ...any) error {
	dest = append(dest, &m.k.key)
	if m.k.inline {
		dest = append(dest, &m.k.groups)
	}
	return m.rows.Scan(dest...)
}

// finish fills the derived attributes of the page's resources and, in
// cursor mode, the next cursor (rows holds up to Count+1 rows then).
func (s *Store) finish(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, page *store.Page, rows []*keyed) (*store.Page, error) {
	if q.UseCursor && len(rows) > q.Count {
		rows = rows[:q.Count]
		l := rows[len(rows)-1]
		page.NextCursor = cursor{Key: l.key, Null: l.key == nil, Seq: l.seq, Query: fingerprint(rt, q)}.encode()
	}
	opts := q.Read
	for _, k := range rows {
		page.Resources = append(page.Resources, k.res)
		if k.inline {
			if err := setGroups(rt, k.res, k.groups.String); err != nil {
				return nil, err
			}
			opts.OmitGroups = true // read by the page's statement
		}
	}
	if err := s.completeAll(ctx, s.read, tenant, rt, page.Resources, opts); err != nil {
		return nil, err
	}
	return page, nil
}

// listMatch evaluates filter.Match over the SQL candidates in sort order.
func (s *Store) listMatch(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, p plan, cur *cursor) (*store.Page, error) {
	needMembers, needGroups := p.t.usesIndex(q.Filter)
	load := store.ReadOptions{OmitMembers: !needMembers, OmitGroups: !needGroups}
	page := &store.Page{}
	skip, want := 0, q.Count
	if q.UseCursor {
		want++
	} else if q.StartIndex > 1 {
		skip = q.StartIndex - 1
	}
	var after *pred
	if cur != nil {
		a := cur.after(p.key, p.desc)
		after = &a
	}
	var picked []*keyed
	seen := map[int64]bool{}
	query := "SELECT " + rowCols + ", " + keyCol(p.key) + " FROM resources r WHERE " + p.where.sql + orderBy(p.key, p.desc)
	err := s.scan(ctx, tenant, query, p.where.args, rt, load, func(k *keyed) error {
		if !filter.Match(rt, q.Filter, k.res) {
			return nil
		}
		page.TotalResults++
		if after == nil {
			if skip > 0 {
				skip--
			} else if len(picked) < want {
				picked = append(picked, k)
			}
		} else {
			seen[k.seq] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if after != nil && want > 0 {
		// Second pass: the matches after the cursor, in order.
		query := "SELECT " + rowCols + ", " + keyCol(p.key) + " FROM resources r WHERE " + p.where.sql + " AND " + after.sql + orderBy(p.key, p.desc)
		none := store.ReadOptions{OmitMembers: true, OmitGroups: true}
		err = s.scan(ctx, tenant, query, append(append([]any(nil), p.where.args...), after.args...), rt, none, func(k *keyed) error {
			if seen[k.seq] && len(picked) < want {
				picked = append(picked, k)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if q.Count <= 0 {
		return page, nil
	}
	for _, k := range picked {
		for _, name := range []string{attrName(p.t.ti.members), attrName(p.t.ti.groups)} {
			delete(k.res.Attrs, name)
		}
	}
	return s.finish(ctx, tenant, rt, q, page, picked)
}

func attrName(a *schema.Attribute) string {
	if a == nil {
		return ""
	}
	return a.Name
}

// scan runs query and calls fn for each row until fn fails, with the
// attributes of the membership index that load asks for.
func (s *Store) scan(ctx context.Context, tenant, query string, args []any, rt *schema.ResourceType, load store.ReadOptions, fn func(*keyed) error) error {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var all []*keyed
	for rows.Next() {
		k, err := scanKeyed(rows, rt)
		if err != nil {
			return err
		}
		all = append(all, k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close() // release the connection before reading the index
	const batch = 500
	for i := 0; i < len(all); i += batch {
		chunk := all[i:min(i+batch, len(all))]
		rs := make([]*schema.Resource, len(chunk))
		for j, k := range chunk {
			rs[j] = k.res
		}
		if err := s.completeAll(ctx, s.read, tenant, rt, rs, load); err != nil {
			return err
		}
		for _, k := range chunk {
			if err := fn(k); err != nil {
				return err
			}
		}
	}
	return nil
}
