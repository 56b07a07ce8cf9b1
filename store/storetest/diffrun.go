package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// replica is one backend during one replay of an op list, in a tenant of
// its own: the ids it assigned by logical name, and what it answered
// before (versions, times), which later answers are checked against.
type replica struct {
	name   string
	s      store.Store
	tenant string
	ids    map[string]string // logical name → id
	names  map[string]string // id → logical name
	repl   *strings.Replacer // ids inside longer strings ($ref) → names
	seen   map[string]seenMeta
	outbox store.Outbox
	after  int64
	avoid  map[Divergence]bool
}

// seenMeta is the meta a backend last reported for a resource.
type seenMeta struct {
	created, lastModified time.Time
	version               string
}

func newReplica(ctx context.Context, name string, s store.Store, tenant string) *replica {
	r := &replica{name: name, s: s, tenant: tenant, ids: map[string]string{}, names: map[string]string{}, seen: map[string]seenMeta{}}
	if ob, ok := s.(store.Outbox); ok {
		r.outbox = ob
		r.after = outboxHead(ctx, s, ob)
	}
	return r
}

func (r *replica) rt(typ string) *schema.ResourceType {
	if typ == "Group" {
		return GroupType()
	}
	return UserType()
}

var placeholderRE = regexp.MustCompile(`\{(id|created|lastModified):([ug][0-9]+)\}`)

// resolve replaces the placeholders of s by this backend's values: a
// logical name never created (or whose create failed) becomes an id no
// backend has, an unknown time the epoch.
func (r *replica) resolve(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		id, ok := r.ids[sub[2]]
		seen, known := r.seen[sub[2]]
		switch {
		case sub[1] == "id" && ok:
			return id
		case sub[1] == "id":
			return "missing-" + sub[2]
		case !known:
			return "1970-01-01T00:00:00.000Z"
		case sub[1] == "created":
			return schema.FormatDateTime(seen.created)
		}
		return schema.FormatDateTime(seen.lastModified)
	})
}

func (r *replica) resolveValue(v any) any {
	switch x := v.(type) {
	case string:
		return r.resolve(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.resolveValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.resolveValue(e)
		}
		return out
	}
	return v
}

func (r *replica) resolveRes(res *schema.Resource) *schema.Resource {
	c := res.Clone()
	c.ExternalID = r.resolve(c.ExternalID)
	c.Attrs = r.resolveValue(c.Attrs).(map[string]any)
	return c
}

func (r *replica) ifMatch(op diffOp) string {
	switch op.IfMatch {
	case "right":
		if s, ok := r.seen[op.Name]; ok {
			return s.version
		}
		return `W/"1"`
	case "stale":
		if s, ok := r.seen[op.Name]; ok {
			if v, _ := backend.ParseVersion(s.version); v > 1 {
				return backend.FormatVersion(v - 1)
			}
		}
		return `W/"99"`
	}
	return op.IfMatch
}

// exec runs op on this backend and returns its answer, normalised, and
// the raw error text (for the report only).
func (r *replica) exec(ctx context.Context, op diffOp) (answer, string) {
	var a answer
	var err error
	rt := r.rt(op.Type)
	id := r.resolve(placeholder("id", op.Name))
	switch op.Kind {
	case opCreate:
		var got *schema.Resource
		if got, err = r.s.Create(ctx, r.tenant, rt, r.resolveRes(op.Res)); err == nil {
			r.bind(op.Name, got.ID)
			a.Res = r.norm(got, true)
		}
	case opGet:
		var got *schema.Resource
		if got, err = r.s.Get(ctx, r.tenant, rt, id, op.Read); err == nil {
			a.Res = r.norm(got, true)
		}
	case opReplace, opEcho, opPatch, opDeltas:
		var u store.Update
		if u, err = r.update(op); err == nil {
			var got *schema.Resource
			var ch *store.Change
			if got, ch, err = r.s.Update(ctx, r.tenant, rt, id, u); err == nil {
				a.Res = r.norm(got, true)
				a.Change = r.change(ch)
			}
		}
	case opDelete:
		if err = r.s.Delete(ctx, r.tenant, rt, id, r.ifMatch(op)); err == nil {
			delete(r.seen, op.Name)
		}
	case opList, opCursor, opBadCursor:
		err = r.list(ctx, op, &a)
	}
	a.Err = errClass(err)
	if op.Kind != opGet && op.Kind < opList {
		a.Events = r.events(ctx)
	}
	if err != nil {
		return a, err.Error()
	}
	return a, ""
}

func (r *replica) bind(name, id string) {
	r.ids[name], r.names[id] = id, name
	var kv []string
	for id, n := range r.names {
		kv = append(kv, id, n)
	}
	r.repl = strings.NewReplacer(kv...)
}

