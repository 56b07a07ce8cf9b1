package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/conformance"
)

// TestRecord serves on SQLite with -log-reads, sends a probe, a creation
// and a deletion, and records them with the record subcommand.
func TestRecord(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scimkit.db")
	addr, _ := startServer(t, []string{"-store", db, "-log-reads", "true"}, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
	base := "http://" + addr + basePath
	do(t, "GET", base+`/Users?filter=userName%20eq%20%22bjensen%22`, "s3cret", "")
	_, body := do(t, "POST", base+"/Users", "s3cret", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","password":"t1meMa$heen"}`)
	var u struct{ ID string }
	json.Unmarshal([]byte(body), &u)
	do(t, "DELETE", base+"/Users/"+u.ID, "s3cret", "")

	file := filepath.Join(t.TempDir(), "rec.json")
	noEnv := func(string) string { return "" }
	if err := run(t.Context(), []string{"record", "-store", db, "-since", "1h", "-o", file}, noEnv, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := conformance.ParseReplayFile(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range f.Steps {
		got = append(got, s.Request.Method+" "+s.Request.Path)
	}
	want := `GET /Users?filter=userName%20eq%20%22bjensen%22 POST /Users DELETE /Users/{{user1.id}}`
	if strings.Join(got, " ") != want || bytes.Contains(data, []byte("t1meMa")) {
		t.Errorf("recorded %q, want %q (and no password)\n%s", got, want, data)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"record", "-store", "memory"}, "memory store"},
		{[]string{"record", "-store", filepath.Join(t.TempDir(), "none.db")}, "none.db"},
		{[]string{"record", "-store", db, "-since", "yesterday"}, "-since"},
		{[]string{"record", "-store", db, "extra"}, "unexpected argument"},
	} {
		err := run(t.Context(), tc.args, noEnv, &bytes.Buffer{}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
}
