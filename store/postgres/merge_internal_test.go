package postgres

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMerged: the row statements of writes that queued the same statements
// become one statement each, with the writes' arrays concatenated in
// group order, and the last statements (the events) of every kind go
// after all others, merged together; a write with a statement that is
// not a row statement is sent as it is; and no write's own arguments
// change, so each can be sent again alone.
func TestMerged(t *testing.T) {
	req := func(rows []bool, stmts ...[]any) *sharedReq {
		r := &sharedReq{rows: rows}
		for _, st := range stmts {
			r.batch.Queue(st[0].(string), st[1:]...)
			r.reads = append(r.reads, execRead)
		}
		return r
	}
	a := req([]bool{true, true}, []any{"ins", []string{"a1"}, []int{1}}, []any{"ev", []string{"ea"}})
	other := req([]bool{true, true, true}, []any{"ins", []string{"o1"}, []int{9}}, []any{"claim", []string{"o"}}, []any{"ev", []string{"eo"}})
	b := req([]bool{true, true}, []any{"ins", []string{"b1", "b2"}, []int{2, 3}}, []any{"ev", []string{"eb"}})
	plain := req([]bool{true, false}, []any{"ins", []string{"p1"}, []int{7}}, []any{"ev", []string{"ep"}})
	c := req([]bool{true, true}, []any{"ins", []string{"c1"}, []int{4}}, []any{"ev", []string{"ec"}})

	batch, reads := merged([]*sharedReq{a, other, b, plain, c})
	type stmt struct {
		SQL  string
		Args []any
	}
	var got []stmt
	for _, q := range batch.QueuedQueries {
		got = append(got, stmt{q.SQL, q.Arguments})
	}
	want := []stmt{
		{"ins", []any{[]string{"p1"}, []int{7}}},
		{"ev", []any{[]string{"ep"}}},
		{"ins", []any{[]string{"a1", "b1", "b2", "c1"}, []int{1, 2, 3, 4}}},
		{"ins", []any{[]string{"o1"}, []int{9}}},
		{"claim", []any{[]string{"o"}}},
		{"ev", []any{[]string{"ea", "eb", "ec", "eo"}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("merged statements (-want +got):\n%s", d)
	}
	if len(reads) != len(want) {
		t.Errorf("%d reads for %d statements", len(reads), len(want))
	}
	if d := cmp.Diff([]any{[]string{"a1"}, []int{1}}, a.batch.QueuedQueries[0].Arguments); d != "" {
		t.Errorf("a's own arguments changed (-want +got):\n%s", d)
	}
	if batch.QueuedQueries[0] == plain.batch.QueuedQueries[0] {
		t.Error("a write sent as it is shares its QueuedQuery with the pipeline")
	}

	one, _ := merged([]*sharedReq{a})
	if len(one.QueuedQueries) != 2 || one.QueuedQueries[0] == a.batch.QueuedQueries[0] {
		t.Errorf("a write alone: %d statements, shared QueuedQuery %v", len(one.QueuedQueries), one.QueuedQueries[0] == a.batch.QueuedQueries[0])
	}
}
