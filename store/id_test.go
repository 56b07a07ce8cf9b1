package store_test

import (
	"regexp"
	"testing"

	"github.com/scimkit/scimkit/store"
)

// uuidV4 is the canonical lowercase form of an RFC 9562 version 4 UUID.
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := store.NewID()
		if !uuidV4.MatchString(id) {
			t.Fatalf("NewID() = %q, not a canonical version 4 UUID (RFC 9562 §5.4)", id)
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
	}
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = store.NewID()
	}
}
