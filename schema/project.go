package schema

import "strings"

// Project returns a copy of r holding only what a response should carry,
// per RFC 7644 §3.4.2.5 and §3.9 and the "returned" characteristic of
// RFC 7643 §7:
//
//   - never (and any writeOnly attribute): never returned;
//   - always (id, schemas, and any returned:always attribute or
//     sub-attribute): always returned;
//   - request: returned only when named in attributes;
//   - default: returned unless excluded, or, when attributes is given,
//     only if named.
//
// attributes and excluded hold attribute paths in any case, qualified by a
// schema URN or not: "userName", "name.givenName", "emails.value",
// "meta.lastModified", "urn:...:enterprise:2.0:User:manager.value", or a
// bare schema URN meaning all of that schema's attributes. Naming a complex
// attribute selects all its sub-attributes; naming a sub-attribute selects
// only it (plus returned:always ones). Unknown names are ignored. At most
// one of attributes and excluded should be non-empty; if both are,
// attributes wins.
//
// With neither given, the cost is one pass over r's top-level attributes.
// The result shares unmodified nested values with r: treat both as
// read-only or Clone first.
func (rt *ResourceType) Project(r *Resource, attributes, excluded []string) *Resource {
	if r == nil {
		return nil
	}
	if len(attributes) == 0 && len(excluded) == 0 && rt.plain(r) {
		c := *r // nothing to drop: share everything, as documented
		return &c
	}
	p := projection{rt: rt, include: len(attributes) > 0}
	names := excluded
	if p.include {
		names = attributes
	}
	p.parse(names)
	out := &Resource{ID: r.ID, Schemas: r.Schemas, Attrs: make(map[string]any, len(r.Attrs))}
	if p.keep(ExternalIDAttribute, nil) {
		out.ExternalID = r.ExternalID
	}
	out.Meta = p.meta(r.Meta)
	p.container(rt.Schema, r.Attrs, out.Attrs)
	for _, e := range rt.Extensions {
		src, _ := r.Attrs[e.Schema.ID].(map[string]any)
		if len(src) == 0 {
			continue
		}
		dst := make(map[string]any, len(src))
		p.container(e.Schema, src, dst)
		if len(dst) > 0 {
			out.Attrs[e.Schema.ID] = dst
		}
	}
	return out
}

// plain reports whether the default projection leaves r as it is: every
// attribute present is known and nothing present is hidden by default.
func (rt *ResourceType) plain(r *Resource) bool {
	if rt.hidden == nil {
		return false
	}
	for k, v := range r.Attrs {
		if strings.IndexByte(k, ':') < 0 { // an attribute name (RFC 7643 §2.1 ATTRNAME), not a URN
			if a := rt.Schema.Attribute(k); a == nil || rt.hidden[a] {
				return false
			}
			continue
		}
		s := rt.SchemaByURN(k)
		ext, ok := v.(map[string]any)
		if s == nil || s == rt.Schema || k != s.ID || !ok || len(ext) == 0 || !rt.plainIn(s, ext) {
			return false // the slow path drops empty containers and URNs in another case
		}
	}
	return true
}

func (rt *ResourceType) plainIn(s *Schema, attrs map[string]any) bool {
	for k := range attrs {
		if a := s.Attribute(k); a == nil || rt.hidden[a] {
			return false
		}
	}
	return true
}

// projection is a parsed attributes or excludedAttributes list.
type projection struct {
	rt      *ResourceType
	include bool                  // attributes (true) or excludedAttributes
	named   map[*Attribute]*named // top-level attributes named
	schemas map[*Schema]bool      // schemas named as a whole
}

// named records how a top-level attribute was named: as a whole, or
// through some of its sub-attributes.
type named struct {
	whole bool
	subs  map[*Attribute]bool
}

func (p *projection) parse(names []string) {
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if s := p.rt.SchemaByURN(n); s != nil {
			if p.schemas == nil {
				p.schemas = map[*Schema]bool{}
			}
			p.schemas[s] = true
			continue
		}
		ref, ok := p.rt.LookupPath(n)
		if !ok {
			continue // unknown names are ignored
		}
		if p.named == nil {
			p.named = map[*Attribute]*named{}
		}
		nm := p.named[ref.Attr]
		if nm == nil {
			nm = &named{}
			p.named[ref.Attr] = nm
		}
		if ref.Sub == nil {
			nm.whole = true
			continue
		}
		if nm.subs == nil {
			nm.subs = map[*Attribute]bool{}
		}
		nm.subs[ref.Sub] = true
	}
}

// hidden reports whether a is never returned.
func hidden(a *Attribute) bool {
	return a.Returned == ReturnedNever || a.Mutability == WriteOnly
}

// keep decides on a top-level attribute a of schema s (nil for common
// attributes) as a whole, ignoring sub-attribute selections.
func (p *projection) keep(a *Attribute, s *Schema) bool {
	if hidden(a) {
		return false
	}
	if a.Returned == ReturnedAlways {
		return true
	}
	whole := p.whole(a, s)
	if p.include {
		return whole
	}
	return !whole && a.Returned != ReturnedRequest
}

// whole reports whether a was named as a whole, directly or through its
// schema's URN; a returned:request attribute must be named directly.
func (p *projection) whole(a *Attribute, s *Schema) bool {
	if nm := p.named[a]; nm != nil && nm.whole {
		return true
	}
	return s != nil && p.schemas[s] && !(p.include && a.Returned == ReturnedRequest)
}

