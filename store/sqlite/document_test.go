package sqlite

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parseTimeCases are stored instants and near misses: parseTime must read
// each as time.Parse does (the zero time for what it rejects).
var parseTimeCases = []string{
	"2026-12-07T15:04:05.123456789Z",
	"0001-01-01T00:00:00.000000000Z",
	"9999-12-31T23:59:59.999999999Z",
	"2024-02-29T12:00:00.000000000Z", // leap day
	"2023-02-29T12:00:00.000000000Z", // no such day
	"2026-04-31T12:00:00.000000000Z",
	"2026-13-01T12:00:00.000000000Z",
	"2026-00-01T12:00:00.000000000Z",
	"2026-01-00T12:00:00.000000000Z",
	"2026-01-01T24:00:00.000000000Z",
	"2026-01-01T23:60:00.000000000Z",
	"2026-01-01T23:59:60.000000000Z",
	"2026-01-01T23:59:59.00000000Z",
	"2026-01-01T23:59:59.0000000000",
	"2026-01-01 23:59:59.000000000Z",
	"2026-01-01T23:59:59.00000000aZ",
	"2026-01-01T23:59:59.000000000+",
	"+026-01-01T23:59:59.000000000Z",
	"",
}

func TestParseTime(t *testing.T) {
	for _, s := range parseTimeCases {
		want, _ := time.Parse(timeLayout, s)
		if got := parseTime(s); got != want {
			t.Errorf("parseTime(%q) = %v, want %v", s, got, want)
		}
	}
	now := time.Now()
	if got, want := parseTime(formatTime(now)), now.UTC().Round(0); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("parseTime(formatTime(%v)) = %v", want, got)
	}
}

// FuzzParseTime checks parseTime against time.Parse.
func FuzzParseTime(f *testing.F) {
	for _, s := range parseTimeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := time.Parse(timeLayout, s)
		if got := parseTime(s); got != want {
			t.Errorf("parseTime(%q) = %v, want %v", s, got, want)
		}
	})
}

// TestDecodeSchemas checks that memoised schemas lists decode as
// json.Unmarshal does and that callers own what they get.
func TestDecodeSchemas(t *testing.T) {
	for _, s := range []string{`["urn:ietf:params:scim:schemas:core:2.0:User"]`, `[]`, `null`, `["a","b\u00e9"]`} {
		var want []string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		for range 2 { // decoded, then memoised
			got, err := decodeSchemas(s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decodeSchemas(%s) (-want +got):\n%s", s, diff)
			}
			if len(got) > 0 {
				got[0] = "changed by the caller"
			}
		}
	}
	if _, err := decodeSchemas(`["a",`); err == nil {
		t.Error("decodeSchemas of broken JSON: no error")
	}
}
