package memory

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/scimkit/scimkit/schema"
)

// The compact encoding of attribute values. A value is a tag byte and a
// payload:
//
//	tagString  uvarint length, bytes
//	tagTrue, tagFalse
//	tagInt     zig-zag varint
//	tagFloat   8 bytes, IEEE 754 little endian
//	tagMap     uvarint count, then count × (key, value)
//	tagList    uvarint count, then count × value
//	tagValue   uvarint n: entry n of the store's dictionary of values
//	tagRef     uvarint n: the same string as the n-th string of at least
//	           minRef bytes written with tagString or tagAt earlier in the
//	           record (userName repeated as an email, displayName as
//	           name.formatted)
//	tagAt      uvarint length, bytes, uvarint n: the bytes followed by
//	           entry n of the dictionary of values, a domain with its "@"
//	           (email addresses and userNames in email form)
//
// A map key is a uvarint code: 0 is followed by the key inline (uvarint
// length, bytes); n > 0 is entry n-1 of the store's dictionary of names.
// Names are attribute names and extension URNs, so the dictionary stays
// small. The dictionary of values holds the values of enumerated
// attributes (valueKeys: "work", "home", departments) and email domains,
// which repeat across resources. Each dictionary is capped at maxDict entries; later strings
// are written inline. An encoding depends only on the attributes and the
// dictionaries, which only grow, so equal attributes encode to equal bytes
// (used to detect no-op updates).
const (
	tagString byte = iota + 1
	tagTrue
	tagFalse
	tagInt
	tagFloat
	tagMap
	tagList
	tagValue
	tagRef
	tagAt
)

const (
	maxDict   = 1 << 14
	minRef    = 4  // a reference takes two bytes
	minDomain = 4  // shorter domains are written inline
	maxRefs   = 64 // strings a record's encoding may refer back to
)

// valueKeys are the attributes whose string values go into the dictionary
// of values: "type" sub-attributes and the enumerated attributes of RFC
// 7643 §4.1.1 and §4.3, whose values come from a small set.
var valueKeys = map[string]bool{
	"type": true, "userType": true, "preferredLanguage": true, "locale": true, "timezone": true, "title": true,
	"country": true, "department": true, "division": true, "organization": true, "costCenter": true,
}

// dict interns map keys and enumerated values. It is only modified under
// the write lock.
type dict struct {
	names, values codes
}

// codes interns strings: codes[s] is 1 + the index of s in list,
// boxed[i] is list[i] as an interface value, so that decoding an interned
// value into a map allocates nothing, and json[i] is list[i] rendered as a
// JSON string.
type codes struct {
	list  []string
	boxed []any
	json  []string // list[i] as a JSON string, for rendering (render.go)
	codes map[string]uint64
}

func newDict() dict { return dict{} }

// code returns the code of s, adding it when add is set and there is room,
// or 0.
func (c *codes) code(s string, add bool) uint64 {
	if n, ok := c.codes[s]; ok {
		return n
	}
	if !add || len(c.list) >= maxDict {
		return 0
	}
	if c.codes == nil {
		c.codes = map[string]uint64{}
	}
	c.list = append(c.list, s)
	c.boxed = append(c.boxed, s)
	c.json = append(c.json, string(schema.AppendJSONString(nil, s)))
	n := uint64(len(c.list))
	c.codes[s] = n
	return n
}

// get returns the string of code n.
func (c *codes) get(n uint64) (string, bool) {
	if n == 0 || n > uint64(len(c.list)) {
		return "", false
	}
	return c.list[n-1], true
}

// getBoxed is get with the string as an interface value (shared: strings
// are immutable).
func (c *codes) getBoxed(n uint64) (any, bool) {
	if n == 0 || n > uint64(len(c.boxed)) {
		return nil, false
	}
	return c.boxed[n-1], true
}

var errCorrupt = errors.New("memory: corrupt record encoding")

// encode returns a record's document: the uvarint schema mask (see
// typeInfo.schemaMask), then the encoding of the resource's attribute map.
// It encodes into a buffer reused by writes (under the write lock) and
// copies it into a string of its own size: a slice grown by append would
// keep up to half of its capacity unused for the life of the record, and
// leave garbage behind.
func (st *state) encode(mask uint32, attrs map[string]any) (string, error) {
	e := &st.enc
	e.d, e.refs = &st.dict, e.refs[:0]
	e.dst = binary.AppendUvarint(e.dst[:0], uint64(mask))
	err := e.mapBody(attrs)
	doc := string(e.dst)
	if cap(e.dst) > maxScratch {
		e.dst = nil
	}
	if err != nil {
		return "", err
	}
	return doc, nil
}

