package backend

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Op is the kind of write a set of events describes.
type Op int

// Write kinds for DeriveEvents.
const (
	OpCreate Op = iota
	OpUpdate
	OpDelete
)

// Effect is what one committed write did, as a backend knows it at commit.
type Effect struct {
	// Op is the kind of write: OpCreate, OpUpdate or OpDelete.
	Op Op
	// Before is the stored state before the write (nil for OpCreate);
	// After is the state after it (nil for OpDelete).
	Before, After *schema.Resource
	// Version is the resource's version after the write (before it, for
	// OpDelete).
	Version int64
	// MembersAdded and MembersRemoved are the member ids whose membership
	// really changed; for a deleted group, all former members.
	MembersAdded, MembersRemoved []string
	// MemberOf maps each affected member id to its resource type name
	// ("User" or "Group"); members missing from it are taken as users.
	MemberOf map[string]string
	// GroupsLeft, for a deleted member, lists the groups it was removed from.
	GroupsLeft []string
}

// DeriveEvents turns the effect of one committed write into its outbox
// events, in a deterministic order. Backends call it inside the write's
// transaction and assign Seq when they insert the events. Events about
// users are derived for resource types named "User", about groups for
// "Group", and generic resource events for every other type.
func DeriveEvents(ctx context.Context, rt *schema.ResourceType, e Effect, tenant string, now time.Time) []store.Event {
	info := store.RequestInfoFrom(ctx)
	cur := e.After
	if cur == nil {
		cur = e.Before
	}
	base := store.Event{Tenant: tenant, ResourceType: rt.Name, ResourceID: cur.ID, ExternalID: cur.ExternalID,
		Version: e.Version, Time: now, Actor: info.Actor, RequestID: info.RequestID}
	out := make([]store.Event, 0, 2+len(e.MembersAdded)+len(e.MembersRemoved))
	add := func(t store.EventType, fill func(*store.Event)) {
		ev := base
		ev.ID = newEventID()
		ev.Type = t
		if fill != nil {
			fill(&ev)
		}
		out = append(out, ev)
	}
	switch rt.Name {
	case "User":
		deriveUser(e, add)
	case "Group":
		deriveGroup(e, cur, add)
	default:
		switch e.Op {
		case OpCreate:
			add(store.ResourceCreated, nil)
		case OpDelete:
			add(store.ResourceDeleted, nil)
		default:
			if paths := schema.ChangedPaths(e.Before, e.After); len(paths) > 0 {
				add(store.ResourceUpdated, func(ev *store.Event) { ev.Paths = paths })
			}
		}
	}
	return append(out, groupsChanged(base, rt, e)...)
}

func deriveUser(e Effect, add func(store.EventType, func(*store.Event))) {
	switch e.Op {
	case OpCreate:
		add(store.UserCreated, nil)
	case OpDelete:
		add(store.UserDeleted, nil)
	default:
		paths := schema.ChangedPaths(e.Before, e.After)
		if len(paths) > 0 {
			add(store.UserUpdated, func(ev *store.Event) { ev.Paths = paths })
		}
		was, is := store.Active(e.Before), store.Active(e.After)
		switch {
		case was && !is:
			add(store.UserDeactivated, nil)
		case !was && is:
			add(store.UserReactivated, nil)
		}
	}
}

func deriveGroup(e Effect, cur *schema.Resource, add func(store.EventType, func(*store.Event))) {
	name := func(r *schema.Resource) string {
		if r == nil {
			return ""
		}
		s, _ := r.Attrs["displayName"].(string)
		return s
	}
	withName := func(ev *store.Event) { ev.DisplayName = name(cur) }
	switch e.Op {
	case OpCreate:
		add(store.GroupCreated, withName)
	case OpDelete:
		add(store.GroupDeleted, withName)
		return
	default:
		if name(e.Before) != name(e.After) {
			add(store.GroupRenamed, func(ev *store.Event) { ev.DisplayName, ev.OldDisplayName = name(e.After), name(e.Before) })
		}
		paths := schema.ChangedPaths(e.Before, e.After)
		paths = slices.DeleteFunc(paths, func(p string) bool { return p == "members" || strings.HasPrefix(p, "members.") })
		if len(paths) > 0 {
			add(store.GroupUpdated, func(ev *store.Event) { withName(ev); ev.Paths = paths })
		}
	}
	if len(e.MembersAdded) > 0 {
		add(store.MembersAdded, func(ev *store.Event) { withName(ev); ev.Members = slices.Clone(e.MembersAdded) })
	}
	if len(e.MembersRemoved) > 0 {
		add(store.MembersRemoved, func(ev *store.Event) { withName(ev); ev.Members = slices.Clone(e.MembersRemoved) })
	}
}

// groupsChanged derives one UserGroupsChanged event per user whose
// membership changed: the members of a changed group, or a deleted user
// that belonged to groups.
func groupsChanged(base store.Event, rt *schema.ResourceType, e Effect) []store.Event {
	var out []store.Event
	mk := func(userID string, added, removed []string) {
		ev := base
		ev.ID = newEventID()
		ev.Type = store.UserGroupsChanged
		ev.ResourceType, ev.ResourceID, ev.ExternalID, ev.Version = "User", userID, "", 0
		ev.GroupsAdded, ev.GroupsRemoved = added, removed
		out = append(out, ev)
	}
	if rt.Name == "User" && e.Op == OpDelete && len(e.GroupsLeft) > 0 {
		mk(base.ResourceID, nil, slices.Clone(e.GroupsLeft))
		out[len(out)-1].ExternalID = base.ExternalID
		return out
	}
	isUser := func(id string) bool { t, ok := e.MemberOf[id]; return !ok || t == "User" }
	for _, id := range e.MembersAdded {
		if isUser(id) {
			mk(id, []string{base.ResourceID}, nil)
		}
	}
	for _, id := range e.MembersRemoved {
		if isUser(id) {
			mk(id, nil, []string{base.ResourceID})
		}
	}
	return out
}

// newEventID returns a random UUID (RFC 9562 version 4).
func newEventID() string { return store.NewID() }

// FormatVersion formats a version number as a weak entity tag, W/"n".
func FormatVersion(v int64) string {
	if v >= 0 && v < int64(len(smallVersions)) {
		return smallVersions[v] // most resources: no allocation per read
	}
	return formatVersion(v)
}

func formatVersion(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }

// smallVersions[v] is FormatVersion(v).
var smallVersions = func() (vs [256]string) {
	for v := range vs {
		vs[v] = formatVersion(int64(v))
	}
	return vs
}()

// ParseVersion parses W/"n", "n" or n; it returns false for anything else.
func ParseVersion(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && v > 0
}