// update builds the store.Update of a write op the way the HTTP layer
// does: PUT replaces (groups with LoadMembers), PATCH is split into member
// deltas when patch.Patch.Members can.
func (r *replica) update(op diffOp) (store.Update, error) {
	u := store.Update{IfMatch: r.ifMatch(op)}
	switch op.Kind {
	case opReplace:
		if op.Type == "Group" {
			u.LoadMembers, u.Apply = true, r.replaceGroup(op)
		} else {
			next := r.resolveRes(op.Res)
			u.Apply = func(*schema.Resource) (*schema.Resource, error) { return next.Clone(), nil }
		}
	case opEcho:
		u.LoadMembers = op.Type == "Group"
		u.Apply = func(cur *schema.Resource) (*schema.Resource, error) { return tweakMembers(cur.Clone(), op.Tweak), nil }
	case opDeltas:
		for _, d := range op.Deltas {
			d.Members = append([]schema.Member(nil), d.Members...)
			for i := range d.Members {
				d.Members[i].Value = r.resolve(d.Members[i].Value)
			}
			u.MemberDeltas = append(u.MemberDeltas, d)
		}
		u.Apply = func(cur *schema.Resource) (*schema.Resource, error) {
			next := cur.Clone()
			if op.Res != nil {
				next.Attrs["displayName"] = op.Res.Attrs["displayName"]
			}
			return next, nil
		}
	case opPatch:
		body := `{"schemas":["` + schema.PatchOpSchema + `"],"Operations":[` + r.resolve(op.Patch) + `]}`
		p, err := patch.Parse(r.rt(op.Type), []byte(body), patch.Config{})
		if err != nil {
			return u, err
		}
		u.Apply = applyPatch(p)
		if op.Type == "Group" {
			if rest, deltas, ok := p.Members("members"); ok {
				u.Apply, u.MemberDeltas = applyPatch(rest), deltas
			} else {
				u.LoadMembers = true
			}
		}
	}
	var keep []string
	if r.avoid[DivMemberAttrs] {
		keep = append(keep, "display", "type")
	}
	if r.avoid[DivMemberRef] {
		keep = append(keep, "$ref")
	}
	if u.LoadMembers && keep != nil {
		u.Apply = keepMemberAttrs(u.Apply, keep)
	}
	return u, nil
}

// keepMemberAttrs steers around DivMemberAttrs and DivMemberRef: every
// member of apply's result that cur has too gets cur's sub-attributes
// keys back.
func keepMemberAttrs(apply func(*schema.Resource) (*schema.Resource, error), keys []string) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next, err := apply(cur)
		if err != nil {
			return nil, err
		}
		old := map[string]map[string]any{}
		for _, m := range asList(cur.Attrs["members"]) {
			if m, ok := m.(map[string]any); ok {
				v, _ := m["value"].(string)
				old[v] = m
			}
		}
		next = next.Clone()
		for _, m := range asList(next.Attrs["members"]) {
			m, ok := m.(map[string]any)
			v, _ := m["value"].(string)
			if !ok || old[v] == nil {
				continue
			}
			for _, k := range keys {
				if x, ok := old[v][k]; ok {
					m[k] = x
				} else {
					delete(m, k)
				}
			}
		}
		return next, nil
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func applyPatch(p *patch.Patch) func(*schema.Resource) (*schema.Resource, error) {
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next, _, err := p.Apply(cur)
		return next, err
	}
}

// replaceGroup is the Apply of a group PUT: the generated displayName and
// externalId, the current members at op.Keep (exactly as read, unless
// op.Tweak changes them), then op.Add.
func (r *replica) replaceGroup(op diffOp) func(*schema.Resource) (*schema.Resource, error) {
	add, _ := r.resolveValue(op.Add).([]any)
	return func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.ExternalID = op.Res.ExternalID
		next.Attrs["displayName"] = op.Res.Attrs["displayName"]
		old, _ := next.Attrs["members"].([]any)
		var ms []any
		for _, k := range op.Keep {
			if k < len(old) {
				ms = append(ms, old[k])
			}
		}
		next.Attrs["members"] = ms
		tweakMembers(next, op.Tweak)
		ms, _ = next.Attrs["members"].([]any)
		ms = append(ms, schema.CloneValue(add).([]any)...)
		if len(ms) == 0 {
			delete(next.Attrs, "members")
		} else {
			next.Attrs["members"] = ms
		}
		return next, nil
	}
}

// tweakMembers changes every member of r as a known divergence needs:
// "display" sets a display, "type" flips the type, "ref" adds the "$ref"
// the HTTP layer renders.
func tweakMembers(r *schema.Resource, tweak string) *schema.Resource {
	ms, _ := r.Attrs["members"].([]any)
	for _, m := range ms {
		m, ok := m.(map[string]any)
		if !ok {
			continue
		}
		switch tweak {
		case "display":
			m["display"] = "Tweaked"
		case "type":
			if m["type"] == "Group" {
				m["type"] = "User"
			} else {
				m["type"] = "Group"
			}
		case "ref":
			typ, _ := m["type"].(string)
			if typ == "" {
				typ = "User"
			}
			m["$ref"] = "https://example.com/v2/" + typ + "s/" + m["value"].(string)
		}
	}
	return r
}

func (r *replica) list(ctx context.Context, op diffOp, a *answer) error {
	rt := r.rt(op.Type)
	q := store.Query{StartIndex: op.Start, Count: op.Count, Descending: op.Desc, Read: op.Read}
	if op.Filter != "" {
		e, err := filter.Parse(r.resolve(op.Filter))
		if err == nil {
			e, err = filter.Bind(rt, e)
		}
		if err != nil {
			return err
		}
		q.Filter = e
	}
	if op.SortBy != "" {
		ref, ok := rt.LookupPath(op.SortBy)
		if !ok {
			return errors.New("storetest: sortBy " + op.SortBy + " does not resolve")
		}
		q.SortBy = ref
	}
	switch op.Kind {
	case opBadCursor:
		q.UseCursor, q.Cursor = true, base64.RawURLEncoding.EncodeToString([]byte("not a cursor of this store"))
	case opCursor:
		q.UseCursor = true
	}
	for n := 0; ; n++ {
		p, err := r.s.List(ctx, r.tenant, rt, q)
		if err != nil {
			return err
		}
		a.addPage(r, p, op)
		if !q.UseCursor || p.NextCursor == "" || n == 100 || len(p.Resources) == 0 {
			return nil
		}
		q.Cursor = p.NextCursor
	}
}
