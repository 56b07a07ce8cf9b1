package sqlite

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// timeLayout is the fixed-width UTC form of stored instants (the shared
// backend.TimeLayout): text order is chronological order.
const timeLayout = backend.TimeLayout

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime parses a stored instant (timeLayout); the zero time if s is
// not one. Rows are read by the hundred per page: the fixed layout is
// read digit by digit, and anything else goes to time.Parse.
func parseTime(s string) time.Time {
	if t, ok := parseFixedTime(s); ok {
		return t
	}
	t, _ := time.Parse(timeLayout, s)
	return t
}

// parseFixedTime parses "2006-01-02T15:04:05.000000000Z" with every field
// in range, or reports false.
func parseFixedTime(s string) (time.Time, bool) {
	if len(s) != len(timeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		n := 0
		for _, c := range []byte(s[i:j]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec, ns := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 29)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ns < 0 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d { // past the month's end: time.Parse's error
		return time.Time{}, false
	}
	return t, true
}

// schemaLists memoises decodeSchemas: stored schemas lists are the few
// combinations of a deployment's schema URNs. At most maxSchemaLists are
// kept.
var (
	schemaLists     sync.Map // JSON text → []string
	schemaListsSize atomic.Int32
)

const maxSchemaLists = 256

// decodeSchemas decodes a stored schemas list (a JSON array of strings)
// into a slice of the caller's own.
func decodeSchemas(s string) ([]string, error) {
	if v, ok := schemaLists.Load(s); ok {
		return slices.Clone(v.([]string)), nil
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if schemaListsSize.Load() < maxSchemaLists {
		if _, loaded := schemaLists.LoadOrStore(s, slices.Clone(out)); !loaded {
			schemaListsSize.Add(1)
		}
	}
	return out, nil
}

// fold is the case rule of filter.Match for non-caseExact strings.
func fold(s string) string { return filter.Fold(s) }

// normDateTime returns the fixed-width UTC text of an xsd:dateTime, or
// ok=false when s does not parse.
func normDateTime(s string) (string, bool) {
	t, err := schema.ParseDateTime(s)
	if err != nil || t.Year() < 0 || t.Year() > 9999 {
		return "", false
	}
	return formatTime(t), true
}

// marshal encodes v as JSON without HTML escaping.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// decodeAttrs parses a stored data document (backend.DecodeAttrs).
func decodeAttrs(rt *schema.ResourceType, data string) (map[string]any, error) {
	return backend.DecodeAttrs(rt, []byte(data))
}
