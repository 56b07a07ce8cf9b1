package memory

import (
	"math"
	"strconv"
	"sync/atomic"

	"github.com/scimkit/scimkit/schema"
)

// Rendering a document straight to JSON (store.EncodedLister).
//
// A page of resources used to cost most of its time decoding each
// document into maps only for the handler to encode them again. The
// jsonWriter walks the compact encoding once and writes JSON: dictionary
// names and values come pre-rendered (codes.json), strings are escaped
// once, references copy the bytes already written. The result is the
// default projection of the attributes: members the projection drops are
// left out, and a document with a member the projection would trim (a
// returned:never sub-attribute) is not rendered at all; the caller then
// decodes and projects it as before.

// treatKind is a member's treatment under the default projection, with
// the extension index of an extension container.
type treatKind struct {
	t   schema.Treatment
	ext int8 // index into typeInfo.treats of the extension's table
}

// treatTable caches DefaultTreatment for the names of the dictionary, for
// the members of one schema of a type: entry c-1 for name code c.
type treatTable struct {
	s     *schema.Schema
	codes atomic.Pointer[[]treatKind]
}

// treatment returns the default projection's treatment of the member
// called name (dictionary code, or 0 and the name inline) in schema index
// i of ti (0 is the core schema, i > 0 extension i-1), from a table
// covering every name of d, built on first need. Readers run
// concurrently under the read lock; d only grows under the write lock, so a
// table computed for its current length is complete until the next write,
// and racing readers store equal tables.
func (ti *typeInfo) treatment(i int, d *dict, code uint64, name string) treatKind {
	tt := &ti.treats[i]
	if code == 0 {
		return ti.classify(tt.s, name)
	}
	if p := tt.codes.Load(); p != nil && code <= uint64(len(*p)) {
		return (*p)[code-1]
	}
	all := make([]treatKind, len(d.names.list))
	for j, n := range d.names.list {
		all[j] = ti.classify(tt.s, n)
	}
	tt.codes.Store(&all)
	if code > uint64(len(all)) {
		return treatKind{t: schema.Trimmed} // corrupt: let the decoder report it
	}
	return all[code-1]
}

func (ti *typeInfo) classify(s *schema.Schema, name string) treatKind {
	t, es := ti.rt.DefaultTreatment(s, name)
	k := treatKind{t: t}
	if t == schema.ExtensionContainer {
		for j, e := range ti.rt.Extensions {
			if e.Schema == es && j+1 < len(ti.treats) {
				k.ext = int8(j + 1)
				return k
			}
		}
		k.t = schema.Trimmed // more extensions than tables: decode and project instead
	}
	return k
}

// maxTreatTables bounds the extensions whose containers are rendered
// directly; resources of types with more fall back to decoding.
const maxTreatTables = 16

func newTreatTables(rt *schema.ResourceType) []treatTable {
	n := min(1+len(rt.Extensions), maxTreatTables)
	out := make([]treatTable, n)
	out[0].s = rt.Schema
	for i := 1; i < n; i++ {
		out[i].s = rt.Extensions[i-1].Schema
	}
	return out
}

// span locates a rendered string that a later tagRef may copy: in dst, or
// in aux when it was inside a dropped member.
type span struct {
	aux        bool
	start, end int
}

// jsonWriter renders documents; it is not safe for concurrent use.
type jsonWriter struct {
	d    *dict
	ti   *typeInfo
	buf  string
	dst  []byte
	aux  []byte
	refs [maxRefs]span
	n    int
}

// render appends the JSON object members of doc's default projection to
// w.dst. ok is false when the document has a member the projection would
// trim; w.dst is then as before.
//
// The work is done on a copy of w on the stack: the fields the walk
// updates at every step (buf, dst) would otherwise be heap pointers whose
// every store pays a GC write barrier while a collection runs.
func (w *jsonWriter) render(doc string) (ok bool, err error) {
	l := jsonWriter{d: w.d, ti: w.ti, dst: w.dst, aux: w.aux[:0], buf: doc}
	ok, err = l.walk()
	w.dst, w.aux = l.dst, l.aux
	return ok, err
}

