package schema

import (
	"math"
	"testing"
	"time"
)

// FuzzAppendDateTime: the hand-written meta dateTime formatter writes what
// time.AppendFormat writes with the layout, in every zone and precision.
func FuzzAppendDateTime(f *testing.F) {
	for _, s := range []int64{0, -1, 1, 999_999_999, 1_700_000_000_123_456_789, -62135596800_000_000_0, 253402300799_999_999_9, math.MaxInt64, math.MinInt64} {
		f.Add(s, int32(0))
		f.Add(s, int32(-5*3600-30*60))
	}
	f.Fuzz(func(t *testing.T, nanos int64, offset int32) {
		tm := time.Unix(0, nanos).In(time.FixedZone("z", int(offset%(24*3600))))
		if got, want := string(appendDateTime([]byte("x"), tm)), "x"+tm.UTC().Format(dateTimeLayout); got != want {
			t.Fatalf("appendDateTime(%v) = %q, want %q", tm, got, want)
		}
	})
}

// TestAppendDateTimeYears covers years outside 0000–9999 and the edges.
func TestAppendDateTimeYears(t *testing.T) {
	for _, y := range []int{-10000, -1, 0, 1, 999, 1000, 1969, 1970, 9999, 10000, 292277026} {
		tm := time.Date(y, 12, 31, 23, 59, 59, 999_999_999, time.UTC)
		if got, want := string(appendDateTime(nil, tm)), tm.Format(dateTimeLayout); got != want {
			t.Errorf("year %d: %q, want %q", y, got, want)
		}
	}
}
