package idptest

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed testdata
var files embed.FS

// FS returns the fixture files: testdata/QUIRKS.md and
// testdata/IDP/*.json, one directory per IdP.
func FS() fs.FS {
	sub, err := fs.Sub(files, "testdata")
	if err != nil {
		panic(err) // the directory is embedded; cannot happen
	}
	return sub
}

// Sequence is one fixture file: an IdP's requests in the order it sends
// them, with the documented answers.
type Sequence struct {
	// Name is the file's path under testdata, e.g. "okta/users.json".
	Name string `json:"-"`
	// IdP names the IdP whose behaviour the file records, e.g. "okta" or "entra".
	IdP string `json:"idp"`
	// Dialect is the server dialect the requests are to be read in.
	Dialect string `json:"dialect"`
	// Source is the public document the file was written from.
	Source string `json:"source"`
	// Steps are the requests, in the order the IdP sends them.
	Steps []Step `json:"steps"`
}

// Step is one request of a Sequence and its expected answer. Request paths
// and bodies may hold {{name}} placeholders for ids captured earlier.
type Step struct {
	// Name identifies the step in test output.
	Name string `json:"name"`
	// Source cites the document section the step comes from.
	Source string `json:"source,omitempty"`
	// Note is a free-form remark, e.g. why an expectation is derived.
	Note string `json:"note,omitempty"`
	// Dialect is the dialect of this step, when it differs from the Sequence's.
	Dialect string `json:"dialect,omitempty"`
	// Request is the request the IdP sends.
	Request Request `json:"request"`
	// Expect is the documented answer.
	Expect Expect `json:"expect"`
	// Capture maps a placeholder name to the top-level response member holding its value, e.g. "id".
	Capture map[string]string `json:"capture,omitempty"`
}

// Request is an HTTP request relative to the SCIM base URL.
type Request struct {
	// Method is the HTTP method, e.g. "POST".
	Method string `json:"method"`
	// Path is the path and query relative to the base URL; it may hold placeholders.
	Path string `json:"path"`
	// Headers are extra request headers; values may hold placeholders.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the JSON request body; it may hold placeholders.
	Body json.RawMessage `json:"body,omitempty"`
}

// Expect is the documented answer: a status and a body to match as a
// subset (see QUIRKS.md, "How to read the fixtures").
type Expect struct {
	// Status is the expected HTTP status code.
	Status int `json:"status"`
	// Body is the expected body, matched as a subset; empty skips the comparison.
	Body json.RawMessage `json:"body,omitempty"`
}

// Names returns the paths of every fixture sequence, sorted.
func Names() []string {
	var out []string
	_ = fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".json" {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Load decodes the fixture sequence name (e.g. "entra/groups.json").
func Load(name string) (*Sequence, error) {
	data, err := fs.ReadFile(FS(), name)
	if err != nil {
		return nil, fmt.Errorf("idptest: %w", err)
	}
	var s Sequence
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("idptest: %s: %w", name, err)
	}
	s.Name = name
	return &s, nil
}
