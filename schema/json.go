package schema

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON encodes r in its SCIM JSON representation; see AppendJSON.
func (r *Resource) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 1024))
}

// AppendJSON appends r's SCIM JSON representation (RFC 7643 §3) to dst and
// returns the extended buffer: "schemas", "id", "externalId", the
// attributes in name order (nil values left out), then "meta" with its
// members in name order and its dateTime values formatted as by
// FormatDateTime. Extension attributes appear under their URN; nested
// objects have their members in name order too. On error, dst is returned
// unchanged in content (its length is restored).
//
// The output is byte for byte what encoding/json produces for the same
// members in the same order, HTML-safe escaping included (<, > and & as
// \u003c, \u003e, \u0026; U+2028 and U+2029 escaped; invalid UTF-8 as
// \ufffd), but values of the types documented on Resource are written
// without reflection and with no allocation beyond growing dst. Values of
// other types go through encoding/json. A NaN or infinite number, or an
// invalid json.Number, is an error, as with json.Marshal.
//
// AppendJSON follows the append convention of encoding.TextAppender.
func (r *Resource) AppendJSON(dst []byte) ([]byte, error) {
	return r.AppendJSONWith(dst, nil)
}

// AppendJSONWith is AppendJSON for a resource some of whose attributes are
// already encoded: members holds JSON object members without the braces
// (`"active":true,"userName":"bjensen"`), written after r.Attrs and before
// "meta". It is for stores that keep resources encoded and render them
// straight to JSON (see store.EncodedLister); the caller vouches that
// members is valid JSON of that form and names nothing r also holds.
func (r *Resource) AppendJSONWith(dst []byte, members []byte) ([]byte, error) {
	n0 := len(dst)
	dst = r.appendOpen(dst)
	var err error
	if dst, err = appendMembers(dst, n0, r.Attrs, true); err != nil {
		return dst[:n0], err
	}
	if len(members) > 0 {
		dst = append(appendComma(dst, n0), members...)
	}
	if !r.Meta.isZero() {
		dst = append(appendComma(dst, n0), `"meta":`...)
		dst = r.Meta.appendJSON(dst)
	}
	return append(dst, '}'), nil
}

// appendOpen appends the opening brace of r's object and the members that
// come before its attributes: schemas, id and externalId.
func (r *Resource) appendOpen(dst []byte) []byte {
	n0 := len(dst)
	dst = append(dst, '{')
	if len(r.Schemas) > 0 {
		dst = append(dst, `"schemas":[`...)
		for i, s := range r.Schemas {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		dst = append(dst, ']')
	}
	if r.ID != "" {
		dst = appendString(appendComma(dst, n0), "id")
		dst = appendString(append(dst, ':'), r.ID)
	}
	if r.ExternalID != "" {
		dst = appendString(appendComma(dst, n0), "externalId")
		dst = appendString(append(dst, ':'), r.ExternalID)
	}
	return dst
}

// appendComma appends the comma before an object member unless the
// object, which starts at dst[start], is still empty.
func appendComma(dst []byte, start int) []byte {
	if len(dst) > start+1 {
		dst = append(dst, ',')
	}
	return dst
}

func (m *Meta) isZero() bool {
	return m.ResourceType == "" && m.Created.IsZero() && m.LastModified.IsZero() && m.Location == "" && m.Version == ""
}

// appendJSON appends meta as an object with the members of Map, in name
// order, without building the map.
func (m *Meta) appendJSON(dst []byte) []byte {
	dst = m.appendBefore(append(dst, '{'))
	if m.Location != "" {
		dst = append(appendSep(dst), `"location":`...)
		dst = appendString(dst, m.Location)
	}
	return append(m.appendAfter(dst), '}')
}

// appendBefore appends the members of meta that come before "location",
// separated by commas.
func (m *Meta) appendBefore(dst []byte) []byte {
	if !m.Created.IsZero() {
		dst = append(dst, `"created":"`...)
		dst = append(appendDateTime(dst, m.Created), '"')
	}
	if !m.LastModified.IsZero() {
		dst = append(appendSep(dst), `"lastModified":"`...)
		dst = append(appendDateTime(dst, m.LastModified), '"')
	}
	return dst
}

// appendAfter appends the members of meta that come after "location",
// preceded by a comma unless dst ends an object's opening brace.
func (m *Meta) appendAfter(dst []byte) []byte {
	if m.ResourceType != "" {
		dst = append(appendSep(dst), `"resourceType":`...)
		dst = appendString(dst, m.ResourceType)
	}
	if m.Version != "" {
		dst = append(appendSep(dst), `"version":`...)
		dst = appendString(dst, m.Version)
	}
	return dst
}

// appendSep appends the comma before an object member unless dst ends
// with the object's opening brace (or is empty: a list of members
// rendered on its own).
func appendSep(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' {
		dst = append(dst, ',')
	}
	return dst
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
