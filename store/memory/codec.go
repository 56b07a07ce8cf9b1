package memory

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

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
//
// A map key is a uvarint code: 0 is followed by the key inline (uvarint
// length, bytes); n > 0 is entry n-1 of the store's dictionary of names.
// Names are attribute names and extension URNs, so the dictionary stays
// small; it is capped at maxDict entries, later names are written inline.
const (
	tagString byte = iota + 1
	tagTrue
	tagFalse
	tagInt
	tagFloat
	tagMap
	tagList
)

const maxDict = 1 << 14

// dict interns map keys. It is only modified under the write lock.
type dict struct {
	names []string
	codes map[string]uint64
}

func newDict() dict { return dict{codes: map[string]uint64{}} }

func (d *dict) code(name string, add bool) uint64 {
	if c, ok := d.codes[name]; ok {
		return c
	}
	if !add || len(d.names) >= maxDict {
		return 0
	}
	d.names = append(d.names, name)
	c := uint64(len(d.names))
	d.codes[name] = c
	return c
}

var errCorrupt = errors.New("memory: corrupt record encoding")

// encode returns the encoding of a resource's attribute map in a slice of
// its own size. It encodes into a buffer reused by writes (under the write
// lock) and copies: a slice grown by append would keep up to half of its
// capacity unused for the life of the record, and leave garbage behind.
func (st *state) encode(attrs map[string]any) ([]byte, error) {
	b, err := st.dict.encodeAttrs(st.scratch[:0], attrs)
	if err != nil {
		return nil, err
	}
	if cap(b) <= maxScratch {
		st.scratch = b
	}
	return bytes.Clone(b), nil
}

// maxScratch bounds the encoding buffer a store keeps between writes.
const maxScratch = 64 << 10

// encodeAttrs encodes a resource's attribute map.
func (d *dict) encodeAttrs(dst []byte, m map[string]any) ([]byte, error) {
	return d.encodeMapBody(dst, m)
}

func (d *dict) encodeMapBody(dst []byte, m map[string]any) ([]byte, error) {
	n := 0
	for _, v := range m {
		if v != nil {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	// Key order does not matter for decoding, but a canonical order makes
	// equal maps encode to equal bytes (used to detect no-op updates).
	for _, k := range sortedKeys(m) {
		v := m[k]
		if v == nil {
			continue
		}
		c := d.code(k, true)
		dst = binary.AppendUvarint(dst, c)
		if c == 0 {
			dst = appendString(dst, k)
		}
		var err error
		if dst, err = d.encodeValue(dst, v); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
	}
	return dst, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func (d *dict) encodeValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(append(dst, tagString), v), nil
	case bool:
		if v {
			return append(dst, tagTrue), nil
		}
		return append(dst, tagFalse), nil
	case int64:
		return binary.AppendVarint(append(dst, tagInt), v), nil
	case int:
		return binary.AppendVarint(append(dst, tagInt), int64(v)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat), math.Float64bits(v)), nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return d.encodeValue(dst, i)
		}
		f, err := v.Float64()
		if err != nil {
			return nil, schema.ErrInvalidValue.WithDetail("number %s is out of range", v)
		}
		return d.encodeValue(dst, f)
	case map[string]any:
		return d.encodeMapBody(append(dst, tagMap), v)
	case []any:
		dst = binary.AppendUvarint(append(dst, tagList), uint64(len(v)))
		for _, e := range v {
			if e == nil {
				return nil, schema.ErrInvalidValue.WithDetail("null inside a multi-valued attribute")
			}
			var err error
			if dst, err = d.encodeValue(dst, e); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, schema.ErrInvalidValue.WithDetail("unsupported value of Go type %T", v)
}

// decoder reads the compact encoding.
type decoder struct {
	d   *dict
	buf []byte
}

func (d *dict) decodeAttrs(b []byte) (map[string]any, error) {
	dec := decoder{d: d, buf: b}
	m, err := dec.mapBody()
	if err == nil && len(dec.buf) != 0 {
		err = errCorrupt
	}
	return m, err
}

func (dec *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(dec.buf)
	if n <= 0 {
		return 0, errCorrupt
	}
	dec.buf = dec.buf[n:]
	return v, nil
}

func (dec *decoder) str() (string, error) {
	n, err := dec.uvarint()
	if err != nil || n > uint64(len(dec.buf)) {
		return "", errCorrupt
	}
	s := string(dec.buf[:n])
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
		var k string
		switch {
		case c == 0:
			if k, err = dec.str(); err != nil {
				return nil, err
			}
		case c <= uint64(len(dec.d.names)):
			k = dec.d.names[c-1]
		default:
			return nil, errCorrupt
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
	case tagString:
		return dec.str()
	case tagTrue:
		return true, nil
	case tagFalse:
		return false, nil
	case tagInt:
		v, n := binary.Varint(dec.buf)
		if n <= 0 {
			return nil, errCorrupt
		}
		dec.buf = dec.buf[n:]
		return v, nil
	case tagFloat:
		if len(dec.buf) < 8 {
			return nil, errCorrupt
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(dec.buf))
		dec.buf = dec.buf[8:]
		return v, nil
	case tagMap:
		return dec.mapBody()
	case tagList:
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
	return nil, errCorrupt
}
