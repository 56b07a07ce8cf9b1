package schema

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// MarshalJSON encodes r in its SCIM JSON representation: "schemas", "id",
// "externalId", the attributes in name order, then "meta". Extension
// attributes appear under their URN.
func (r *Resource) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	field := func(name string, v any) error {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(data)
		return nil
	}
	if len(r.Schemas) > 0 {
		if err := field("schemas", r.Schemas); err != nil {
			return nil, err
		}
	}
	if r.ID != "" {
		if err := field("id", r.ID); err != nil {
			return nil, err
		}
	}
	if r.ExternalID != "" {
		if err := field("externalId", r.ExternalID); err != nil {
			return nil, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Attrs)) {
		if r.Attrs[k] == nil {
			continue
		}
		if err := field(k, r.Attrs[k]); err != nil {
			return nil, err
		}
	}
	if m := r.Meta.Map(); len(m) > 0 {
		if err := field("meta", m); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes a SCIM JSON object without a schema: the common
// attributes go to their fields (meta only when well-formed) and every other
// member goes to Attrs as decoded by encoding/json with numbers kept as
// json.Number. Use ResourceType.Decode to canonicalise and type-check
// client input.
func (r *Resource) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	*r = Resource{Attrs: map[string]any{}}
	for k, v := range m {
		switch k {
		case "id":
			r.ID, _ = v.(string)
		case "externalId":
			r.ExternalID, _ = v.(string)
		case "schemas":
			vs, _ := v.([]any)
			for _, s := range vs {
				if s, ok := s.(string); ok {
					r.Schemas = append(r.Schemas, s)
				}
			}
		case "meta":
			mm, _ := v.(map[string]any)
			r.Meta = metaFromMap(mm)
		default:
			r.Attrs[k] = v
		}
	}
	return nil
}

func metaFromMap(m map[string]any) Meta {
	var meta Meta
	meta.ResourceType, _ = m["resourceType"].(string)
	meta.Location, _ = m["location"].(string)
	meta.Version, _ = m["version"].(string)
	if s, ok := m["created"].(string); ok {
		meta.Created, _ = ParseDateTime(s)
	}
	if s, ok := m["lastModified"].(string); ok {
		meta.LastModified, _ = ParseDateTime(s)
	}
	return meta
}
