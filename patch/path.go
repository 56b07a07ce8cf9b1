package patch

import (
	"errors"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// target is a resolved PATCH path (RFC 7644 §3.5.2 "PATH").
type target struct {
	// ref is the attribute and, for "attr.sub" and "attr[filter].sub",
	// the sub-attribute.
	ref schema.AttrRef
	// filter is the bound value filter of "attr[filter]"; nil without one.
	filter filter.Expr
	// filtered is true when the path has a value filter.
	filtered bool
	// whole is set when the path names a whole extension schema
	// ("urn:…:enterprise:2.0:User"); ref is zero then.
	whole *schema.Schema
}

// perValue reports whether the target addresses values of a multi-valued
// attribute one by one: a filter, or a sub-attribute of every value
// ("emails.type").
func (t target) perValue() bool {
	return t.whole == nil && (t.filtered || t.ref.Attr.MultiValued && t.ref.Sub != nil)
}

// resolvePath parses and resolves a PATCH path against the resource type.
// Every failure is invalidPath (RFC 7644 Table 9), including a value
// filter that does not parse or bind: the error is in "path".
func (p *Patch) resolvePath(i int, s string) (target, error) {
	if !strings.ContainsAny(s, "[]") {
		ref, ok := p.lookupPath(s)
		if !ok {
			return target{}, schema.ErrInvalidPath.WithDetail("Operations[%d]: path %q does not name an attribute of %s", i, s, p.rt.Name)
		}
		return target{ref: ref}, nil
	}
	fp, err := filter.ParsePath(s)
	if err != nil {
		return target{}, pathError(i, s, err)
	}
	ref, ok := p.rt.Lookup(fp.Attr.URI, fp.Attr.Name, fp.Attr.Sub)
	if !ok {
		return target{}, schema.ErrInvalidPath.WithDetail("Operations[%d]: path %q does not name an attribute of %s", i, s, p.rt.Name)
	}
	if fp.Filter == nil {
		return target{ref: ref}, nil
	}
	if ref.Sub != nil || !ref.Attr.IsComplex() && !ref.Attr.MultiValued {
		return target{}, schema.ErrInvalidPath.WithDetail("Operations[%d]: path %q: a value filter applies only to a multi-valued or complex attribute", i, s)
	}
	bound, err := filter.BindValue(p.rt, ref, fp.Filter)
	if err != nil {
		return target{}, pathError(i, s, err)
	}
	if fp.Sub != "" {
		ref.Sub = ref.Attr.Sub(fp.Sub)
		if ref.Sub == nil {
			return target{}, schema.ErrInvalidPath.WithDetail("Operations[%d]: path %q: %s has no sub-attribute %q", i, s, ref.Attr.Name, fp.Sub)
		}
	}
	return target{ref: ref, filter: bound, filtered: true}, nil
}

// lookupPath resolves an attribute path without a value filter, also in
// the form "urn:…:2.0:User.manager" (a '.' where RFC 7644 §3.10 puts a
// ':' after the schema URN) when the dialect allows it.
func (p *Patch) lookupPath(s string) (schema.AttrRef, bool) {
	ref, ok := p.rt.LookupPath(s)
	if ok || !p.f.urnDot {
		return ref, ok
	}
	if fixed, ok := urnDotPath(p.rt, s); ok {
		return p.rt.LookupPath(fixed)
	}
	return ref, false
}

// urnDotPath rewrites "SCHEMA.attr" to "SCHEMA:attr" when SCHEMA is the id
// of one of rt's schemas (compared case-insensitively).
func urnDotPath(rt *schema.ResourceType, s string) (string, bool) {
	ids := []string{rt.Schema.ID}
	for _, e := range rt.Extensions {
		ids = append(ids, e.Schema.ID)
	}
	for _, id := range ids {
		if len(s) > len(id)+1 && s[len(id)] == '.' && strings.EqualFold(s[:len(id)], id) {
			return s[:len(id)] + ":" + s[len(id)+1:], true
		}
	}
	return "", false
}

// pathError turns a filter error into invalidPath, keeping its detail.
func pathError(i int, s string, err error) error {
	detail := err.Error()
	var se *schema.Error
	if errors.As(err, &se) {
		detail = se.Detail
	}
	return schema.ErrInvalidPath.WithDetail("Operations[%d]: path %q: %s", i, s, detail).WithCause(err)
}
