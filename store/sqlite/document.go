package sqlite

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// timeLayout is the fixed-width UTC form of stored instants (the shared
// backend.TimeLayout): text order is chronological order.
const timeLayout = backend.TimeLayout

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
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