// docMask returns the schema mask of a document written by encode.
func docMask(doc string) uint32 {
	m, _ := uvarint(doc)
	return uint32(m)
}

// maxScratch bounds the encoding buffer a store keeps between writes.
const maxScratch = 64 << 10

// encoder writes the compact encoding; its buffers are reused.
type encoder struct {
	d    *dict
	dst  []byte
	refs []string // strings tagRef may refer to
	keys []string // a stack of the sorted keys of the maps being encoded
}

func (e *encoder) mapBody(m map[string]any) error {
	base := len(e.keys)
	for k, v := range m {
		if v != nil {
			e.keys = append(e.keys, k)
		}
	}
	defer func() { clear(e.keys[base:]); e.keys = e.keys[:base] }()
	// Key order does not matter for decoding, but a canonical order makes
	// equal maps encode to equal bytes (used to detect no-op updates).
	keys := e.keys[base:]
	slices.Sort(keys)
	e.dst = binary.AppendUvarint(e.dst, uint64(len(keys)))
	for i := range keys {
		k := e.keys[base+i] // e.keys may have been reallocated by nested maps
		c := e.d.names.code(k, true)
		e.dst = binary.AppendUvarint(e.dst, c)
		if c == 0 {
			e.dst = appendString(e.dst, k)
		}
		if err := e.value(k, m[k]); err != nil {
			return fmt.Errorf("attribute %q: %w", k, err)
		}
	}
	return nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// str writes a string value of attribute key.
func (e *encoder) str(key, s string) {
	if valueKeys[key] && len(s) <= 64 {
		if c := e.d.values.code(s, true); c > 0 {
			e.dst = binary.AppendUvarint(append(e.dst, tagValue), c)
			return
		}
	}
	if len(s) >= minRef {
		for i, r := range e.refs {
			if r == s {
				e.dst = binary.AppendUvarint(append(e.dst, tagRef), uint64(i))
				return
			}
		}
		if len(e.refs) < maxRefs {
			e.refs = append(e.refs, s)
		}
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 && len(s)-at-1 >= minDomain && len(s)-at-1 <= 64 {
		if c := e.d.values.code(s[at:], true); c > 0 {
			e.dst = appendString(append(e.dst, tagAt), s[:at])
			e.dst = binary.AppendUvarint(e.dst, c)
			return
		}
	}
	e.dst = appendString(append(e.dst, tagString), s)
}

// value writes v, the value of attribute key (or an element of it).
func (e *encoder) value(key string, v any) error {
	switch v := v.(type) {
	case string:
		e.str(key, v)
	case bool:
		if v {
			e.dst = append(e.dst, tagTrue)
		} else {
			e.dst = append(e.dst, tagFalse)
		}
	case int64:
		e.dst = binary.AppendVarint(append(e.dst, tagInt), v)
	case int:
		e.dst = binary.AppendVarint(append(e.dst, tagInt), int64(v))
	case float64:
		e.dst = binary.LittleEndian.AppendUint64(append(e.dst, tagFloat), math.Float64bits(v))
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return e.value(key, i)
		}
		f, err := v.Float64()
		if err != nil {
			return schema.ErrInvalidValue.WithDetail("number %s is out of range", v)
		}
		return e.value(key, f)
	case map[string]any:
		e.dst = append(e.dst, tagMap)
		return e.mapBody(v)
	case []any:
		e.dst = binary.AppendUvarint(append(e.dst, tagList), uint64(len(v)))
		for _, x := range v {
			if x == nil {
				return schema.ErrInvalidValue.WithDetail("null inside a multi-valued attribute")
			}
			if err := e.value(key, x); err != nil {
				return err
			}
		}
	default:
		return schema.ErrInvalidValue.WithDetail("unsupported value of Go type %T", v)
	}
	return nil
}

// decoder reads the compact encoding from a document.
type decoder struct {
	d    *dict
	buf  string
	refs [maxRefs]any // strings tagRef may refer to, boxed once
	n    int          // of refs
	// share: strings are substrings of the document rather than copies.
	share bool
}

// decodeAttrs decodes the attributes of a document written by encode.
// Its strings are copies, so that no decoded value keeps the whole
// document alive: for attributes the store may keep or re-encode.
func (d *dict) decodeAttrs(doc string) (map[string]any, error) {
	return d.decode(decoder{d: d, buf: doc})
}

// viewAttrs is decodeAttrs for representations handed out by reads
// (List, Get), which are short-lived: strings share the document's memory
// (a page of 100 users then allocates a few hundred fewer strings). The
// maps and slices are still the caller's own, and strings are immutable,
// so callers may modify what they get as with decodeAttrs.
func (d *dict) viewAttrs(doc string) (map[string]any, error) {
	return d.decode(decoder{d: d, buf: doc, share: true})
}

func (d *dict) decode(dec decoder) (map[string]any, error) {
	if _, err := dec.uvarint(); err != nil { // the schema mask
		return nil, err
	}
	m, err := dec.mapBody()
	if err == nil && len(dec.buf) != 0 {
		err = errCorrupt
	}
	return m, err
}

// uvarint is binary.Uvarint for a string.
func uvarint(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -1 // overflow
			}
			return x | uint64(b)<<(7*i), i + 1
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, 0
}

