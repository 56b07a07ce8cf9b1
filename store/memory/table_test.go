package memory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMultiIndex(t *testing.T) {
	r := []*record{{seq: 0}, {seq: 1}, {seq: 2}}
	seqs := func(rs []*record) []uint64 {
		var out []uint64
		for _, x := range rs {
			out = append(out, x.seq)
		}
		return out
	}
	tests := []struct {
		name   string
		add    []int
		remove []int
		want   []uint64
	}{
		{name: "none"},
		{name: "one", add: []int{0}, want: []uint64{0}},
		{name: "three", add: []int{0, 1, 2}, want: []uint64{0, 1, 2}},
		{name: "remove first", add: []int{0, 1, 2}, remove: []int{0}, want: []uint64{1, 2}},
		{name: "remove middle", add: []int{0, 1, 2}, remove: []int{1}, want: []uint64{0, 2}},
		{name: "remove all", add: []int{0, 1, 2}, remove: []int{2, 0, 1}},
		{name: "remove absent", add: []int{0}, remove: []int{1}, want: []uint64{0}},
		{name: "re-add", add: []int{0, 1}, remove: []int{0, 1, 0}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m multiIndex
			for _, i := range tc.add {
				m.add("k", r[i])
			}
			for _, i := range tc.remove {
				m.remove("k", r[i])
			}
			if diff := cmp.Diff(tc.want, seqs(m.get("k"))); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
			if got := m.get("other"); got != nil {
				t.Errorf("get(other) = %v, want nil", got)
			}
			if len(tc.want) == 0 && (len(m.one) != 0 || len(m.more) != 0) {
				t.Errorf("empty index keeps %d + %d keys", len(m.one), len(m.more))
			}
		})
	}
}
