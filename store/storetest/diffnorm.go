package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// answer is what one backend answered to one op, normalised so that two
// backends' answers are equal exactly when they agree: ids are logical
// names, times are replaced by the relations the backend's own answers
// must keep (Meta, Problems), errors by their sentinel or SCIM status and
// scimType.
type answer struct {
	Err    string         `json:",omitempty"`
	Res    map[string]any `json:",omitempty"`
	Change map[string]any `json:",omitempty"`
	// Pages are the resources of each page of a List, NextCursor whether a
	// page had a next cursor.
	Pages      [][]map[string]any `json:",omitempty"`
	Total      []int              `json:",omitempty"`
	NextCursor []bool             `json:",omitempty"`
	// Events are the outbox events the write recorded, sorted.
	Events []string `json:",omitempty"`
}

// errClass names err by what callers may rely on: the store sentinel it
// wraps, or a *schema.Error's status and scimType.
func errClass(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range []struct {
		err  error
		name string
	}{{store.ErrNotFound, "ErrNotFound"}, {store.ErrConflict, "ErrConflict"}, {store.ErrPrecondition, "ErrPrecondition"},
		{store.ErrInvalidCursor, "ErrInvalidCursor"}, {store.ErrUnavailable, "ErrUnavailable"}, {store.ErrClosed, "ErrClosed"}} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	var se *schema.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("*schema.Error %d %s", se.Status, se.ScimType)
	}
	return "other error"
}

// name returns the logical name of id, or id itself marked unknown.
func (r *replica) logical(id string) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	return "unknown:" + id
}

// norm normalises a resource. With track, its meta is checked against what
// the backend reported for it before, and recorded.
func (r *replica) norm(res *schema.Resource, track bool) map[string]any {
	if res == nil {
		return nil
	}
	schemas := slices.Clone(res.Schemas)
	slices.Sort(schemas)
	m := map[string]any{
		"id": r.logical(res.ID), "externalId": res.ExternalID, "schemas": schemas, "attrs": r.normValue(res.Attrs),
		"meta.resourceType": res.Meta.ResourceType, "meta.version": res.Meta.Version,
	}
	if track {
		if p := r.timeProblems(r.logical(res.ID), res.Meta); p != "" {
			m["meta.problems"] = p
		}
	}
	return m
}

func (r *replica) normValue(v any) any {
	switch x := v.(type) {
	case string:
		if n, ok := r.names[x]; ok {
			return n
		}
		if r.repl != nil {
			return r.repl.Replace(x)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.normValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.normValue(e)
		}
		return out
	}
	return v
}

// timeProblems checks the relations a backend's times must keep, against
// its own earlier answers: created never changes, lastModified is not
// before created, changes exactly when the version does and never goes
// back; a new resource has lastModified = created. It returns "" when all
// hold.
func (r *replica) timeProblems(name string, m schema.Meta) string {
	var p []string
	if m.LastModified.Before(m.Created) {
		p = append(p, "lastModified before created")
	}
	prev, ok := r.seen[name]
	switch {
	case !ok && m.Version == `W/"1"` && !m.LastModified.Equal(m.Created):
		p = append(p, "version 1 with lastModified ≠ created")
	case !ok:
	case !m.Created.Equal(prev.created):
		p = append(p, "created changed")
	case m.Version == prev.version && !m.LastModified.Equal(prev.lastModified):
		p = append(p, "lastModified changed, version did not")
	case m.Version != prev.version && m.LastModified.Before(prev.lastModified):
		p = append(p, "lastModified went back")
	}
	if ok {
		pv, _ := backend.ParseVersion(prev.version)
		if v, _ := backend.ParseVersion(m.Version); v < pv {
			p = append(p, "version went back")
		}
	}
	r.seen[name] = seenMeta{created: m.Created, lastModified: m.LastModified, version: m.Version}
	return strings.Join(p, "; ")
}

