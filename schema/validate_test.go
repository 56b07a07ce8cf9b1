package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scimkit/schema"
)

// deviceType is a resource type exercising every mutability, a required
// sub-attribute, a single-valued complex with immutable and readOnly
// sub-attributes, and a required extension.
func deviceType(t testing.TB) *schema.ResourceType {
	t.Helper()
	core := schema.MustSchema(&schema.Schema{ID: "urn:test:Device", Name: "Device", Attributes: []*schema.Attribute{
		{Name: "serial", Mutability: schema.Immutable, Required: true},
		{Name: "label"},
		{Name: "status", Mutability: schema.ReadOnly},
		{Name: "secret", Mutability: schema.WriteOnly, Returned: schema.ReturnedNever},
		{Name: "owner", Type: schema.Complex, SubAttributes: []*schema.Attribute{
			{Name: "value", Mutability: schema.Immutable},
			{Name: "display", Mutability: schema.ReadOnly},
			{Name: "note"},
		}},
		{Name: "ports", Type: schema.Complex, MultiValued: true, SubAttributes: []*schema.Attribute{
			{Name: "value", Required: true},
			{Name: "primary", Type: schema.Boolean},
			{Name: "kind", CanonicalValues: []string{"usb", "hdmi"}},
			{Name: "seen", Mutability: schema.ReadOnly},
		}},
	}})
	ext := schema.MustSchema(&schema.Schema{ID: "urn:test:Asset", Name: "Asset", Attributes: []*schema.Attribute{
		{Name: "tag", Required: true},
	}})
	return schema.MustResourceType(&schema.ResourceType{Name: "Device", Endpoint: "/Devices", Schema: core,
		Extensions: []schema.Extension{{Schema: ext, Required: true}}})
}

const assetURN = "urn:test:Asset"

func device(attrs map[string]any) *schema.Resource {
	if _, ok := attrs[assetURN]; !ok {
		attrs[assetURN] = map[string]any{"tag": "T1"}
	}
	return &schema.Resource{Schemas: []string{"urn:test:Device", assetURN}, Attrs: attrs}
}

func TestValidate(t *testing.T) {
	rt := deviceType(t)
	prior := device(map[string]any{"serial": "S1", "label": "L", "status": "up", "secret": "pw",
		"owner": map[string]any{"value": "u1", "display": "User One", "note": "n"}})
	tests := []struct {
		name  string
		mode  schema.Mode
		prior *schema.Resource
		next  *schema.Resource
		opts  schema.DecodeOptions
		want  *schema.Resource
		err   error
	}{{
		name: "create drops readOnly",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S1", "status": "hacked", "owner": map[string]any{"value": "u", "display": "x"},
			"ports": []any{map[string]any{"value": "p1", "seen": "x"}}}),
		want: device(map[string]any{"serial": "S1", "owner": map[string]any{"value": "u"}, "ports": []any{map[string]any{"value": "p1"}}}),
	}, {
		name: "create missing required",
		mode: schema.ModeCreate,
		next: device(map[string]any{"label": "L"}),
		err:  schema.ErrInvalidValue,
	}, {
		name: "create missing required sub-attribute",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S", "ports": []any{map[string]any{"kind": "usb"}}}),
		err:  schema.ErrInvalidValue,
	}, {
		name: "create missing required extension",
		mode: schema.ModeCreate,
		next: &schema.Resource{Schemas: []string{"urn:test:Device"}, Attrs: map[string]any{"serial": "S"}},
		err:  schema.ErrInvalidValue,
	}, {
		name: "create two primaries",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S", "ports": []any{
			map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": true}}}),
		err: schema.ErrInvalidValue,
	}, {
		name: "create one primary and a false one",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S", "ports": []any{
			map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": false}}}),
		want: device(map[string]any{"serial": "S", "ports": []any{
			map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": false}}}),
	}, {
		name: "canonical lenient rewrites spelling",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a", "kind": "USB"}, map[string]any{"value": "b", "kind": "vga"}}}),
		want: device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a", "kind": "usb"}, map[string]any{"value": "b", "kind": "vga"}}}),
	}, {
		name: "canonical strict",
		mode: schema.ModeCreate,
		next: device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "b", "kind": "vga"}}}),
		opts: schema.DecodeOptions{Canonical: schema.CanonicalStrict},
		err:  schema.ErrInvalidValue,
	}, {
		name:  "replace keeps readOnly, writeOnly and omitted immutable; clears the rest",
		mode:  schema.ModeReplace,
		prior: prior,
		next:  device(map[string]any{"status": "down", "owner": map[string]any{"note": "m"}}),
		want: device(map[string]any{"serial": "S1", "status": "up", "secret": "pw",
			"owner": map[string]any{"value": "u1", "display": "User One", "note": "m"}}),
	}, {
		name:  "replace changes writeOnly",
		mode:  schema.ModeReplace,
		prior: prior,
		next:  device(map[string]any{"serial": "S1", "secret": "new"}),
		want:  device(map[string]any{"serial": "S1", "status": "up", "secret": "new"}),
	}, {
		name:  "replace immutable with same value, other case",
		mode:  schema.ModeReplace,
		prior: prior,
		next:  device(map[string]any{"serial": "s1"}),
		want:  device(map[string]any{"serial": "s1", "status": "up", "secret": "pw"}),
	}, {
		name:  "replace immutable with a different value",
		mode:  schema.ModeReplace,
		prior: prior,
		next:  device(map[string]any{"serial": "S2"}),
		err:   schema.ErrMutability,
	}, {
		name:  "replace immutable sub-attribute",
		mode:  schema.ModeReplace,
		prior: prior,
		next:  device(map[string]any{"serial": "S1", "owner": map[string]any{"value": "u2"}}),
		err:   schema.ErrMutability,
	}, {
		name:  "replace sets immutable that had no value",
		mode:  schema.ModeReplace,
		prior: device(map[string]any{"label": "x"}),
		next:  device(map[string]any{"serial": "S9"}),
		want:  device(map[string]any{"serial": "S9"}),
	}, {
		name:  "patch removes immutable",
		mode:  schema.ModePatch,
		prior: prior,
		next:  device(map[string]any{"status": "up", "secret": "pw", "owner": map[string]any{"value": "u1", "display": "User One"}}),
		err:   schema.ErrMutability,
	}, {
		name:  "patch changes readOnly",
		mode:  schema.ModePatch,
		prior: prior,
		next:  device(map[string]any{"serial": "S1", "status": "down"}),
		err:   schema.ErrMutability,
	}, {
		name:  "patch keeps readOnly sub-attribute",
		mode:  schema.ModePatch,
		prior: prior,
		next:  device(map[string]any{"serial": "S1", "status": "up", "owner": map[string]any{"value": "u1", "note": "z"}}),
		want:  device(map[string]any{"serial": "S1", "status": "up", "owner": map[string]any{"value": "u1", "display": "User One", "note": "z"}}),
	}, {
		name:  "patch removes required",
		mode:  schema.ModePatch,
		prior: device(map[string]any{"label": "x"}),
		next:  device(map[string]any{}),
		err:   schema.ErrInvalidValue,
	}, {
		name:  "patch removes required extension attribute",
		mode:  schema.ModePatch,
		prior: prior,
		next:  device(map[string]any{"serial": "S1", "status": "up", assetURN: map[string]any{}}),
		err:   schema.ErrInvalidValue,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, priorBefore := tt.next.Clone(), tt.prior.Clone()
			got, err := rt.Validate(tt.mode, tt.prior, tt.next, tt.opts)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("Validate error = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.next); diff != "" {
				t.Errorf("Validate modified next (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(priorBefore, tt.prior); diff != "" {
				t.Errorf("Validate modified prior (-before +after):\n%s", diff)
			}
		})
	}
}

