package memory

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/store"
)

var codecEvents = []store.Event{
	{},
	{ID: "0b6f3b8e-5c1a-4d2e-9f3a-7c1d2e3f4a5b", Type: store.UserCreated, Tenant: "acme", ResourceType: "User",
		ResourceID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", ExternalID: "00u1a2b3c4d5e6f7g8h9", Version: 1,
		Time: time.Date(2026, 11, 27, 2, 30, 0, 123456000, time.UTC), Actor: "token-1", RequestID: "8f14e45fceea167a5a36dedd"},
	{ID: "0B6F3B8E-5C1A-4D2E-9F3A-7C1D2E3F4A5B", Type: "custom.type", ResourceID: "abc", ExternalID: "ABCD",
		RequestID: "abc", Version: -5, Time: time.Unix(-1, 0).UTC(), Paths: []string{"name.givenName", "urn:x:y:z"},
		Members: []string{}, GroupsAdded: []string{"", "g-1"}, GroupsRemoved: []string{"9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"},
		DisplayName: "Admins ✓", OldDisplayName: "admins"},
	{ID: "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d-", ExternalID: "00", RequestID: "0a", Actor: strings.Repeat("x", 300)},
}

// TestEventCodec: every event decodes to itself, ids and lists (nil or
// empty) included, whatever form its strings take.
func TestEventCodec(t *testing.T) {
	var ns names
	for i, e := range codecEvents {
		d := eventDecoder{ns: &ns, buf: ns.appendEvent(nil, &e)}
		got, err := d.event()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("event %d (-want +got):\n%s", i, diff)
		}
	}
}

// TestEventLog checks Seq lookup, dropping and chunking, gaps in Seq
// included.
func TestEventLog(t *testing.T) {
	var l eventLog
	var seqs []int64
	payload := strings.Repeat("p", 3000) // a few events per chunk
	for seq := int64(1); seq <= 40; seq++ {
		if seq == 20 {
			seq = 25 // a gap
		}
		l.push(&store.Event{Seq: seq, DisplayName: payload})
		seqs = append(seqs, seq)
	}
	check := func(name string) {
		t.Helper()
		for _, after := range []int64{-1, 0, 1, 5, 18, 19, 20, 24, 25, 39, 40, 41} {
			var want []int64
			for _, s := range seqs {
				if s > after {
					want = append(want, s)
				}
			}
			evs, err := l.read(after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range evs {
				got = append(got, e.Seq)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: read(%d) (-want +got):\n%s", name, after, diff)
			}
			if n := l.upTo(after); n != len(seqs)-len(want) {
				t.Errorf("%s: upTo(%d) = %d, want %d", name, after, n, len(seqs)-len(want))
			}
		}
		if l.len() != len(seqs) {
			t.Errorf("%s: len = %d, want %d", name, l.len(), len(seqs))
		}
	}
	check("full")
	if evs, _ := l.read(0, 2); len(evs) != 2 || evs[0].DisplayName != payload {
		t.Errorf("read(0, 2) = %d events, want 2 with their payload", len(evs))
	}
	for _, k := range []int{1, 4, 13, 20, 5} {
		l.drop(k)
		seqs = seqs[min(k, len(seqs)):]
		check("after drop")
	}
	l.push(&store.Event{Seq: 50})
	seqs = append(seqs, 50)
	check("push after emptied")
}

func FuzzEventCodec(f *testing.F) {
	for _, e := range codecEvents {
		f.Add(e.ID, e.ExternalID, e.RequestID, e.DisplayName, e.Version)
	}
	f.Fuzz(func(t *testing.T, id, ext, req, name string, version int64) {
		var ns names
		e := store.Event{ID: id, Type: store.EventType(name), ExternalID: ext, RequestID: req, Version: version,
			Time: time.UnixMicro(version).UTC(), Members: []string{id, ext, req}, Paths: []string{name}, DisplayName: name}
		d := eventDecoder{ns: &ns, buf: ns.appendEvent(nil, &e)}
		got, err := d.event()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
