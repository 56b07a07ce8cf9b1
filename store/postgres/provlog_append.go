package postgres

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group appends. The reference server appends one provisioning log entry
// per write request, after the write and before the response, in a
// transaction of its own; writes share WAL flushes (see "Round trips and
// shared commits"), and so do their entries: every Append queues its
// entry, and one goroutine per Store writes the queued entries with one
// statement, one commit, while the Appends that came meanwhile queue for
// the next. One client's Append costs what it did (one statement); under
// load there are fewer statements and commits than entries. Each Append
// still returns only once its own entry has committed, with its own Seq,
// and fails alone: when a group's statement fails (an entry the server
// refuses, such as text holding a NUL byte), its entries are written again
// one by one.
const (
	// appendGroup bounds the entries one statement writes.
	appendGroup = 256
)

// appendReq is one queued Append: its row (provlogCols order) and where
// the appender answers.
type appendReq struct {
	row  []any
	seq  int64
	err  error
	done chan struct{}
}

// startAppender starts the goroutine that writes queued entries; Open
// calls it once.
func (s *Store) startAppender() {
	s.appends.start(1, appendGroup, s.writeGroup)
}

// stopAppender refuses new entries, lets the goroutine write the queued
// ones and waits for it; Close calls it before closing the pool.
func (s *Store) stopAppender() { s.appends.close() }

// enqueue queues row and waits until it is written or ctx ends (the entry
// may then still be written). ok is false when the store is closed.
func (s *Store) enqueue(ctx context.Context, row []any) (seq int64, ok bool, err error) {
	r := &appendReq{row: row, done: make(chan struct{})}
	if !s.appends.add(r) {
		return 0, false, nil
	}
	select {
	case <-r.done:
		return r.seq, true, r.err
	case <-ctx.Done():
		return 0, true, ctx.Err()
	}
}

// writeGroup writes group with one statement, or each entry alone when
// the server refused that statement, and answers every Append. Only a
// refusal by the server (refused: the statement failed, nothing of it
// committed) is retried entry by entry; after any other error (a
// connection lost, a FATAL termination, a deadline) the statement may
// have committed, and a retry could record every entry twice, so each
// Append gets the error, as a lone Append always did. Statements are
// bounded by the client statement deadline (Config.StatementTimeout), not
// by one caller's context.
func (s *Store) writeGroup(group []*appendReq) {
	ctx := context.Background()
	seqs, err := s.insertEntries(ctx, group)
	if len(group) > 1 && refused(err) {
		for _, r := range group {
			var one []int64
			if one, r.err = s.insertEntries(ctx, []*appendReq{r}); r.err == nil {
				r.seq = one[0]
			}
			close(r.done)
		}
		return
	}
	for i, r := range group {
		if r.err = err; err == nil {
			r.seq = seqs[i]
		}
		close(r.done)
	}
}

// insertEntries inserts the rows of group, in order, with one statement
// and returns their Seqs in the same order (identity values are taken in
// the statement's row order, so increasing).
func (s *Store) insertEntries(ctx context.Context, group []*appendReq) ([]int64, error) {
	s.appendGroups.Add(1)
	b := &pgx.Batch{}
	if len(group) == 1 {
		b.Queue(s.q(insertEntry), group[0].row...)
	} else {
		cols := make([]any, len(provlogCols))
		for i, c := range provlogCols {
			cols[i] = c.column(group, i)
		}
		// Arrays as parameters: the server would plan the statement anew
		// each time (genericPlans).
		b.Queue(genericPlans)
		b.Queue(s.q(insertEntries), cols...)
	}
	br := s.pool.SendBatch(ctx, b)
	seqs, err := readSeqs(br, b.Len())
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(seqs)
	return seqs, nil
}

// readSeqs reads the Seqs the last of n statements returns.
func readSeqs(br pgx.BatchResults, n int) ([]int64, error) {
	for range n - 1 {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// provlogCol is one column of provisioning_log that Append writes: its
// name and SQL type, and how the column of a group is built from the
// rows' values.
type provlogCol struct {
	name, typ string
	column    func(group []*appendReq, i int) any
}

func textCol(group []*appendReq, i int) any  { return columnOf[string](group, i) }
func intCol(group []*appendReq, i int) any   { return columnOf[int](group, i) }
func int64Col(group []*appendReq, i int) any { return columnOf[int64](group, i) }
func timeCol(group []*appendReq, i int) any  { return columnOf[time.Time](group, i) }

func columnOf[T any](group []*appendReq, i int) []T {
	out := make([]T, len(group))
	for k, r := range group {
		out[k] = r.row[i].(T)
	}
	return out
}

// provlogCols are the columns Append writes, in the order of its row.
var provlogCols = []provlogCol{
	{"time", "timestamptz", timeCol}, {"tenant", "text", textCol}, {"token_id", "text", textCol},
	{"idp", "text", textCol}, {"request_id", "text", textCol}, {"method", "text", textCol},
	{"path", "text", textCol}, {"resource_type", "text", textCol}, {"resource_id", "text", textCol},
	{"external_id", "text", textCol}, {"operations", "integer", intCol}, {"outcome", "text", textCol},
	{"status", "integer", intCol}, {"scim_type", "text", textCol}, {"detail", "text", textCol},
	{"latency_us", "bigint", int64Col}, {"body", "text", textCol}, {"query", "text", textCol},
	{"user_agent", "text", textCol}, {"content_type", "text", textCol}, {"if_match", "text", textCol},
	{"version", "text", textCol}, {"response", "text", textCol}, {"bulk_results", "text", textCol},
	{"dropped_members", "text", textCol},
}

// insertEntry and insertEntries insert one row, and the rows of one array
// per column, returning their Seqs.
var insertEntry, insertEntries = func() (string, string) {
	var names, params, arrays, fields string
	for i, c := range provlogCols {
		sep := ", "
		if i == 0 {
			sep = ""
		}
		n := strconv.Itoa(i + 1)
		names += sep + c.name
		params += sep + "$" + n
		arrays += sep + "$" + n + "::" + c.typ + "[]"
		fields += sep + "u.c" + n
	}
	cols := "c1"
	for i := 2; i <= len(provlogCols); i++ {
		cols += ", c" + strconv.Itoa(i)
	}
	one := `INSERT INTO {s}.provisioning_log (` + names + `) VALUES (` + params + `) RETURNING seq`
	many := `INSERT INTO {s}.provisioning_log (` + names + `) SELECT ` + fields +
		` FROM unnest(` + arrays + `) WITH ORDINALITY AS u(` + cols + `, ord) ORDER BY u.ord RETURNING seq`
	return one, many
}()
