package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// DeviationRule is one requirement RFC 7643/7644 places on a client that
// GradeReplay checks each request against.
type DeviationRule struct {
	// ID names the rule, e.g. "patch.op-case".
	ID string
	// Requirement is the RFC section and its strength.
	Requirement Requirement
	// Title says what the rule requires.
	Title string
	check func(r *gradeRequest) []string
}

// DeviationRules returns the rules GradeReplay applies, in order.
func DeviationRules() []DeviationRule { return slices.Clone(deviationRules) }

// apply returns the deviations of r from the rule.
func (d DeviationRule) apply(r *gradeRequest) []Deviation {
	var out []Deviation
	for _, detail := range d.check(r) {
		out = append(out, Deviation{ID: d.ID, Requirement: d.Requirement, Detail: detail})
	}
	return out
}

var deviationRules = []DeviationRule{
	{ID: "protocol.endpoint", Requirement: must("RFC 7644 §3.2"), Title: "requests go to the endpoints under the base URL (no empty path segment)", check: checkEndpoint},
	{ID: "resource.schemas", Requirement: must("RFC 7643 §3"), Title: "a POST or PUT body's schemas lists the resource's SCIM 2.0 core schema", check: checkResourceSchemas},
	{ID: "resource.unknown-schema", Requirement: must("RFC 7643 §3"), Title: "schemas lists only the URIs of schemas the resource type has", check: checkUnknownSchemas},
	{ID: "value.string-boolean", Requirement: must("RFC 7643 §2.3.2"), Title: "booleans are the JSON literals true and false, not strings", check: checkStringBooleans},
	{ID: "value.manager-shape", Requirement: must("RFC 7643 §4.3"), Title: "manager is a single complex value {value, $ref, displayName}", check: checkManagerShape},
	{ID: "patch.schemas", Requirement: must("RFC 7644 §3.5.2"), Title: "a PATCH body's schemas is the PatchOp URN", check: checkPatchSchemas},
	{ID: "patch.op-case", Requirement: must("RFC 7644 §3.5.2"), Title: `op is "add", "remove" or "replace", in lower case`, check: checkOpCase},
	{ID: "patch.remove-value", Requirement: must("RFC 7644 §3.5.2.2"), Title: "remove selects values with a filter in path, not with a value", check: checkRemoveValue},
	{ID: "patch.pathless-keys", Requirement: must("RFC 7644 §3.5.2.1, §3.5.2.3"), Title: "a path-less add or replace value is an object of attribute names, not of paths", check: checkPathlessKeys},
	{ID: "patch.path-syntax", Requirement: must("RFC 7644 §3.5.2, §3.10"), Title: "a path is ATTRPATH or valuePath: a schema URN is followed by ':', not '.'", check: checkPathSyntax},
	{ID: "filter.unquoted", Requirement: must("RFC 7644 §3.4.2.2"), Title: "string comparison values are JSON strings (quoted)", check: checkUnquoted},
	{ID: "filter.syntax", Requirement: must("RFC 7644 §3.4.2.2"), Title: "a filter follows the filter grammar (ABNF of Figure 1)", check: checkFilterSyntax},
	{ID: "filter.unknown-attribute", Requirement: must("RFC 7644 §3.4.2.2"), Title: "a filter names attributes of the resource type's schemas", check: checkFilterAttributes},
}

func checkEndpoint(r *gradeRequest) []string {
	if r.emptySegment {
		return []string{"the path has an empty segment: the IdP was given the base URL with a trailing '/'"}
	}
	return nil
}

// writesResource reports whether r creates or replaces a User or Group.
func (r *gradeRequest) writesResource() bool {
	return r.rt != nil && r.body != nil && (r.method == "POST" && len(r.segments) == 1 || r.method == "PUT" && len(r.segments) == 2)
}

func schemaURNs(m map[string]any) ([]string, bool) {
	v, ok := member(m, "schemas")
	if !ok {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out, true
}

func checkResourceSchemas(r *gradeRequest) []string {
	if !r.writesResource() {
		return nil
	}
	urns, ok := schemaURNs(r.body)
	if !ok {
		return []string{`no "schemas" member`}
	}
	if !slices.ContainsFunc(urns, func(u string) bool { return strings.EqualFold(u, r.rt.Schema.ID) }) {
		return []string{fmt.Sprintf("schemas %q lacks %s", urns, r.rt.Schema.ID)}
	}
	return nil
}

func checkUnknownSchemas(r *gradeRequest) []string {
	if !r.writesResource() {
		return nil
	}
	urns, _ := schemaURNs(r.body)
	var out []string
	for _, u := range urns {
		if r.rt.SchemaByURN(u) == nil {
			out = append(out, fmt.Sprintf("schemas lists %q, not a schema of %s", u, r.rt.Name))
		}
	}
	return out
}

// booleanNames are the boolean attributes of the core schemas an IdP sends.
var booleanNames = []string{"active", "primary"}

func checkStringBooleans(r *gradeRequest) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && slices.Contains(booleanNames, strings.ToLower(k)) && isBoolText(s) {
					out = append(out, fmt.Sprintf("%s%s is the string %q", path, k, s))
				}
				walk(path+k+".", e)
			}
		case []any:
			for _, e := range x {
				walk(path, e)
			}
		}
	}
	if r.method == "PATCH" {
		for _, o := range r.ops {
			if s, ok := o.value.(string); ok && isBoolText(s) && slices.Contains(booleanNames, strings.ToLower(lastName(o.path))) {
				out = append(out, fmt.Sprintf("%s %s with the string %q", o.op, o.path, s))
			}
			walk("", o.value)
		}
		return out
	}
	if r.writesResource() {
		walk("", r.body)
	}
	return out
}

