package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// bulkIDPrefix starts a reference to the resource an earlier POST of the
// same bulk request creates (RFC 7644 §3.7.2).
const bulkIDPrefix = "bulkId:"

// bulkOp is one operation of a bulk request and, once processed, its result.
type bulkOp struct {
	index   int
	method  string // upper case when valid, else as sent
	bulkID  string
	ti      *typeInfo
	id      string // may be a "bulkId:" reference
	version string
	data    json.RawMessage
	parsed  any      // data decoded, when it holds references
	refs    []string // distinct bulkIds referenced by path and data
	err     error    // set when the operation cannot be executed
	state   bulkState
	result  *bulkOpResult
}

// bulkState is where an operation is in the run.
type bulkState int

const (
	bulkPending bulkState = iota
	// bulkFixup: created without its references (to break a cycle,
	// RFC 7644 §3.7.1); they are set by a PUT once all can be resolved.
	bulkFixup
	bulkDone
)

// findRefs collects the bulkIds op refers to: its path's id and every JSON
// string of data that is exactly "bulkId:<id>" (members[].value,
// manager.value, or anywhere else).
func (op *bulkOp) findRefs() error {
	if ref, ok := strings.CutPrefix(op.id, bulkIDPrefix); ok {
		op.refs = append(op.refs, ref)
	}
	if !bytes.Contains(op.data, []byte(bulkIDPrefix)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(op.data))
	dec.UseNumber()
	if err := dec.Decode(&op.parsed); err != nil {
		return ErrInvalidSyntax.WithDetail("Operations[%d].data is not valid JSON.", op.index)
	}
	walkStrings(op.parsed, func(s string) {
		if ref, ok := strings.CutPrefix(s, bulkIDPrefix); ok && !slices.Contains(op.refs, ref) {
			op.refs = append(op.refs, ref)
		}
	})
	return nil
}

func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case map[string]any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range v {
			walkStrings(e, fn)
		}
	}
}

// markDuplicateBulkIDs fails every POST that reuses the bulkId of an
// earlier one: a bulkId is unique within a request (RFC 7644 §3.7).
func markDuplicateBulkIDs(ops []*bulkOp) {
	seen := map[string]bool{}
	for _, op := range ops {
		if op.err != nil || op.method != http.MethodPost || op.bulkID == "" {
			continue
		}
		if seen[op.bulkID] {
			op.err = ErrInvalidValue.WithDetail("Operations[%d].bulkId %q is used by an earlier operation; bulkIds must be unique within a request.", op.index, op.bulkID)
		}
		seen[op.bulkID] = true
	}
}

// resolve returns v with every "bulkId:x" string whose x is in ids
// replaced by the id. With strip, a reference not in ids is removed: a
// string member or array element is dropped, and so is an object that
// thereby loses its "value" (a member or a manager without its target).
func resolve(v any, ids map[string]string, strip bool) (any, bool) {
	switch v := v.(type) {
	case string:
		ref, ok := strings.CutPrefix(v, bulkIDPrefix)
		if !ok {
			return v, true
		}
		if id, ok := ids[ref]; ok {
			return id, true
		}
		return v, !strip
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ne, keep := resolve(e, ids, strip)
			if !keep && strings.EqualFold(k, "value") {
				return nil, false
			}
			if keep {
				out[k] = ne
			}
		}
		return out, true
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if ne, keep := resolve(e, ids, strip); keep {
				out = append(out, ne)
			}
		}
		return out, true
	}
	return v, true
}

