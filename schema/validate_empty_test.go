package schema_test

import (
	"errors"
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// A required string attribute (or required sub-attribute) set to "" is as
// good as missing: a User with userName "" or a Group with displayName ""
// identifies nothing (RFC 7643 §4.1.1 "userName ... REQUIRED", §7
// "required"). Every mode refuses it with invalidValue; an optional
// attribute may still be "".
func TestValidateRequiredNotEmpty(t *testing.T) {
	users, groups, dev := schema.UserResourceType(), schema.GroupResourceType(), deviceType(t)
	user := func(name string) *schema.Resource {
		return &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name, "nickName": ""}}
	}
	prior := user("bjensen")
	tests := []struct {
		name    string
		rt      *schema.ResourceType
		mode    schema.Mode
		prior   *schema.Resource
		next    *schema.Resource
		wantErr bool
	}{
		{"create userName empty", users, schema.ModeCreate, nil, user(""), true},
		{"replace userName empty", users, schema.ModeReplace, prior, user(""), true},
		{"patch userName empty", users, schema.ModePatch, prior, user(""), true},
		{"create userName blank is a value", users, schema.ModeCreate, nil, user(" "), false},
		{"optional empty nickName", users, schema.ModeCreate, nil, user("b"), false},
		{"group displayName empty", groups, schema.ModeCreate, nil,
			&schema.Resource{Schemas: []string{schema.GroupSchema}, Attrs: map[string]any{"displayName": ""}}, true},
		{"required sub-attribute empty", dev, schema.ModeCreate, nil,
			device(map[string]any{"serial": "S", "ports": []any{map[string]any{"value": ""}}}), true},
		{"required extension attribute empty", dev, schema.ModeCreate, nil,
			device(map[string]any{"serial": "S", assetURN: map[string]any{"tag": ""}}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.rt.Validate(tt.mode, tt.prior, tt.next, schema.DecodeOptions{})
			if tt.wantErr && !errors.Is(err, schema.ErrInvalidValue) {
				t.Errorf("err = %v, want invalidValue", err)
			}
			if !tt.wantErr && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
		})
	}
}
