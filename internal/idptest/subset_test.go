package idptest

import (
	"encoding/json"
	"testing"
)

func TestSubset(t *testing.T) {
	tests := []struct {
		name, want, got string
		ignore          map[string]string
		diffs           int
	}{
		{"extra members ok", `{"a":1}`, `{"a":1,"b":2}`, nil, 0},
		{"missing member", `{"a":1}`, `{}`, nil, 1},
		{"unassigned", `{"a":null,"b":"","c":[]}`, `{"c":[]}`, nil, 0},
		{"unassigned but set", `{"a":null}`, `{"a":"x"}`, nil, 1},
		{"meta times ignored", `{"meta":{"created":"x","lastModified":"y"}}`, `{"meta":{}}`, nil, 0},
		{"detail any text", `{"detail":"x"}`, `{"detail":"y"}`, nil, 0},
		{"detail empty", `{"detail":"x"}`, `{}`, nil, 1},
		{"array any order", `{"e":[1,2]}`, `{"e":[2,3,1]}`, nil, 0},
		{"members exact", `{"members":[1]}`, `{"members":[1,2]}`, nil, 1},
		{"ignored path", `{"itemsPerPage":20}`, `{"itemsPerPage":0}`, map[string]string{"itemsPerPage": "why"}, 0},
		{"scalar differs", `{"n":1}`, `{"n":"1"}`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want, got any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.got), &got); err != nil {
				t.Fatal(err)
			}
			if d := Subset(want, got, tt.ignore); len(d) != tt.diffs {
				t.Errorf("Subset = %q, want %d differences", d, tt.diffs)
			}
		})
	}
}