// container projects the attributes of schema s from src into dst.
func (p *projection) container(s *Schema, src, dst map[string]any) {
	for k, v := range src {
		a := s.Attribute(k)
		if a == nil {
			if s == p.rt.Schema && p.rt.SchemaByURN(k) != nil {
				continue // extension container, handled by Project
			}
			if !p.include {
				dst[k] = v // not described by the schema: passed through
			}
			continue
		}
		if v = p.value(a, s, v); v != nil {
			dst[k] = v
		}
	}
}

// value returns the projected value of top-level attribute a, or nil.
func (p *projection) value(a *Attribute, s *Schema, v any) any {
	if hidden(a) {
		return nil
	}
	kept := p.keep(a, s)
	if a.Type != Complex {
		if kept {
			return v
		}
		return nil
	}
	nm := p.named[a]
	if kept && !p.filtersSubs(a, nm) {
		return v
	}
	if !kept && (nm == nil || nm.subs == nil) && !hasAlwaysSub(a) {
		return nil
	}
	// whole: the sub-attributes' default selection applies (include mode)
	// or is removed (exclude mode).
	whole := p.whole(a, s)
	if a.Returned == ReturnedAlways {
		whole = p.include
	}
	parentOK := p.include || !whole && (a.Returned != ReturnedRequest || a.Returned == ReturnedAlways)
	return mapValues(v, func(m map[string]any) map[string]any { return p.subs(a, nm, m, whole, parentOK) })
}

// filtersSubs reports whether a kept complex value needs per-sub-attribute
// work: named sub-attributes, or hidden or returned:request ones.
func (p *projection) filtersSubs(a *Attribute, nm *named) bool {
	if nm != nil && nm.subs != nil {
		return true
	}
	for _, s := range a.SubAttributes {
		if hidden(s) || s.Returned == ReturnedRequest {
			return true
		}
	}
	return false
}

func hasAlwaysSub(a *Attribute) bool {
	for _, s := range a.SubAttributes {
		if s.Returned == ReturnedAlways {
			return true
		}
	}
	return false
}

// subs projects one complex value m of a. In include mode a sub-attribute
// survives when named, or when a is named whole and it is not
// returned:request; in exclude mode when a survives (parentOK), it is not
// excluded and not returned:request. returned:always ones always survive.
func (p *projection) subs(a *Attribute, nm *named, m map[string]any, whole, parentOK bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		s := a.Sub(k)
		if s == nil || hidden(s) {
			continue
		}
		subNamed := nm != nil && nm.subs[s]
		var keep bool
		switch {
		case s.Returned == ReturnedAlways:
			keep = true
		case p.include:
			keep = subNamed || whole && s.Returned != ReturnedRequest
		default:
			keep = parentOK && !subNamed && s.Returned != ReturnedRequest
		}
		if keep {
			out[k] = v
		}
	}
	return out
}

// mapValues applies f to a complex value or to each element of a
// multi-valued complex value, dropping empty results.
func mapValues(v any, f func(map[string]any) map[string]any) any {
	switch v := v.(type) {
	case map[string]any:
		if m := f(v); len(m) > 0 {
			return m
		}
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if m = f(m); len(m) > 0 {
					out = append(out, m)
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// meta projects the meta attribute (returned default, sub-attributes
// selectable as "meta.lastModified").
func (p *projection) meta(m Meta) Meta {
	nm := p.named[MetaAttribute]
	switch {
	case nm == nil:
		if p.include {
			return Meta{}
		}
		return m
	case nm.whole:
		if p.include {
			return m
		}
		return Meta{}
	}
	var out Meta
	sel := func(name string) bool { return nm.subs[MetaAttribute.Sub(name)] == p.include }
	if sel("resourceType") {
		out.ResourceType = m.ResourceType
	}
	if sel("created") {
		out.Created = m.Created
	}
	if sel("lastModified") {
		out.LastModified = m.LastModified
	}
	if sel("location") {
		out.Location = m.Location
	}
	if sel("version") {
		out.Version = m.Version
	}
	return out
}

// Treatment is what the default projection (Project with neither
// attributes nor excluded) does with one attribute of a resource.
type Treatment uint8

const (
	// Kept: the value is returned as it is.
	Kept Treatment = iota
	// Dropped: the attribute is not returned (returned never or request,
	// writeOnly, or a schema URN that is not an extension container).
	Dropped
	// Trimmed: the value is returned with some sub-attributes removed;
	// only Project says which.
	Trimmed
	// ExtensionContainer: the member holds the attributes of an extension
	// schema, each to be decided with that schema.
	ExtensionContainer
)

// DefaultTreatment reports what Project(r, nil, nil) does with the member
// called name of the attributes of schema s: rt.Schema for the top level
// of r.Attrs, an extension's schema for the members of its container. For
// ExtensionContainer it also returns the extension schema. Attributes no
// schema describes are passed through (Kept), as Project does.
//
// It lets a store that keeps resources encoded render the default
// projection without building the resource; DefaultTreatment and Project
// agree by construction.
func (rt *ResourceType) DefaultTreatment(s *Schema, name string) (Treatment, *Schema) {
	a := s.Attribute(name)
	if a == nil {
		if s != rt.Schema {
			return Kept, nil
		}
		es := rt.SchemaByURN(name)
		switch {
		case es == nil:
			return Kept, nil
		case es != rt.Schema && name == es.ID:
			return ExtensionContainer, es
		}
		return Dropped, nil
	}
	p := projection{rt: rt}
	kept := p.keep(a, s)
	switch {
	case hidden(a):
		return Dropped, nil
	case a.Type != Complex:
		if kept {
			return Kept, nil
		}
		return Dropped, nil
	case kept && !p.filtersSubs(a, nil):
		return Kept, nil
	case !kept && !hasAlwaysSub(a):
		return Dropped, nil
	}
	return Trimmed, nil
}