func (dec *decoder) uvarint() (uint64, error) {
	v, n := uvarint(dec.buf)
	if n <= 0 {
		return 0, errCorrupt
	}
	dec.buf = dec.buf[n:]
	return v, nil
}

// str reads a string; it copies it unless dec.share is set.
func (dec *decoder) str() (string, error) {
	s, err := dec.raw()
	if err == nil && !dec.share {
		s = strings.Clone(s)
	}
	return s, err
}

// raw reads a string as a substring of the document.
func (dec *decoder) raw() (string, error) {
	n, err := dec.uvarint()
	if err != nil || n > uint64(len(dec.buf)) {
		return "", errCorrupt
	}
	s := dec.buf[:n]
	dec.buf = dec.buf[n:]
	return s, nil
}

func (dec *decoder) mapBody() (map[string]any, error) {
	n, err := dec.uvarint()
	if err != nil || n > uint64(len(dec.buf)) {
		return nil, errCorrupt
	}
	m := make(map[string]any, n)
	for range n {
		c, err := dec.uvarint()
		if err != nil {
			return nil, err
		}
		k, ok := dec.d.names.get(c)
		if c == 0 {
			k, err = dec.str()
		} else if !ok {
			err = errCorrupt
		}
		if err != nil {
			return nil, err
		}
		if m[k], err = dec.value(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (dec *decoder) value() (any, error) {
	if len(dec.buf) == 0 {
		return nil, errCorrupt
	}
	tag := dec.buf[0]
	dec.buf = dec.buf[1:]
	switch tag {
	case tagString, tagAt:
		var s string
		var err error
		if tag == tagAt {
			s, err = dec.raw()
			if err == nil {
				s, err = dec.domain(s) // a new string: no copy needed
			}
		} else {
			s, err = dec.str()
		}
		if err != nil {
			return nil, err
		}
		var v any = s
		if len(s) >= minRef && dec.n < maxRefs {
			dec.refs[dec.n] = v
			dec.n++
		}
		return v, nil
	case tagValue, tagRef:
		return dec.shared(tag)
	case tagTrue:
		return true, nil
	case tagFalse:
		return false, nil
	case tagInt:
		u, err := dec.uvarint()
		v := int64(u >> 1) // zig-zag, as binary.AppendVarint writes it
		if u&1 != 0 {
			v = ^v
		}
		return v, err
	case tagFloat:
		if len(dec.buf) < 8 {
			return nil, errCorrupt
		}
		var u uint64
		for i := range 8 {
			u |= uint64(dec.buf[i]) << (8 * i)
		}
		dec.buf = dec.buf[8:]
		return math.Float64frombits(u), nil
	case tagMap:
		return dec.mapBody()
	case tagList:
		return dec.list()
	}
	return nil, errCorrupt
}

// domain reads the dictionary code of an email domain and appends the
// domain to local.
func (dec *decoder) domain(local string) (string, error) {
	n, err := dec.uvarint()
	if err != nil {
		return "", err
	}
	d, ok := dec.d.values.get(n)
	if !ok {
		return "", errCorrupt
	}
	return local + d, nil
}

// shared reads a string of the dictionary of values or a reference.
func (dec *decoder) shared(tag byte) (any, error) {
	n, err := dec.uvarint()
	if err != nil {
		return nil, err
	}
	if tag == tagRef {
		if n >= uint64(dec.n) {
			return nil, errCorrupt
		}
		return dec.refs[n], nil
	}
	v, ok := dec.d.values.getBoxed(n)
	if !ok {
		return nil, errCorrupt
	}
	return v, nil
}

func (dec *decoder) list() (any, error) {
	n, err := dec.uvarint()
	if err != nil || n > uint64(len(dec.buf)) {
		return nil, errCorrupt
	}
	out := make([]any, n)
	for i := range out {
		if out[i], err = dec.value(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
