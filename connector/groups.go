package connector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// applyGroups creates and updates the source's groups with their effective
// user members (nested groups resolved), then deletes the owned groups the
// source no longer lists. A group whose membership is incomplete (some
// group it includes was refused) keeps its stored members.
func (s *Syncer) applyGroups(ctx context.Context, snap *snapshot, cur *storeSnap, policy string, res *Result) []error {
	everyone := sortedValues(cur.userIDs) // source ids of every user the run knows
	var errs []error
	listed := make(map[string]bool, len(snap.groups))
	for _, g := range snap.groups {
		listed[g.ID] = true
		srcMembers, complete := snap.effective(g.ID, func() []string { return everyone })
		var members []schema.Member
		if complete {
			for _, src := range srcMembers {
				if id := cur.userIDs[src]; id != "" {
					members = append(members, schema.Member{Value: id, Type: "User"})
				}
			}
		} else {
			res.add(Item{Action: Skipped, Type: s.cfg.Groups.Name, ExternalID: g.ID, Name: g.Name,
				Detail: "members not listed by the source; stored members kept"})
		}
		if err := s.upsertGroup(ctx, g, cur.groups[g.ID], members, complete, cur.ownedGroups[g.ID] != "", res); err != nil {
			errs = append(errs, err)
		}
	}
	for src, id := range cur.ownedGroups {
		if listed[src] {
			continue
		}
		item := Item{Action: Deleted, Type: s.cfg.Groups.Name, ID: id, ExternalID: src}
		if r := cur.groups[src]; r != nil {
			item.ID, item.Name = r.ID, displayName(r)
		}
		err := s.deleteResource(ctx, s.cfg.Groups, item.ID, policy)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			item.Action, item.Detail = Failed, err.Error()
			res.add(item)
			errs = append(errs, fmt.Errorf("deleting group %s (%s): %w", item.Name, src, err))
			continue
		default:
			res.add(item)
		}
		if err := s.disown(ctx, kindGroup, src); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func sortedValues(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// upsertGroup creates or updates the stored group of g. members are the
// scimkit ids of its effective members, applied only when complete.
func (s *Syncer) upsertGroup(ctx context.Context, g Group, cur *schema.Resource, members []schema.Member, complete, owned bool, res *Result) error {
	item := Item{Type: s.cfg.Groups.Name, ExternalID: g.ID, Name: g.Name}
	var err error
	if cur != nil {
		item.ID = cur.ID
		err = s.updateGroup(ctx, g, cur, members, complete, &item)
	}
	if cur == nil || errors.Is(err, store.ErrNotFound) {
		err = s.createGroup(ctx, g, members, &item)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		item.Action, item.Detail = Skipped, fmt.Sprintf("not written: %v", err)
		s.cfg.Logger.Warn("connector: group skipped", "connector", s.cfg.Name, "group", g.Name, "externalId", g.ID, "err", err)
		res.add(item)
		return nil
	case err != nil:
		item.Action, item.Detail = Failed, err.Error()
		res.add(item)
		return fmt.Errorf("group %s (%s): %w", g.Name, g.ID, err)
	}
	if item.Action == "" {
		res.Unchanged++
	} else {
		res.add(item)
	}
	if !owned || item.Action == Created {
		return s.own(ctx, kindGroup, g.ID, item.ID)
	}
	return nil
}

func (s *Syncer) createGroup(ctx context.Context, g Group, members []schema.Member, item *Item) error {
	r, err := s.groupResource(nil, g, members, true)
	if err != nil {
		return err
	}
	created, err := s.cfg.Store.Create(ctx, s.cfg.Tenant, s.cfg.Groups, r)
	if err != nil {
		return err
	}
	item.ID, item.Action = created.ID, Created
	return nil
}

// updateGroup writes g over cur when they differ.
func (s *Syncer) updateGroup(ctx context.Context, g Group, cur *schema.Resource, members []schema.Member, complete bool, item *Item) error {
	want, err := s.groupResource(cur, g, members, complete)
	if err != nil {
		return err
	}
	paths := slices.DeleteFunc(schema.ChangedPaths(cur, want), func(p string) bool { return p == "members" })
	if len(paths) == 0 && (!complete || sameMembers(cur, members)) {
		return nil
	}
	next, ch, err := s.cfg.Store.Update(ctx, s.cfg.Tenant, s.cfg.Groups, cur.ID, store.Update{
		LoadMembers: complete,
		Apply: func(c *schema.Resource) (*schema.Resource, error) {
			return s.groupResource(c, g, members, complete)
		},
	})
	if err != nil {
		return err
	}
	if next.Meta.Version != ch.Before.Meta.Version {
		item.Action = Updated
	}
	return nil
}

// groupResource returns cur (nil for a new group) with externalId,
// displayName and, when withMembers, the members set from the source.
func (s *Syncer) groupResource(cur *schema.Resource, g Group, members []schema.Member, withMembers bool) (*schema.Resource, error) {
	mode := schema.ModeReplace
	next := cur.Clone()
	if cur == nil {
		mode = schema.ModeCreate
		next = &schema.Resource{Schemas: []string{s.cfg.Groups.Schema.ID}, Attrs: map[string]any{}}
	}
	next.ExternalID = g.ID
	next.Attrs["displayName"] = g.Name
	if withMembers {
		if len(members) > 0 {
			next.Attrs["members"] = schema.MemberValues(members)
		} else {
			delete(next.Attrs, "members")
		}
	}
	return s.cfg.Groups.Validate(mode, cur, next, schema.DecodeOptions{})
}

// sameMembers reports whether cur's members are exactly members (values
// and types; order aside).
func sameMembers(cur *schema.Resource, members []schema.Member) bool {
	had := schema.MembersOf(cur.Attrs["members"])
	if len(had) != len(members) {
		return false
	}
	want := make(map[string]string, len(members))
	for _, m := range members {
		want[m.Value] = m.Type
	}
	for _, m := range had {
		if t, ok := want[m.Value]; !ok || t != m.Type || m.Display != "" {
			return false
		}
	}
	return true
}

func displayName(r *schema.Resource) string {
	s, _ := r.Attrs["displayName"].(string)
	return s
}
