package conformance

import (
	"encoding/json"
	"testing"
)

// FuzzGradeReplay: GradeReplay never panics on any request path and body,
// and grades every step.
func FuzzGradeReplay(f *testing.F) {
	for _, rf := range ShippedReplays() {
		for _, st := range rf.Steps {
			f.Add(st.Request.Method, st.Request.Path, string(st.Request.Body))
		}
	}
	f.Add("PATCH", "//Users/1?filter=a%zz", `{"Operations":[{"op":7,"path":["x"],"value":{"urn:x:1.0:Y.z":null}}]}`)
	f.Add("GET", "/Groups?startIndex=-1&filter=members[value eq", "")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		st := ReplayStep{Name: "s", Request: ReplayRequest{Method: method, Path: path}, Expect: ReplayExpect{Status: 200}}
		if json.Valid([]byte(body)) {
			st.Request.Body = json.RawMessage(body)
		}
		g := GradeReplay(&ReplayFile{Steps: []ReplayStep{st}})
		if len(g.Steps) != 1 {
			t.Fatalf("%d graded steps", len(g.Steps))
		}
	})
}
