package memory

import (
	"cmp"
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// sortKey is a resource's value for the sort attribute (RFC 7644
// §3.4.2.3): strings folded unless caseExact, numbers numeric, dateTime
// chronological (as Unix nanoseconds), booleans false < true.
type sortKey struct {
	kind keyKind
	s    string
	i    int64
	f    float64
}

type keyKind uint8

const (
	keyMissing keyKind = iota
	keyString
	keyInt
	keyFloat
	keyTime
	keyBool
)

func compareKeys(a, b sortKey) int {
	if a.kind != b.kind {
		if isNum(a.kind) && isNum(b.kind) {
			return cmp.Compare(a.num(), b.num())
		}
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case keyString:
		return strings.Compare(a.s, b.s)
	case keyFloat:
		return cmp.Compare(a.f, b.f)
	case keyMissing:
		return 0
	}
	return cmp.Compare(a.i, b.i)
}

func isNum(k keyKind) bool { return k == keyInt || k == keyFloat }

func (k sortKey) num() float64 {
	if k.kind == keyInt {
		return float64(k.i)
	}
	return k.f
}

// compareRows orders rows by key (missing values last ascending, first
// descending), then by creation sequence ascending in both directions.
func compareRows(a, b row, desc bool) int {
	am, bm := a.key.kind == keyMissing, b.key.kind == keyMissing
	var c int
	switch {
	case am && bm:
	case am:
		c = 1
	case bm:
		c = -1
	default:
		c = compareKeys(a.key, b.key)
	}
	if desc {
		c = -c
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.rec.seq, b.rec.seq)
}

// sortKeyOf extracts the sort key of ref from a record. A multi-valued
// attribute sorts by its primary value, else its first (RFC 7644
// §3.4.2.3); a complex value by the named sub-attribute, or "value".
func sortKeyOf(ti *typeInfo, rec *record, attrs map[string]any, ref schema.AttrRef) sortKey {
	if ref.IsCommon() {
		return commonKey(ti, rec, ref)
	}
	m := attrs
	if ref.IsExtension(ti.rt) {
		m, _ = attrs[ref.Schema.ID].(map[string]any)
	}
	v, target := m[ref.Attr.Name], ref.Attr
	if ref.Attr.MultiValued {
		v = pickElement(v)
	}
	if ref.Attr.IsComplex() {
		sub := ref.Sub
		if sub == nil {
			sub = ref.Attr.Sub("value")
		}
		e, _ := v.(map[string]any)
		if sub == nil || e == nil {
			return sortKey{}
		}
		v, target = e[sub.Name], sub
	}
	return valueKey(target, v)
}

func pickElement(v any) any {
	list, _ := v.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["primary"] == true {
			return e
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}

func valueKey(a *schema.Attribute, v any) sortKey {
	switch v := v.(type) {
	case string:
		if a.Type == schema.DateTime {
			if t, err := schema.ParseDateTime(v); err == nil {
				return sortKey{kind: keyTime, i: t.UnixNano()}
			}
		}
		s, _ := backend.FoldValue(a, v).(string) // binary and caseExact strings as they are
		return sortKey{kind: keyString, s: s}
	case int64:
		return sortKey{kind: keyInt, i: v}
	case float64:
		return sortKey{kind: keyFloat, f: v}
	case bool:
		if v {
			return sortKey{kind: keyBool, i: 1}
		}
		return sortKey{kind: keyBool}
	}
	return sortKey{}
}

func commonKey(ti *typeInfo, rec *record, ref schema.AttrRef) sortKey {
	str := func(s string) sortKey {
		if s == "" {
			return sortKey{}
		}
		return sortKey{kind: keyString, s: s}
	}
	switch ref.Attr.Name {
	case "id":
		return str(rec.id.String())
	case "externalId":
		return str(rec.ext)
	case "schemas":
		return str(ti.rt.Schema.ID)
	case "meta":
		if ref.Sub == nil {
			return sortKey{}
		}
		switch ref.Sub.Name {
		case "created":
			return sortKey{kind: keyTime, i: rec.created * 1000}
		case "lastModified":
			return sortKey{kind: keyTime, i: rec.modified * 1000}
		case "version":
			return sortKey{kind: keyInt, i: rec.version}
		case "resourceType":
			return str(ti.rt.Name)
		}
	}
	return sortKey{}
}
