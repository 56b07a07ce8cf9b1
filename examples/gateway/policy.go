package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/hooks"
)

// allowGroup is the gateway's access policy: "allow members of group G".
// G is held by its stable id. When the gateway is configured with a name
// instead, the id is pinned once, from the first group whose displayName
// equals the name (case-insensitively; the oldest if several do), found
// either at a request or when the group is created; from then on only the
// id counts, so an IdP rename keeps the policy working and a new group
// that takes the old name does not inherit it.
type allowGroup struct {
	dir    *hooks.Directory
	tenant string
	name   string
	logger *slog.Logger

	mu sync.Mutex
	id string
}

// groupID returns G's id, pinning it from the name if not yet done; ""
// while no group has the name.
func (p *allowGroup) groupID(ctx context.Context) (string, error) {
	p.mu.Lock()
	id := p.id
	p.mu.Unlock()
	if id != "" || p.name == "" {
		return id, nil
	}
	gs, err := p.dir.SearchGroups(ctx, p.tenant, p.name, hooks.MaxSearchLimit)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(gs, func(g hooks.GroupInfo) bool { return filter.Fold(g.DisplayName) == filter.Fold(p.name) })
	if i < 0 {
		return "", nil
	}
	return p.pin(gs[i].ID, gs[i].DisplayName), nil
}

// pin sets G's id unless it is already set, and returns the id in force.
func (p *allowGroup) pin(id, name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.id == "" {
		p.id = id
		p.logger.Info("policy group pinned by id", "group", id, "displayName", name)
	}
	return p.id
}

// allows reports whether groups contains G.
func (p *allowGroup) allows(ctx context.Context, groups []string) (bool, error) {
	id, err := p.groupID(ctx)
	if err != nil || id == "" {
		return false, err
	}
	return slices.Contains(groups, id), nil
}

// GroupChanged implements hooks.GroupSink: it pins G when a group with the
// configured name is created, and logs what happens to G afterwards, as an
// external policy store would record it.
func (p *allowGroup) GroupChanged(ctx context.Context, c hooks.GroupChange) error {
	if c.Tenant != p.tenant {
		return nil
	}
	if c.Kind == hooks.GroupKindCreated && p.name != "" && filter.Fold(c.DisplayName) == filter.Fold(p.name) {
		p.pin(c.GroupID, c.DisplayName)
	}
	p.mu.Lock()
	pinned := p.id == c.GroupID
	p.mu.Unlock()
	if pinned {
		p.logger.Info("policy group changed", "kind", c.Kind, "group", c.GroupID, "displayName", c.DisplayName, "old", c.OldDisplayName)
	}
	return nil
}