// bulkRun executes the operations of one bulk request.
//
// Operations run in request order, except that one referring to a bulkId
// waits until the POST defining it has run (forward references, RFC 7644
// §3.7 "the same stateful result"). When every remaining operation waits,
// the references form a cycle (§3.7.1): the first POST found on it is
// created without its unresolved references, and once they can all be
// resolved its data is applied again by a PUT; if that PUT fails the
// operation answers 409. A reference to a bulkId no POST of the request
// defines is 400; to one whose POST failed or did not run, 409.
type bulkRun struct {
	h            *Handler
	r            *http.Request
	ops          []*bulkOp
	definer      map[string]*bulkOp // bulkId → the POST defining it
	ids          map[string]string  // bulkId → id of the created resource
	failOnErrors int
	errors       int
}

func (h *Handler) newBulkRun(r *http.Request, ops []*bulkOp, failOnErrors int) *bulkRun {
	b := &bulkRun{h: h, r: r, ops: ops, definer: map[string]*bulkOp{}, ids: map[string]string{}, failOnErrors: failOnErrors}
	for _, op := range ops {
		if op.err == nil && op.method == http.MethodPost && op.bulkID != "" {
			b.definer[op.bulkID] = op
		}
	}
	for _, op := range ops {
		for _, ref := range op.refs {
			if op.err == nil && b.definer[ref] == nil {
				op.err = ErrInvalidValue.WithDetail("Operations[%d] refers to %q, which no POST operation of this request defines as its bulkId.", op.index, bulkIDPrefix+ref)
			}
		}
	}
	return b
}

// run processes operations until all are done or failOnErrors is reached.
func (b *bulkRun) run() {
	for b.failOnErrors <= 0 || b.errors < b.failOnErrors {
		if op := b.next(); op != nil {
			b.exec(op)
		} else if op := b.cycle(); op != nil {
			b.create(op, true)
		} else {
			break
		}
	}
	for _, op := range b.ops {
		if op.state == bulkFixup { // stopped by failOnErrors
			b.fail(op, ErrConflict.WithDetail("Processing stopped (failOnErrors) before the references of Operations[%d] could be set; the resource was created without them.", op.index))
		}
	}
}

// waits reports whether op refers to a bulkId whose POST has not run yet.
func (b *bulkRun) waits(op *bulkOp) bool {
	for _, ref := range op.refs {
		if _, ok := b.ids[ref]; !ok && op.err == nil && b.definer[ref].state == bulkPending {
			return true
		}
	}
	return false
}

// next returns the first operation not done and not waiting, or nil.
func (b *bulkRun) next() *bulkOp {
	for _, op := range b.ops {
		if op.state != bulkDone && !b.waits(op) {
			return op
		}
	}
	return nil
}

// cycle returns a POST on a cycle of references, when every remaining
// operation waits: following the first waited-for POST from any of them
// must come back to one already seen.
func (b *bulkRun) cycle() *bulkOp {
	var op *bulkOp
	for _, o := range b.ops {
		if o.state == bulkPending {
			op = o
			break
		}
	}
	seen := map[*bulkOp]bool{}
	for op != nil && !seen[op] {
		seen[op] = true
		var nextOp *bulkOp
		for _, ref := range op.refs {
			if d := b.definer[ref]; d.state == bulkPending {
				nextOp = d
				break
			}
		}
		op = nextOp
	}
	return op
}

// exec runs op: a failure decided before execution, the PUT of a
// created-without-references POST, or the operation itself.
func (b *bulkRun) exec(op *bulkOp) {
	switch {
	case op.err != nil:
		b.fail(op, op.err)
	case op.state == bulkFixup:
		b.fixup(op)
	default:
		if ref, dead := b.deadRef(op); dead {
			b.fail(op, ErrConflict.WithDetail("Operations[%d] refers to %q, whose operation failed or was not processed.", op.index, bulkIDPrefix+ref))
			return
		}
		if op.method == http.MethodPost {
			b.create(op, false)
			return
		}
		b.finish(op, b.write(op, op.method, op.id, false))
	}
}

// deadRef returns a reference of op that cannot be resolved any more.
func (b *bulkRun) deadRef(op *bulkOp) (string, bool) {
	for _, ref := range op.refs {
		if _, ok := b.ids[ref]; !ok {
			return ref, true
		}
	}
	return "", false
}

