package sqlite

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// timeLayout is the fixed-width UTC form of stored instants: text order
// is chronological order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

// fold is the case rule of filter.Match for non-caseExact strings.
func fold(s string) string { return filter.Fold(s) }

// normDateTime returns the fixed-width UTC text of an xsd:dateTime, or
// ok=false when s does not parse.
func normDateTime(s string) (string, bool) {
	t, err := schema.ParseDateTime(s)
	if err != nil || t.Year() < 0 || t.Year() > 9999 {
		return "", false
	}
	return formatTime(t), true
}

// attrsOf returns the attribute definitions that apply to the keys of a
// resource's Attrs at the top level: nil for keys no schema defines.
func attrOf(rt *schema.ResourceType, key string) (*schema.Attribute, *schema.Schema) {
	if a := rt.Schema.Attribute(key); a != nil && a.Name == key {
		return a, nil
	}
	if s := rt.SchemaByURN(key); s != nil && s != rt.Schema {
		return nil, s
	}
	return nil, nil
}

// marshal encodes v as JSON without HTML escaping.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// decodeAttrs parses a stored data document back into typed attribute
// values: numbers become int64 or float64 per the attribute type.
func decodeAttrs(rt *schema.ResourceType, data string) (map[string]any, error) {
	v, err := schema.DecodeJSON([]byte(data)) // encoding/json's values, faster
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the data document is not a JSON object")
	}
	for k, v := range m {
		a, ext := attrOf(rt, k)
		if em, ok := v.(map[string]any); ok && ext != nil {
			for ek, ev := range em {
				em[ek] = typed(ext.Attribute(ek), ev)
			}
			continue
		}
		m[k] = typed(a, v)
	}
	return m, nil
}

func typed(a *schema.Attribute, v any) any {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			v[i] = typed(a, e)
		}
		return v
	case map[string]any:
		for k, e := range v {
			var sub *schema.Attribute
			if a != nil {
				sub = a.Sub(k)
			}
			v[k] = typed(sub, e)
		}
		return v
	case json.Number:
		if a != nil && a.Type == schema.Decimal {
			f, _ := v.Float64()
			return f
		}
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	}
	return v
}
