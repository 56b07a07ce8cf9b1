package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// TestDecodeIdPBodies runs every POST and PUT body of the recorded IdP
// traffic (internal/idptest/testdata) through Decode and Validate with
// CoerceStrings and SCIM11CoreURN, as the IdP dialects use: none may be
// rejected.
func TestDecodeIdPBodies(t *testing.T) {
	files, _ := filepath.Glob("../internal/idptest/testdata/*/*.json")
	if len(files) == 0 {
		t.Skip("no IdP fixtures in internal/idptest/testdata")
	}
	types := map[string]*schema.ResourceType{"/Users": schema.UserResourceType(), "/Groups": schema.GroupResourceType()}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Steps []struct {
				Name    string `json:"name"`
				Request struct {
					Method string          `json:"method"`
					Path   string          `json:"path"`
					Body   json.RawMessage `json:"body"`
				} `json:"request"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range doc.Steps {
			req := s.Request
			if req.Method != "POST" && req.Method != "PUT" || len(req.Body) == 0 {
				continue
			}
			endpoint := "/" + strings.Split(strings.TrimLeft(req.Path, "/"), "/")[0]
			rt := types[endpoint]
			if rt == nil {
				continue
			}
			n++
			t.Run(filepath.Base(filepath.Dir(f))+"/"+s.Name, func(t *testing.T) {
				r, err := rt.Decode(req.Body, schema.DecodeOptions{CoerceStrings: true, SCIM11CoreURN: true})
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if _, err := rt.Validate(schema.ModeCreate, nil, r, schema.DecodeOptions{}); err != nil {
					t.Fatalf("Validate: %v", err)
				}
			})
		}
	}
	if n == 0 {
		t.Error("no POST/PUT bodies found")
	}
}

// TestDecodeSCIM11CoreURN: the SCIM 1.1 core URN is the core schema only
// with DecodeOptions.SCIM11CoreURN, for Users and Groups, and is stored as
// the SCIM 2.0 URN.
func TestDecodeSCIM11CoreURN(t *testing.T) {
	body := []byte(`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"u","displayName":"g"}`)
	for _, rt := range []*schema.ResourceType{schema.UserResourceType(), schema.GroupResourceType()} {
		if _, err := rt.Decode(body, schema.DecodeOptions{}); err == nil {
			t.Errorf("%s: the SCIM 1.1 URN was accepted without SCIM11CoreURN", rt.Name)
		}
		r, err := rt.Decode(body, schema.DecodeOptions{SCIM11CoreURN: true})
		if err != nil {
			t.Fatalf("%s: %v", rt.Name, err)
		}
		if len(r.Schemas) != 1 || r.Schemas[0] != rt.Schema.ID {
			t.Errorf("%s: schemas %v, want [%s]", rt.Name, r.Schemas, rt.Schema.ID)
		}
	}
}
