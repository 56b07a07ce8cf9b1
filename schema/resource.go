package schema

import (
	"time"
)

// Meta is a resource's metadata (RFC 7643 §3.1, "meta"). It is set by the
// service provider; values sent by clients are ignored.
type Meta struct {
	// ResourceType is the resource type name, e.g. "User".
	ResourceType string
	// Created is when the resource was added to the service provider.
	Created time.Time
	// LastModified is when the resource was last changed.
	LastModified time.Time
	// Location is the resource's URI; the HTTP layer fills it in.
	Location string
	// Version is the resource's entity tag, e.g. `W/"3"` (RFC 7644 §3.14).
	Version string
}

// Resource is a SCIM resource of some ResourceType.
//
// The common attributes id, externalId, schemas and meta (RFC 7643 §3.1) are
// struct fields. Every other attribute lives in Attrs, keyed by its
// canonical name as spelled in the schema: core attributes at the top level,
// extension attributes in a nested map keyed by the extension URN, exactly
// as in the JSON representation.
//
// After ResourceType.Decode, values in Attrs have these Go types: string
// for string, dateTime (RFC 3339 text), binary (base64 text) and reference;
// bool for boolean; int64 for integer; float64 for decimal; map[string]any
// for complex values (sub-attribute name → value); []any for every
// multi-valued attribute, even with one element. Unassigned attributes are
// absent rather than null.
//
// A Resource is a plain value: it is not safe for concurrent mutation, and
// code that hands a Resource to another owner should pass a Clone.
type Resource struct {
	// ID is the resource's service-provider-assigned identifier (RFC 7643 §3.1 "id").
	ID string
	// ExternalID is the client's identifier for the resource (RFC 7643 §3.1 "externalId").
	ExternalID string
	// Schemas lists the schema URIs of the resource's representation (RFC 7643 §3).
	Schemas []string
	// Meta is the resource's metadata (RFC 7643 §3.1 "meta").
	Meta Meta
	// Attrs holds every other attribute, keyed by canonical name; extension attributes nest under their URN.
	Attrs map[string]any
}

// Clone returns a deep copy of r.
func (r *Resource) Clone() *Resource {
	if r == nil {
		return nil
	}
	c := *r
	c.Schemas = append([]string(nil), r.Schemas...)
	c.Attrs = CloneValue(r.Attrs).(map[string]any)
	return &c
}

// CloneValue returns a deep copy of an attribute value: maps and slices are
// copied recursively, scalars are returned as is.
func CloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return map[string]any{}
		}
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = CloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = CloneValue(e)
		}
		return s
	default:
		return v
	}
}

// container returns the map that holds ref's top-level attribute: r.Attrs
// for core attributes or the extension's nested map. With create set, a
// missing extension map is added.
func (r *Resource) container(rt *ResourceType, ref AttrRef, create bool) map[string]any {
	if r.Attrs == nil {
		if !create {
			return nil
		}
		r.Attrs = map[string]any{}
	}
	if !ref.IsExtension(rt) {
		return r.Attrs
	}
	m, _ := r.Attrs[ref.Schema.ID].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		r.Attrs[ref.Schema.ID] = m
	}
	return m
}

// Get returns the value of the top-level attribute ref.Attr (ref.Sub is
// ignored) and whether it is present. Common attributes are returned in
// their attribute-value form: id and externalId as string, schemas as
// []any, meta as map[string]any with dateTime values formatted per RFC 3339.
func (r *Resource) Get(rt *ResourceType, ref AttrRef) (any, bool) {
	if ref.IsCommon() {
		return r.common(ref.Attr.Name)
	}
	m := r.container(rt, ref, false)
	v, ok := m[ref.Attr.Name]
	return v, ok && v != nil
}

func (r *Resource) common(name string) (any, bool) {
	switch name {
	case "id":
		return r.ID, r.ID != ""
	case "externalId":
		return r.ExternalID, r.ExternalID != ""
	case "schemas":
		s := make([]any, len(r.Schemas))
		for i, v := range r.Schemas {
			s[i] = v
		}
		return s, len(s) > 0
	case "meta":
		m := r.Meta.Map()
		return m, len(m) > 0
	}
	return nil, false
}

// Set assigns the top-level attribute ref.Attr (ref.Sub is ignored); a nil
// value removes it. Setting id, externalId or schemas updates the struct
// fields; meta cannot be set this way and is ignored.
func (r *Resource) Set(rt *ResourceType, ref AttrRef, v any) {
	if ref.IsCommon() {
		switch ref.Attr.Name {
		case "id":
			r.ID, _ = v.(string)
		case "externalId":
			r.ExternalID, _ = v.(string)
		case "schemas":
			r.Schemas = r.Schemas[:0]
			vs, _ := v.([]any)
			for _, s := range vs {
				if s, ok := s.(string); ok {
					r.Schemas = append(r.Schemas, s)
				}
			}
		}
		return
	}
	if v == nil {
		m := r.container(rt, ref, false)
		if m == nil {
			return
		}
		delete(m, ref.Attr.Name)
		if ref.IsExtension(rt) && len(m) == 0 {
			delete(r.Attrs, ref.Schema.ID)
		}
		return
	}
	r.container(rt, ref, true)[ref.Attr.Name] = v
}

// Map returns meta in its attribute-value form, omitting unset fields.
func (m Meta) Map() map[string]any {
	out := make(map[string]any, 5)
	if m.ResourceType != "" {
		out["resourceType"] = m.ResourceType
	}
	if !m.Created.IsZero() {
		out["created"] = FormatDateTime(m.Created)
	}
	if !m.LastModified.IsZero() {
		out["lastModified"] = FormatDateTime(m.LastModified)
	}
	if m.Location != "" {
		out["location"] = m.Location
	}
	if m.Version != "" {
		out["version"] = m.Version
	}
	return out
}

// FormatDateTime formats t as an xsd:dateTime in UTC with millisecond
// precision, e.g. "2026-11-27T01:02:03.456Z" (RFC 7643 §2.3.5).
func FormatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// ParseDateTime parses an xsd:dateTime (RFC 7643 §2.3.5): RFC 3339 with an
// optional fractional second; a missing time zone is taken as UTC.
func ParseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, ErrInvalidValue.WithDetail("%q is not an xsd:dateTime such as 2008-01-23T04:56:22Z", s)
	}
	return t, nil
}
