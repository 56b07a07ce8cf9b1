package postgres

import (
	"fmt"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// decodeDoc parses a data document back into schemas and typed attributes
// (int64 for integer, float64 for decimal, as schema.Resource documents).
func decodeDoc(rt *schema.ResourceType, data []byte) ([]string, map[string]any, error) {
	m, err := backend.DecodeAttrs(rt, data)
	if err != nil {
		return nil, nil, fmt.Errorf("decode stored %s: %w", rt.Name, err)
	}
	var schemas []string
	if list, ok := m["schemas"].([]any); ok {
		for _, s := range list {
			if s, ok := s.(string); ok {
				schemas = append(schemas, s)
			}
		}
	}
	delete(m, "schemas")
	return schemas, m, nil
}

// membersAttr returns the attribute a type keeps in the membership index
// (backend.Shape), or nil.
func membersAttr(rt *schema.ResourceType) *schema.Attribute { return backend.ShapeOf(rt).Members }

// groupsAttr returns the attribute a member's representation derives from
// the membership index (backend.Shape), or nil.
func groupsAttr(rt *schema.ResourceType) *schema.Attribute { return backend.ShapeOf(rt).Groups }

// dbTime is the precision PostgreSQL keeps: timestamps are truncated to
// microseconds before they are stored or returned, so both agree.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
