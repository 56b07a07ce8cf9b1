package sqlite

import (
	"sync"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// typeInfo is what the store derives once from a resource type.
type typeInfo struct {
	// members is the core "members" attribute when the type is a member
	// resource (multi-valued complex with a "value" sub-attribute).
	members *schema.Attribute
	// groups is the core readOnly multi-valued "groups" attribute filled
	// from the membership index on read.
	groups *schema.Attribute
}

var infos sync.Map // *schema.ResourceType → *typeInfo

func infoOf(rt *schema.ResourceType) *typeInfo {
	if v, ok := infos.Load(rt); ok {
		return v.(*typeInfo)
	}
	shape := backend.ShapeOf(rt)
	ti := &typeInfo{members: shape.Members, groups: shape.Groups}
	v, _ := infos.LoadOrStore(rt, ti)
	return v.(*typeInfo)
}
