package connector

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// usersPlan is what a full run will do to users.
type usersPlan struct {
	upserts []userOp
	deletes []deleteOp
	// deactivations counts upserts that turn an active user inactive.
	deactivations int
}

type userOp struct {
	u   User
	cur *schema.Resource // nil: create
}

type deleteOp struct {
	src, id, name string
	active        bool
}

// planUsers matches the source's users with the stored ones by externalId.
func (s *Syncer) planUsers(snap *snapshot, cur *storeSnap) usersPlan {
	var p usersPlan
	for _, u := range snap.users {
		r := cur.users[u.ID]
		if r != nil && store.Active(r) && !u.Active {
			p.deactivations++
		}
		p.upserts = append(p.upserts, userOp{u: u, cur: r})
	}
	gone := map[string]bool{}
	for _, u := range snap.deleted {
		if r := cur.users[u.ID]; r != nil {
			gone[u.ID] = true
			p.deletes = append(p.deletes, deleteOp{src: u.ID, id: r.ID, name: userName(r), active: store.Active(r)})
		}
	}
	for src, id := range cur.ownedUsers {
		if snap.seen[src] || gone[src] {
			continue
		}
		// Owned, and absent from a complete listing: deleted in the source.
		op := deleteOp{src: src, id: id}
		if r := cur.users[src]; r != nil {
			op.id, op.name, op.active = r.ID, userName(r), store.Active(r)
		}
		p.deletes = append(p.deletes, op)
	}
	return p
}

// guard stops a run that would deprovision too many of the users, or
// delete too many of the groups, the connector owns.
func (s *Syncer) guard(p usersPlan, snap *snapshot, cur *storeSnap, res *Result) error {
	share := s.cfg.MaxDeprovisionShare
	trips := func(n, base int) bool {
		return share >= 0 && n > s.cfg.DeprovisionFloor && base > 0 && float64(n) > share*float64(base)
	}
	users, base := p.deactivations+len(p.deletes), 0
	for src := range cur.ownedUsers {
		if cur.users[src] != nil {
			base++
		}
	}
	listed := make(map[string]bool, len(snap.groups))
	for _, g := range snap.groups {
		listed[g.ID] = true
	}
	var groupDeletes []Item
	groupBase := 0
	for src, id := range cur.ownedGroups {
		r := cur.groups[src]
		if r == nil {
			continue
		}
		groupBase++
		if !listed[src] {
			groupDeletes = append(groupDeletes, Item{Action: Deleted, Type: s.cfg.Groups.Name, ID: id, ExternalID: src, Name: displayName(r)})
		}
	}
	pct := strconv.FormatFloat(share*100, 'f', -1, 64) + "%"
	switch {
	case trips(users, base):
		for _, op := range p.upserts {
			if op.cur != nil && store.Active(op.cur) && !op.u.Active {
				res.Blocked = append(res.Blocked, Item{Action: Deactivated, Type: s.cfg.Users.Name, ID: op.cur.ID, ExternalID: op.u.ID, Name: op.u.UserName})
			}
		}
		for _, op := range p.deletes {
			res.Blocked = append(res.Blocked, Item{Action: Deleted, Type: s.cfg.Users.Name, ID: op.id, ExternalID: op.src, Name: op.name})
		}
		return fmt.Errorf("connector %s: the run would deactivate or delete %d of the %d users it owns (more than %s), nothing was changed; check the source, then run again with a higher limit if it is intended: %w",
			s.cfg.Name, users, base, pct, ErrMassDeprovision)
	case trips(len(groupDeletes), groupBase):
		res.Blocked = groupDeletes
		return fmt.Errorf("connector %s: the run would delete %d of the %d groups it owns (more than %s), nothing was changed; check the source, then run again with a higher limit if it is intended: %w",
			s.cfg.Name, len(groupDeletes), groupBase, pct, ErrMassDeprovision)
	}
	return nil
}

// errLater is upsertUser's answer, when asked, for a userName held by
// another resource: the caller tries again after the run's other writes.
var errLater = errors.New("userName held by another resource")

// applyUsers creates and updates the source's live users. A user whose
// userName another resource holds is tried again after the others: the
// holder may be a user this run renames (a name passed from one source
// user to another in one run).
func (s *Syncer) applyUsers(ctx context.Context, readAt time.Time, ops []userOp, cur *storeSnap, res *Result) []error {
	var errs []error
	var later []userOp
	for pass := range 2 {
		for _, op := range ops {
			id, err := s.upsertUser(ctx, readAt, op.u, op.cur, cur.ownedUsers[op.u.ID] != "", res, pass == 0)
			if errors.Is(err, errLater) {
				later = append(later, op)
				continue
			}
			if err != nil {
				errs = append(errs, err)
			}
			if id != "" {
				cur.userIDs[op.u.ID] = id
			}
		}
		ops, later = later, nil
	}
	return errs
}