// TestValidateUser checks the built-in User type: groups is readOnly,
// password is writeOnly, userName is required (RFC 7643 §4.1).
func TestValidateUser(t *testing.T) {
	rt := schema.UserResourceType()
	next, err := rt.Decode(fixture(t, "rfc7643-8.2.json"), schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := rt.Validate(schema.ModeCreate, nil, next, schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Attrs["groups"]; ok {
		t.Error("readOnly groups kept on create")
	}
	if got.Attrs["password"] != "t1meMa$heen" {
		t.Error("writeOnly password not stored")
	}
	delete(next.Attrs, "userName")
	if _, err := rt.Validate(schema.ModeCreate, nil, next, schema.DecodeOptions{}); !errors.Is(err, schema.ErrInvalidValue) {
		t.Errorf("missing userName: error = %v, want invalidValue", err)
	}
}

// TestValidateErrorPaths: error details name the value at fault, element
// index and sub-attribute included, although Validate formats paths only
// when it fails.
func TestValidateErrorPaths(t *testing.T) {
	rt := deviceType(t)
	tests := []struct {
		name string
		next *schema.Resource
		opts schema.DecodeOptions
		want string
	}{
		{"required sub-attribute of an element",
			device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a"}, map[string]any{"kind": "usb"}}}),
			schema.DecodeOptions{}, `"ports[1]"`},
		{"canonical value of an element",
			device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a", "kind": "vga"}}}),
			schema.DecodeOptions{Canonical: schema.CanonicalStrict}, `"ports[0].kind"`},
		{"type of a sub-attribute",
			device(map[string]any{"serial": "S", "owner": map[string]any{"value": 1}}),
			schema.DecodeOptions{}, `"owner.value"`},
		{"two primaries",
			device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": true}}}),
			schema.DecodeOptions{}, `"ports"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.Validate(schema.ModeCreate, nil, tt.next, tt.opts)
			var se *schema.Error
			if !errors.As(err, &se) || !errors.Is(err, schema.ErrInvalidValue) {
				t.Fatalf("error = %v, want invalidValue", err)
			}
			if !strings.Contains(se.Detail, tt.want) {
				t.Errorf("detail %q does not name %s", se.Detail, tt.want)
			}
		})
	}
}

// TestValidateResultIsSeparate: the result has its own top-level and
// extension maps, so setting attributes on it leaves next alone, and a
// value Validate rewrites (a canonical spelling) is a copy.
func TestValidateResultIsSeparate(t *testing.T) {
	rt := deviceType(t)
	next := device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": "a", "kind": "USB"}}, assetURN: map[string]any{"tag": "T"}})
	before := next.Clone()
	got, err := rt.Validate(schema.ModeCreate, nil, next, schema.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got.Attrs["label"] = "x"
	got.Attrs[assetURN].(map[string]any)["tag"] = "U"
	got.Attrs["ports"].([]any)[0].(map[string]any)["value"] = "b"
	if diff := cmp.Diff(before, next); diff != "" {
		t.Errorf("changing the result changed next (-before +after):\n%s", diff)
	}
}
