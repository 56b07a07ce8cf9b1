package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

const patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// fillBatch is the number of members one fill request adds.
const fillBatch = 100

// addMembersBody is a PATCH adding members, as Okta and Entra send it.
func addMembersBody(ids []string) []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"schemas":[%q],"Operations":[{"op":"add","path":"members","value":[`, patchSchema)
	for k, id := range ids {
		if k > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"value":%q}`, id)
	}
	sb.WriteString(`]}]}`)
	return []byte(sb.String())
}

// removeMemberBody is a PATCH removing one member by a value filter.
func removeMemberBody(id string) []byte {
	path, _ := json.Marshal(fmt.Sprintf("members[value eq %q]", id))
	return fmt.Appendf(nil, `{"schemas":[%q],"Operations":[{"op":"remove","path":%s}]}`, patchSchema, path)
}

// noMembers checks that a PATCH or GET response does not carry the member
// list: a 204 has no body, a 200 resource must omit "members".
func noMembers(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var g struct {
		Members json.RawMessage `json:"members"`
	}
	if err := json.Unmarshal(body, &g); err != nil {
		return err
	}
	if g.Members != nil {
		return fmt.Errorf("response carries the member list (%d bytes) although it was not asked for", len(g.Members))
	}
	return nil
}

// group is a group the run created and the members it should have.
type group struct {
	id   string
	mu   sync.Mutex
	want map[string]bool
}

func (g *group) set(id string, in bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if in {
		g.want[id] = true
	} else {
		delete(g.want, id)
	}
}

// has reports whether id should be a member.
func (g *group) has(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.want[id]
}

// members returns the ids that should be members, sorted.
func (g *group) members() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Sorted(maps.Keys(g.want))
}

// createGroup creates an empty group.
func (b *bench) createGroup(ctx context.Context, name string) (*group, error) {
	body := fmt.Appendf(nil, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q}`, "bench-"+b.runID+"-"+name)
	var buf bytes.Buffer
	req := request{method: "POST", path: "/Groups", body: body}
	rep, err := b.r.cl.do(ctx, b.base, req, &buf)
	if err != nil {
		return nil, err
	}
	if rep.status != 201 {
		return nil, statusError(req, rep)
	}
	var u idOnly
	if err := json.Unmarshal(rep.body, &u); err != nil || u.ID == "" {
		return nil, fmt.Errorf("POST /Groups: no id in response: %v", err)
	}
	return &group{id: u.ID, want: map[string]bool{}}, nil
}

// fillWorkload adds the users from..to-1 to g in batches of fillBatch.
func (b *bench) fillWorkload(g *group, from, to int) *workload {
	batch := func(i int) []string {
		lo := from + i*fillBatch
		return b.ids[lo:min(lo+fillBatch, to)]
	}
	return &workload{
		name: "group-fill", users: b.made, members: to, size: (to - from + fillBatch - 1) / fillBatch,
		gen: func(i int) request {
			return request{method: "PATCH", path: "/Groups/" + g.id, body: addMembersBody(nonEmpty(batch(i)))}
		},
		want: isPatched,
		check: func(i int, body []byte) error {
			for _, id := range nonEmpty(batch(i)) {
				g.set(id, true)
			}
			return noMembers(body)
		},
	}
}

// removeWorkload removes random members of g one at a time by filter; the
// ids removed are returned by the second result once the run is over.
func (b *bench) removeWorkload(g *group, m int) (*workload, func() []string) {
	cand := nonEmpty(b.ids[:m])
	rand.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	var mu sync.Mutex
	var removed []string
	w := &workload{
		name: "member-remove", users: b.made, members: m, size: len(cand),
		gen: func(i int) request {
			return request{method: "PATCH", path: "/Groups/" + g.id, body: removeMemberBody(cand[i])}
		},
		want: isPatched,
		check: func(i int, body []byte) error {
			g.set(cand[i], false)
			mu.Lock()
			removed = append(removed, cand[i])
			mu.Unlock()
			return noMembers(body)
		},
	}
	return w, func() []string { return removed }
}

// addWorkload adds the given users to g one at a time.
func (b *bench) addWorkload(name string, g *group, ids []string, m int) *workload {
	return &workload{
		name: name, users: b.made, members: m, size: len(ids),
		gen: func(i int) request {
			return request{method: "PATCH", path: "/Groups/" + g.id, body: addMembersBody(ids[i : i+1])}
		},
		want: isPatched,
		check: func(i int, body []byte) error {
			g.set(ids[i], true)
			return noMembers(body)
		},
	}
}

// getGroupWorkload reads g without its members.
func (b *bench) getGroupWorkload(g *group, m int) *workload {
	return &workload{
		name: "group-get", users: b.made, members: m,
		gen: func(int) request {
			return request{method: "GET", path: "/Groups/" + g.id + "?excludedAttributes=members"}
		},
		want:  isOK,
		check: func(i int, body []byte) error { return isGroup(g, body) },
	}
}

// verify reads g's members and compares them with what the run expects:
// lost are members added successfully but missing, extra are members
// present that the run removed or never added.
func (b *bench) verify(ctx context.Context, g *group) (lost, extra int, err error) {
	var buf bytes.Buffer
	req := request{method: "GET", path: "/Groups/" + g.id + "?attributes=members"}
	rep, err := b.r.cl.do(ctx, b.base, req, &buf)
	if err != nil {
		return 0, 0, err
	}
	if rep.status != 200 {
		return 0, 0, statusError(req, rep)
	}
	var got struct {
		Members []struct {
			Value string `json:"value"`
		} `json:"members"`
	}
	if err := json.Unmarshal(rep.body, &got); err != nil {
		return 0, 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := make(map[string]bool, len(got.Members))
	for _, m := range got.Members {
		if !g.want[m.Value] || seen[m.Value] {
			extra++
		}
		seen[m.Value] = true
	}
	for id := range g.want {
		if !seen[id] {
			lost++
		}
	}
	return lost, extra, nil
}

func nonEmpty(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}