// bulkOutcome is what Handler.do answered for one write.
type bulkOutcome struct {
	status   int
	id       string
	version  string
	location string
	err      error
}

// write executes op's data as method on id through Handler.do, with the
// references resolved (or stripped), and version as If-Match.
func (b *bulkRun) write(op *bulkOp, method, id string, strip bool) bulkOutcome {
	if ref, ok := strings.CutPrefix(id, bulkIDPrefix); ok {
		id = b.ids[ref]
	}
	wr := write{method: method, ti: op.ti, id: id, body: op.data, ifMatch: op.version}
	if op.parsed != nil {
		v, _ := resolve(op.parsed, b.ids, strip)
		body, err := json.Marshal(v)
		if err != nil {
			return bulkOutcome{err: err}
		}
		wr.body = body
	}
	status, res, err := b.h.do(b.r, wr)
	out := bulkOutcome{status: status, err: err}
	if res != nil {
		out.id, out.version = res.ID, res.Meta.Version
	}
	if err == nil {
		if res != nil {
			id = res.ID
		}
		out.location = b.h.location(b.r, op.ti, id)
	}
	return out
}

// create runs a POST; with strip (a cycle) its unresolved references are
// left out and set later by fixup.
func (b *bulkRun) create(op *bulkOp, strip bool) {
	out := b.write(op, http.MethodPost, "", strip)
	if out.err == nil && op.bulkID != "" {
		b.ids[op.bulkID] = out.id
	}
	if out.err == nil && strip {
		op.state, op.result = bulkFixup, b.result(op, out)
		return
	}
	b.finish(op, out)
}

// fixup applies the data of a POST created without its references again,
// now that they resolve, as a PUT without If-Match.
func (b *bulkRun) fixup(op *bulkOp) {
	if ref, dead := b.deadRef(op); dead {
		b.fail(op, ErrConflict.WithDetail("Operations[%d] is in a circular chain of bulkId references and %q could not be resolved; the resource was created without its references.", op.index, bulkIDPrefix+ref))
		return
	}
	created := *op.result
	saved := op.version
	op.version = ""
	out := b.write(op, http.MethodPut, b.ids[op.bulkID], false)
	op.version = saved
	if out.err != nil {
		e := toError(out.err)
		b.fail(op, ErrConflict.WithDetail("Operations[%d] is in a circular chain of bulkId references; the resource was created but setting its references failed: %s", op.index, e.Detail))
		op.result.Location = created.Location
		return
	}
	op.state = bulkDone
	op.result = &created
	op.result.Version = out.version
}

// finish records the outcome of op.
func (b *bulkRun) finish(op *bulkOp, out bulkOutcome) {
	if out.err != nil {
		b.fail(op, out.err)
		return
	}
	op.state, op.result = bulkDone, b.result(op, out)
}

func (b *bulkRun) result(op *bulkOp, out bulkOutcome) *bulkOpResult {
	return &bulkOpResult{Location: out.location, Method: op.method, BulkID: op.bulkID,
		Version: out.version, Status: strconv.Itoa(out.status)}
}

// fail records err as the outcome of op and counts it for failOnErrors.
func (b *bulkRun) fail(op *bulkOp, err error) {
	status, body := b.h.bulkError(b.r, op, err)
	op.state, b.errors = bulkDone, b.errors+1
	op.result = &bulkOpResult{Method: op.method, BulkID: op.bulkID, Status: strconv.Itoa(status), Response: body}
	id := op.id
	if ref, ok := strings.CutPrefix(id, bulkIDPrefix); ok {
		id = b.ids[ref]
	}
	if op.ti != nil && op.method != http.MethodPost && id != "" {
		op.result.Location = b.h.location(b.r, op.ti, id) // RFC 7644 §3.7.3: all but failed POSTs
	}
}