// deleteUsers deletes users deleted in the source.
func (s *Syncer) deleteUsers(ctx context.Context, readAt time.Time, ops []deleteOp, policy string, res *Result) []error {
	var errs []error
	for _, op := range ops {
		if err := s.removeUser(ctx, readAt, op, policy, res); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// SyncUser re-reads one user from the source (by its source id, or any
// key the source resolves to it, such as Google's primary email) and
// applies it at once: the path of a change notification. A user the
// source no longer has is deleted when the connector owns it (by id
// only: a user is never matched by name). It returns
// what it did; a read older than one already applied changes nothing.
func (s *Syncer) SyncUser(ctx context.Context, sourceID string) (*Result, error) {
	ctx = store.WithRequestInfo(ctx, store.RequestInfo{Actor: s.actor, RequestID: store.NewID()})
	res := &Result{Started: s.cfg.Now()}
	defer func() { res.Finished = s.cfg.Now() }()
	readAt := s.cfg.Now()
	u, err := s.cfg.Source.GetUser(ctx, sourceID)
	switch {
	case errors.Is(err, ErrNotFound):
		u = User{ID: sourceID, Deleted: true}
	case err != nil:
		return res, fmt.Errorf("connector %s: reading user %s: %w", s.cfg.Name, sourceID, err)
	case u.ID == "":
		return res, fmt.Errorf("connector %s: reading user %s: the source answered a user without an id", s.cfg.Name, sourceID)
	default:
		sourceID = u.ID // the source may resolve another key (an email) to the id
	}
	ownedID, err := s.ownedID(ctx, kindUser, sourceID)
	if err != nil {
		return res, fmt.Errorf("connector %s: %w", s.cfg.Name, err)
	}
	r, err := s.findUser(ctx, sourceID, ownedID)
	if err != nil {
		return res, fmt.Errorf("connector %s: %w", s.cfg.Name, err)
	}
	if u.Deleted {
		if r == nil && ownedID == "" {
			return res, nil
		}
		op := deleteOp{src: sourceID, id: ownedID}
		if r != nil {
			op.id, op.name, op.active = r.ID, userName(r), store.Active(r)
		}
		policy, err := s.deletePolicy(ctx)
		if err == nil {
			err = s.removeUser(ctx, readAt, op, policy, res)
		}
		return res, err
	}
	_, err = s.upsertUser(ctx, readAt, u, r, ownedID != "" && r != nil && r.ID == ownedID, res, false)
	return res, err
}

// findUser returns the stored user holding source id src: the owned one
// when it still exists, else the first with that externalId, else nil.
func (s *Syncer) findUser(ctx context.Context, src, ownedID string) (*schema.Resource, error) {
	if ownedID != "" {
		r, err := s.cfg.Store.Get(ctx, s.cfg.Tenant, s.cfg.Users, ownedID, store.ReadOptions{OmitGroups: true})
		if err == nil && r.ExternalID == src {
			return r, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	f, err := filter.Parse("externalId eq " + strconv.Quote(src))
	if err == nil {
		f, err = filter.Bind(s.cfg.Users, f)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up externalId %q: %w", src, err)
	}
	page, err := s.cfg.Store.List(ctx, s.cfg.Tenant, s.cfg.Users, store.Query{Filter: f, Count: 1, Read: store.ReadOptions{OmitGroups: true}})
	if err != nil || len(page.Resources) == 0 {
		return nil, err
	}
	return page.Resources[0], nil
}

// upsertUser creates or updates the stored user for u (cur: the stored
// user as last read, nil when none) and records its ownership. It returns
// the user's scimkit id ("" when there is none). A userName another
// resource holds is reported as skipped, or returned as errLater (nothing
// reported) when later is set.
func (s *Syncer) upsertUser(ctx context.Context, readAt time.Time, u User, cur *schema.Resource, owned bool, res *Result, later bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item := Item{Type: s.cfg.Users.Name, ExternalID: u.ID, Name: u.UserName}
	if cur != nil {
		item.ID = cur.ID
	}
	if !s.fresh(u.ID, readAt) {
		return item.ID, nil // a newer read of this user was applied meanwhile
	}
	var err error
	if cur == nil {
		err = s.createUser(ctx, u, &item)
	} else {
		err = s.updateUser(ctx, u, cur, &item)
		if errors.Is(err, store.ErrNotFound) { // deleted since it was listed
			item.ID = ""
			err = s.createUser(ctx, u, &item)
		}
	}
	switch {
	case errors.Is(err, store.ErrConflict) && later:
		return "", errLater
	case errors.Is(err, store.ErrConflict):
		item.Action, item.Detail = Skipped, fmt.Sprintf("not written: %v (matched by externalId only, never by name)", err)
		s.cfg.Logger.Warn("connector: user skipped", "connector", s.cfg.Name, "user", u.UserName, "externalId", u.ID, "err", err)
		res.add(item)
		return "", nil
	case err != nil:
		item.Action, item.Detail = Failed, err.Error()
		res.add(item)
		return item.ID, fmt.Errorf("user %s (%s): %w", u.UserName, u.ID, err)
	}
	if item.Action == "" {
		res.Unchanged++
	} else {
		res.add(item)
	}
	if !owned || item.Action == Created {
		if err := s.own(ctx, kindUser, u.ID, item.ID); err != nil {
			return item.ID, err
		}
	}
	return item.ID, nil
}

func (s *Syncer) createUser(ctx context.Context, u User, item *Item) error {
	r, err := s.userResource(nil, u)
	if err != nil {
		return err
	}
	created, err := s.cfg.Store.Create(ctx, s.cfg.Tenant, s.cfg.Users, r)
	if err != nil {
		return err
	}
	item.ID, item.Action = created.ID, Created
	return nil
}

// updateUser writes u over cur when they differ, and sets item.Action to
// what changed ("" for nothing).
func (s *Syncer) updateUser(ctx context.Context, u User, cur *schema.Resource, item *Item) error {
	want, err := s.userResource(cur, u)
	if err != nil {
		return err
	}
	if len(schema.ChangedPaths(cur, want)) == 0 {
		return nil
	}
	next, ch, err := s.cfg.Store.Update(ctx, s.cfg.Tenant, s.cfg.Users, cur.ID, store.Update{
		Apply: func(c *schema.Resource) (*schema.Resource, error) { return s.userResource(c, u) },
	})
	if err != nil {
		return err
	}
	switch was, is := store.Active(ch.Before), store.Active(next); {
	case next.Meta.Version == ch.Before.Meta.Version:
	case was && !is:
		item.Action = Deactivated
	case !was && is:
		item.Action = Reactivated
	default:
		item.Action = Updated
	}
	return nil
}

// userResource returns cur (nil for a new user) with the attributes the
// source owns set from u: externalId, userName, name.givenName,
// name.familyName, emails (the primary work email) and active. Other
// attributes are kept.
func (s *Syncer) userResource(cur *schema.Resource, u User) (*schema.Resource, error) {
	mode := schema.ModeReplace
	next := cur.Clone()
	if cur == nil {
		mode = schema.ModeCreate
		next = &schema.Resource{Schemas: []string{s.cfg.Users.Schema.ID}, Attrs: map[string]any{}}
	}
	next.ExternalID = u.ID
	next.Attrs["userName"] = u.UserName
	name, _ := next.Attrs["name"].(map[string]any)
	if name == nil {
		name = map[string]any{}
	}
	setString(name, "givenName", u.GivenName)
	setString(name, "familyName", u.FamilyName)
	if len(name) == 0 {
		delete(next.Attrs, "name")
	} else {
		next.Attrs["name"] = name
	}
	if u.Email != "" {
		next.Attrs["emails"] = []any{map[string]any{"value": u.Email, "type": "work", "primary": true}}
	} else {
		delete(next.Attrs, "emails")
	}
	next.Attrs["active"] = u.Active
	return s.cfg.Users.Validate(mode, cur, next, schema.DecodeOptions{})
}

func setString(m map[string]any, k, v string) {
	if v == "" {
		delete(m, k)
	} else {
		m[k] = v
	}
}

func userName(r *schema.Resource) string {
	s, _ := r.Attrs["userName"].(string)
	return s
}

// removeUser deletes a user deleted in the source and drops its ownership.
func (s *Syncer) removeUser(ctx context.Context, readAt time.Time, op deleteOp, policy string, res *Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fresh(op.src, readAt) {
		return nil
	}
	err := s.deleteResource(ctx, s.cfg.Users, op.id, policy)
	item := Item{Action: Deleted, Type: s.cfg.Users.Name, ID: op.id, ExternalID: op.src, Name: op.name}
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Already gone: only the ownership record remains.
	case err != nil:
		item.Action, item.Detail = Failed, err.Error()
		res.add(item)
		return fmt.Errorf("deleting user %s (%s): %w", op.name, op.src, err)
	default:
		res.add(item)
	}
	return s.disown(ctx, kindUser, op.src)
}

// deleteResource deletes id by the delete policy.
func (s *Syncer) deleteResource(ctx context.Context, rt *schema.ResourceType, id, policy string) error {
	if id == "" {
		return store.ErrNotFound
	}
	if ts, ok := s.cfg.Store.(store.Tombstones); ok && policy == store.DeletePolicySoft {
		return ts.DeleteWithTombstone(ctx, s.cfg.Tenant, rt, id, "")
	}
	return s.cfg.Store.Delete(ctx, s.cfg.Tenant, rt, id, "")
}
