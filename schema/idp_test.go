package schema_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/schema"
)

// TestDecodeIdPBodies runs every POST and PUT body of the recorded Okta and
// Entra traffic (internal/idptest/testdata) through Decode and Validate
// with CoerceStrings, as the IdP dialects use: none may be rejected.
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
			endpoint := "/" + strings.Split(strings.TrimPrefix(req.Path, "/"), "/")[0]
			rt := types[endpoint]
			if rt == nil {
				continue
			}
			n++
			t.Run(filepath.Base(filepath.Dir(f))+"/"+s.Name, func(t *testing.T) {
				r, err := rt.Decode(req.Body, schema.DecodeOptions{CoerceStrings: true})
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