func isBoolText(s string) bool { return strings.EqualFold(s, "true") || strings.EqualFold(s, "false") }

// lastName is the attribute name a path ends with ("emails[...].primary" → "primary").
func lastName(p string) string {
	if i := strings.LastIndexAny(p, ".:]"); i >= 0 {
		return p[i+1:]
	}
	return p
}

func checkManagerShape(r *gradeRequest) []string {
	bad := func(v any) bool {
		switch v.(type) {
		case string, []any:
			return true
		}
		return false
	}
	var out []string
	if r.method == "PATCH" {
		for _, o := range r.ops {
			if strings.EqualFold(lastName(o.path), "manager") && o.hasValue && bad(o.value) {
				out = append(out, fmt.Sprintf("%s %s with a %s value", o.op, o.path, jsonKindOf(o.value)))
			}
		}
		return out
	}
	if !r.writesResource() {
		return nil
	}
	for _, m := range []map[string]any{r.body, asObject(r.body[enterpriseURN])} {
		if v, ok := member(m, "manager"); ok && bad(v) {
			out = append(out, fmt.Sprintf("manager is a %s", jsonKindOf(v)))
		}
	}
	return out
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case bool:
		return "boolean"
	case float64:
		return "number"
	}
	return "null"
}

func checkPatchSchemas(r *gradeRequest) []string {
	if r.method != "PATCH" || r.body == nil {
		return nil
	}
	urns, _ := schemaURNs(r.body)
	if !slices.Contains(urns, patchURN) {
		return []string{fmt.Sprintf("schemas %q lacks %s", urns, patchURN)}
	}
	return nil
}

func checkOpCase(r *gradeRequest) []string {
	var out []string
	for _, o := range r.ops {
		switch o.op {
		case "add", "remove", "replace":
		default:
			out = append(out, fmt.Sprintf("op %q", o.op))
		}
	}
	return out
}

func checkRemoveValue(r *gradeRequest) []string {
	var out []string
	for _, o := range r.ops {
		if strings.EqualFold(o.op, "remove") && o.hasValue && o.value != nil && o.hasPath && !strings.Contains(o.path, "[") {
			out = append(out, fmt.Sprintf("remove %s with a value and no filter", o.path))
		}
	}
	return out
}

// pathKey reports whether a path-less value's member name is a path
// rather than an attribute name or a schema URN.
func pathKey(k string) bool {
	if strings.HasPrefix(strings.ToLower(k), "urn:") {
		return !versionedURN.MatchString(k)
	}
	return strings.Contains(k, ".")
}

// versionedURN matches a schema URN such as urn:…:2.0:User.
var versionedURN = regexp.MustCompile(`(?i)^urn:[a-z0-9.:-]*:\d+(\.\d+)*:[A-Za-z][A-Za-z0-9]*$`)

func checkPathlessKeys(r *gradeRequest) []string {
	var out []string
	for _, o := range r.ops {
		m, ok := o.value.(map[string]any)
		if o.hasPath || !ok {
			continue
		}
		for k := range m {
			if pathKey(k) {
				out = append(out, fmt.Sprintf("%s without path has the member %q", o.op, k))
			}
		}
	}
	slices.Sort(out)
	return out
}

// dottedURN matches a path whose schema URN is followed by '.'.
var dottedURN = regexp.MustCompile(`(?i)^urn:[a-z0-9.:-]*:\d+\.\d+:[A-Za-z][A-Za-z0-9]*\.`)

func checkPathSyntax(r *gradeRequest) []string {
	var out []string
	for _, o := range r.ops {
		if o.hasPath && dottedURN.MatchString(strings.TrimSpace(o.path)) {
			out = append(out, fmt.Sprintf("path %q", o.path))
		}
	}
	return out
}

// unquotedValue matches a comparison whose value is a bare word.
var unquotedValue = regexp.MustCompile(`(?i)\s(eq|ne|co|sw|ew|gt|ge|lt|le)\s+([^"\s()\[\]]+)`)

func checkUnquoted(r *gradeRequest) []string {
	var out []string
	for _, m := range unquotedValue.FindAllStringSubmatch(r.filter(), -1) {
		v := strings.ToLower(m[2])
		if v == "true" || v == "false" || v == "null" || numeric.MatchString(v) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s", m[1], m[2]))
	}
	return out
}

var numeric = regexp.MustCompile(`^-?\d+(\.\d+)?([eE][+-]?\d+)?$`)

// operatorsOf returns the comparison operators f uses, as written.
func operatorsOf(f string) []string {
	e, err := filter.Parse(f)
	if err != nil {
		return nil
	}
	var out []string
	filter.Walk(e, func(x filter.Expr) bool {
		if c, ok := x.(*filter.Compare); ok && !slices.Contains(out, string(c.Op)) {
			out = append(out, string(c.Op))
		}
		return true
	})
	return out
}

func checkFilterSyntax(r *gradeRequest) []string {
	f := r.filter()
	if f == "" {
		return nil
	}
	if _, err := filter.Parse(f); err != nil {
		return []string{errDetail(err)}
	}
	return nil
}

func errDetail(err error) string {
	var se *schema.Error
	if errors.As(err, &se) {
		return se.Detail
	}
	return err.Error()
}

func checkFilterAttributes(r *gradeRequest) []string {
	f := r.filter()
	if f == "" || r.rt == nil {
		return nil
	}
	e, err := filter.Parse(f)
	if err != nil {
		return nil // filter.syntax
	}
	if _, err := filter.Bind(r.rt, e); err != nil {
		return []string{errDetail(err)}
	}
	return nil
}