func (r *replica) change(ch *store.Change) map[string]any {
	if ch == nil {
		return map[string]any{"nil": true}
	}
	names := func(ids []string) []string {
		out := []string{}
		for _, id := range ids {
			out = append(out, r.logical(id))
		}
		slices.Sort(out)
		return out
	}
	return map[string]any{"before": r.norm(ch.Before, false), "added": names(ch.MembersAdded), "removed": names(ch.MembersRemoved)}
}

func (a *answer) addPage(r *replica, p *store.Page, op diffOp) {
	var rs []map[string]any
	for _, res := range p.Resources {
		rs = append(rs, r.norm(res, true))
	}
	if ownOrder(op.SortBy) {
		if bad := r.orderProblem(p.Resources, op); bad != "" {
			rs = append(rs, map[string]any{"order": bad})
		}
		slices.SortFunc(rs, func(x, y map[string]any) int { return strings.Compare(fmt.Sprint(x["id"]), fmt.Sprint(y["id"])) })
	}
	a.Pages = append(a.Pages, rs)
	a.Total = append(a.Total, p.TotalResults)
	a.NextCursor = append(a.NextCursor, p.NextCursor != "")
}

// orderProblem checks a list sorted by id or a meta time against the
// backend's own values; ties are not checked.
func (r *replica) orderProblem(rs []*schema.Resource, op diffOp) string {
	for i := 1; i < len(rs); i++ {
		a, b := rs[i-1], rs[i]
		var c int
		switch strings.ToLower(op.SortBy) {
		case "id":
			c = strings.Compare(a.ID, b.ID)
		case "meta.created":
			c = a.Meta.Created.Compare(b.Meta.Created)
		default:
			c = a.Meta.LastModified.Compare(b.Meta.LastModified)
		}
		if (c > 0 && !op.Desc) || (c < 0 && op.Desc) {
			return fmt.Sprintf("%s before %s breaks sortBy %s (descending %t)", r.logical(a.ID), r.logical(b.ID), op.SortBy, op.Desc)
		}
	}
	return ""
}

// events returns the events of this replica's tenant recorded since the
// last call, normalised and sorted (the order of one write's events is
// not specified across backends).
func (r *replica) events(ctx context.Context) []string {
	if r.outbox == nil {
		return nil
	}
	var out []string
	for {
		evs, err := r.outbox.Events(ctx, r.after, 500)
		if err != nil {
			return append(out, "Events: "+errClass(err))
		}
		for _, e := range evs {
			r.after = e.Seq
			if e.Tenant == r.tenant && !(r.avoid[DivGroupMemberEvent] && e.Type == store.UserGroupsChanged && strings.HasPrefix(strings.TrimPrefix(r.logical(e.ResourceID), "unknown:missing-"), "g")) {
				out = append(out, r.event(e))
			}
		}
		if len(evs) < 500 {
			break
		}
	}
	slices.Sort(out)
	return out
}

func (r *replica) event(e store.Event) string {
	names := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = r.logical(id)
		}
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	return fmt.Sprintf("%s %s %s ext=%q v=%d paths=%v members=[%s] +groups=[%s] -groups=[%s] name=%q old=%q",
		e.Type, e.ResourceType, r.logical(e.ResourceID), e.ExternalID, e.Version, e.Paths, names(e.Members),
		names(e.GroupsAdded), names(e.GroupsRemoved), e.DisplayName, e.OldDisplayName)
}

// heads remembers, per store, the last outbox Seq seen, so that a replay in
// a fresh tenant does not read every earlier replay's events again.
var heads sync.Map // store.Store → int64

func outboxHead(ctx context.Context, s store.Store, ob store.Outbox) int64 {
	after := int64(0)
	if v, ok := heads.Load(s); ok {
		after = v.(int64)
	}
	for {
		evs, err := ob.Events(ctx, after, 1000)
		if err != nil || len(evs) == 0 {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	heads.Store(s, after)
	return after
}
