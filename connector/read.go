package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// snapshot is what one run read from the source.
type snapshot struct {
	readAt   time.Time
	users    []User          // live users (active or not), in source order
	deleted  []User          // users the source reports deleted
	seen     map[string]bool // every user id listed, live or deleted
	groups   []Group
	direct   map[string][]Member // group id → direct members
	refused  map[string]string   // group id → why its members could not be listed
	warnings []string
}

// readSource reads the source: users (full runs only), groups, and the
// members of every group and of every nested group outside the listing.
// Any failure other than ErrInaccessible on one group's members fails the
// whole read.
func (s *Syncer) readSource(ctx context.Context, full bool) (*snapshot, error) {
	snap := &snapshot{readAt: s.cfg.Now(), seen: map[string]bool{}, direct: map[string][]Member{}, refused: map[string]string{}}
	if full {
		err := s.cfg.Source.ListUsers(ctx, func(u User) error {
			if u.ID == "" {
				return errors.New("the source listed a user without an id")
			}
			if snap.seen[u.ID] && u.Deleted {
				return nil // a live user wins over a deleted one of the same id
			}
			snap.seen[u.ID] = true
			if u.Deleted {
				snap.deleted = append(snap.deleted, u)
			} else {
				snap.users = append(snap.users, u)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		live := make(map[string]bool, len(snap.users))
		for _, u := range snap.users {
			live[u.ID] = true
		}
		snap.deleted = slices.DeleteFunc(snap.deleted, func(u User) bool { return live[u.ID] })
	}
	if err := s.cfg.Source.ListGroups(ctx, func(g Group) error {
		if g.ID == "" {
			return errors.New("the source listed a group without an id")
		}
		snap.groups = append(snap.groups, g)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("listing groups: %w", err)
	}
	ids := make([]string, len(snap.groups))
	for i, g := range snap.groups {
		ids[i] = g.ID
	}
	for len(ids) > 0 { // nested groups outside the listing are read in further rounds
		if err := s.readMembers(ctx, ids, snap); err != nil {
			return nil, err
		}
		ids = nil
		for _, ms := range snap.direct {
			for _, m := range ms {
				if m.Kind == MemberGroup && !snap.has(m.ID) && !slices.Contains(ids, m.ID) {
					ids = append(ids, m.ID)
				}
			}
		}
	}
	for id, why := range snap.refused {
		snap.warnings = append(snap.warnings, fmt.Sprintf("group %s: members not listed (%s); its stored members are kept", id, why))
	}
	slices.Sort(snap.warnings)
	return snap, nil
}

// has reports whether the members of group id were read or refused.
func (snap *snapshot) has(id string) bool {
	_, ok := snap.direct[id]
	_, refused := snap.refused[id]
	return ok || refused
}

// readMembers lists the members of the groups ids, Concurrency at a time.
func (s *Syncer) readMembers(ctx context.Context, ids []string, snap *snapshot) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.cfg.Concurrency)
	for _, id := range ids {
		g.Go(func() error {
			var ms []Member
			err := s.cfg.Source.ListMembers(gctx, id, func(m Member) error {
				if m.ID != "" || m.Kind == MemberEveryone {
					ms = append(ms, m)
				}
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrInaccessible):
				snap.refused[id] = err.Error()
				s.cfg.Logger.Warn("connector: group skipped: its members could not be listed", "connector", s.cfg.Name, "group", id, "err", err)
			case err != nil:
				return fmt.Errorf("listing members of group %s: %w", id, err)
			default:
				snap.direct[id] = ms
			}
			return nil
		})
	}
	return g.Wait()
}

// effective returns the effective user members (source ids) of group id,
// nested groups resolved, and false when some group it includes could
// not be listed (its membership is then unknown).
func (snap *snapshot) effective(id string, everyone func() []string) ([]string, bool) {
	seen := map[string]bool{id: true}
	queue := []string{id}
	users := map[string]bool{}
	complete := true
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if _, refused := snap.refused[g]; refused {
			complete = false
			continue
		}
		for _, m := range snap.direct[g] {
			switch m.Kind {
			case MemberUser:
				users[m.ID] = true
			case MemberGroup:
				if !seen[m.ID] {
					seen[m.ID] = true
					queue = append(queue, m.ID)
				}
			case MemberEveryone:
				for _, u := range everyone() {
					users[u] = true
				}
			}
		}
	}
	out := make([]string, 0, len(users))
	for u := range users {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, complete
}