// walk is render on the stack copy.
func (w *jsonWriter) walk() (ok bool, err error) {
	start := len(w.dst)
	if _, err := w.uvarint(); err != nil { // the schema mask
		return false, err
	}
	ok, err = w.members(0)
	if err == nil && ok && len(w.buf) != 0 {
		err = errCorrupt
	}
	if err != nil || !ok {
		w.dst = w.dst[:start]
	}
	return ok, err
}

func (w *jsonWriter) uvarint() (uint64, error) {
	v, n := uvarint(w.buf)
	if n <= 0 {
		return 0, errCorrupt
	}
	w.buf = w.buf[n:]
	return v, nil
}

func (w *jsonWriter) raw() (string, error) {
	n, err := w.uvarint()
	if err != nil || n > uint64(len(w.buf)) {
		return "", errCorrupt
	}
	s := w.buf[:n]
	w.buf = w.buf[n:]
	return s, nil
}

// members renders the members of a projected container (the top level,
// table 0, or an extension's, table i) without braces, a comma before
// each but the first written by this call.
func (w *jsonWriter) members(table int) (bool, error) {
	n, err := w.uvarint()
	if err != nil || n > uint64(len(w.buf)) {
		return false, errCorrupt
	}
	first := len(w.dst)
	for range n {
		code, name, err := w.key()
		if err != nil {
			return false, err
		}
		k := w.ti.treatment(table, w.d, code, name)
		m0 := len(w.dst)
		if m0 > first {
			w.dst = append(w.dst, ',')
		}
		w.appendKey(code, name)
		switch k.t {
		case schema.Kept:
			err = w.value()
		case schema.Dropped:
			err = w.drop(m0)
		case schema.ExtensionContainer:
			var ok bool
			if ok, err = w.extension(m0, int(k.ext)); err == nil && !ok {
				return false, nil
			}
		default:
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return true, nil
}

// key reads a map key: a name code, or 0 and the inline name.
func (w *jsonWriter) key() (uint64, string, error) {
	c, err := w.uvarint()
	if err != nil {
		return 0, "", err
	}
	if c == 0 {
		s, err := w.raw()
		return 0, s, err
	}
	if c > uint64(len(w.d.names.list)) {
		return 0, "", errCorrupt
	}
	return c, "", nil
}

// appendKey writes `"name":`.
func (w *jsonWriter) appendKey(code uint64, name string) {
	if code > 0 {
		w.dst = append(w.dst, w.d.names.json[code-1]...)
		w.dst = append(w.dst, ':')
		return
	}
	w.dst = append(schema.AppendJSONString(w.dst, name), ':')
}

// drop renders the value whose member starts at dst[m0] only to keep the
// strings later references copy, then removes the member.
func (w *jsonWriter) drop(m0 int) error {
	v0 := len(w.dst)
	if err := w.value(); err != nil {
		return err
	}
	w.cut(m0, v0)
	return nil
}

// cut removes dst[m0:], moving the strings in dst[v0:] that references
// may copy to aux.
func (w *jsonWriter) cut(m0, v0 int) {
	for i := range w.n {
		if r := &w.refs[i]; !r.aux && r.start >= v0 {
			a := len(w.aux)
			w.aux = append(w.aux, w.dst[r.start:r.end]...)
			*r = span{aux: true, start: a, end: len(w.aux)}
		}
	}
	w.dst = w.dst[:m0]
}

// extension renders an extension container whose member starts at dst[m0]:
// its members by the extension schema's treatments, and nothing at all
// when none is left or the value is not an object. ok is false when a
// member would be trimmed.
func (w *jsonWriter) extension(m0, table int) (ok bool, err error) {
	if len(w.buf) == 0 {
		return false, errCorrupt
	}
	if w.buf[0] != tagMap {
		return true, w.drop(m0)
	}
	w.buf = w.buf[1:]
	v0 := len(w.dst)
	w.dst = append(w.dst, '{')
	if ok, err = w.members(table); err != nil || !ok {
		return ok, err
	}
	if len(w.dst) == v0+1 { // nothing kept: Project leaves the container out
		w.cut(m0, v0)
		return true, nil
	}
	w.dst = append(w.dst, '}')
	return true, nil
}

// value renders one value.
func (w *jsonWriter) value() error {
	if len(w.buf) == 0 {
		return errCorrupt
	}
	tag := w.buf[0]
	w.buf = w.buf[1:]
	switch tag {
	case tagString, tagAt:
		s, err := w.raw()
		if err != nil {
			return err
		}
		start := len(w.dst)
		size := len(s)
		if tag == tagString {
			w.dst = schema.AppendJSONString(w.dst, s)
		} else {
			c, err := w.uvarint()
			if err != nil {
				return err
			}
			d, ok := w.d.values.get(c)
			if !ok {
				return errCorrupt
			}
			size += len(d)
			// The quoted local part, then the pre-rendered domain without
			// its opening quote: escaping is per character, so the halves
			// escape as the whole does.
			w.dst = schema.AppendJSONString(w.dst, s)
			w.dst = append(w.dst[:len(w.dst)-1], w.d.values.json[c-1][1:]...)
		}
		if size >= minRef && w.n < maxRefs {
			w.refs[w.n] = span{start: start, end: len(w.dst)}
			w.n++
		}
	case tagValue:
		c, err := w.uvarint()
		if err != nil {
			return err
		}
		if c == 0 || c > uint64(len(w.d.values.json)) {
			return errCorrupt
		}
		w.dst = append(w.dst, w.d.values.json[c-1]...)
	case tagRef:
		i, err := w.uvarint()
		if err != nil {
			return err
		}
		if i >= uint64(w.n) {
			return errCorrupt
		}
		r := w.refs[i]
		if r.aux {
			w.dst = append(w.dst, w.aux[r.start:r.end]...)
		} else {
			w.dst = append(w.dst, w.dst[r.start:r.end]...)
		}
	case tagTrue:
		w.dst = append(w.dst, "true"...)
	case tagFalse:
		w.dst = append(w.dst, "false"...)
	case tagInt:
		u, err := w.uvarint()
		if err != nil {
			return err
		}
		v := int64(u >> 1) // zig-zag, as binary.AppendVarint writes it
		if u&1 != 0 {
			v = ^v
		}
		w.dst = strconv.AppendInt(w.dst, v, 10)
	case tagFloat:
		f, err := w.float()
		if err != nil {
			return err
		}
		if w.dst, err = schema.AppendJSONValue(w.dst, f); err != nil {
			return errCorrupt
		}
	case tagMap:
		return w.object()
	case tagList:
		return w.list()
	default:
		return errCorrupt
	}
	return nil
}

func (w *jsonWriter) float() (float64, error) {
	if len(w.buf) < 8 {
		return 0, errCorrupt
	}
	var u uint64
	for i := range 8 {
		u |= uint64(w.buf[i]) << (8 * i)
	}
	w.buf = w.buf[8:]
	return math.Float64frombits(u), nil
}

// object renders a nested map (a complex value), all of its members.
func (w *jsonWriter) object() error {
	n, err := w.uvarint()
	if err != nil || n > uint64(len(w.buf)) {
		return errCorrupt
	}
	w.dst = append(w.dst, '{')
	for i := range n {
		if i > 0 {
			w.dst = append(w.dst, ',')
		}
		code, name, err := w.key()
		if err != nil {
			return err
		}
		w.appendKey(code, name)
		if err := w.value(); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, '}')
	return nil
}

func (w *jsonWriter) list() error {
	n, err := w.uvarint()
	if err != nil || n > uint64(len(w.buf)) {
		return errCorrupt
	}
	w.dst = append(w.dst, '[')
	for i := range n {
		if i > 0 {
			w.dst = append(w.dst, ',')
		}
		if err := w.value(); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, ']')
	return nil
}
