package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// mixLag is how far the member mix's removes run ahead of its adds: a
// member it removes is added back 3*mixLag requests later, long after the
// remove was answered (at most -clients requests are in flight).
const mixLag = 64

// mix runs the member add/remove/GET mix on g at M = m: it removes the
// first lag members of a shuffled list (unmeasured), measures the mix, adds
// back every member the mix left out (unmeasured), and checks g.
func (b *bench) mix(ctx context.Context, g *group, m int) error {
	cand := g.members()
	rand.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	lag := min(mixLag, len(cand)/2)
	if lag == 0 {
		return nil
	}
	for _, id := range cand[:lag] {
		if err := b.patchGroup(ctx, g, removeMemberBody(id)); err != nil {
			return fmt.Errorf("member mix: removing the first members: %w", err)
		}
		g.set(id, false)
	}
	b.measure(ctx, b.mixWorkload(g, cand, lag, m), b.timed())
	var out []string
	for _, id := range cand {
		if !g.has(id) {
			out = append(out, id)
		}
	}
	for lo := 0; lo < len(out); lo += fillBatch {
		batch := out[lo:min(lo+fillBatch, len(out))]
		if err := b.patchGroup(ctx, g, addMembersBody(batch)); err != nil {
			return fmt.Errorf("member mix: adding members back: %w", err)
		}
		for _, id := range batch {
			g.set(id, true)
		}
	}
	return b.check(ctx, g)
}

// mixWorkload is the member mix: request i is, by i mod 3, a one-member
// add, a one-member remove by filter, or a GET ?excludedAttributes=members
// of g. With j = i/3 and n = len(cand), the add puts back cand[j mod n] and
// the remove takes cand[(j+lag) mod n], so every member cycles through
// remove, add 3*lag requests later, remove again 3*(n-lag) requests later:
// g keeps about m-lag members and every request is valid, whatever the
// order the clients' requests are answered in. cand[:lag] must be out of g
// when it starts.
func (b *bench) mixWorkload(g *group, cand []string, lag, m int) *workload {
	n := len(cand)
	add := func(i int) string { return cand[(i/3)%n] }
	remove := func(i int) string { return cand[(i/3+lag)%n] }
	return &workload{
		name: "member-mix", users: b.made, members: m,
		gen: func(i int) request {
			switch i % 3 {
			case 0:
				return request{method: "PATCH", path: "/Groups/" + g.id, body: addMembersBody([]string{add(i)})}
			case 1:
				return request{method: "PATCH", path: "/Groups/" + g.id, body: removeMemberBody(remove(i))}
			default:
				return request{method: "GET", path: "/Groups/" + g.id + "?excludedAttributes=members"}
			}
		},
		want: isPatched, // 200 or 204; a GET answered 204 fails its check
		check: func(i int, body []byte) error {
			switch i % 3 {
			case 0:
				g.set(add(i), true)
				return noMembers(body)
			case 1:
				g.set(remove(i), false)
				return noMembers(body)
			default:
				return isGroup(g, body)
			}
		},
	}
}

// isGroup checks a GET of g without its members.
func isGroup(g *group, body []byte) error {
	var u idOnly
	if err := json.Unmarshal(body, &u); err != nil {
		return err
	}
	if u.ID != g.id {
		return fmt.Errorf("id %q, want %q", u.ID, g.id)
	}
	return noMembers(body)
}

// patchGroup sends one PATCH to g outside any measurement.
func (b *bench) patchGroup(ctx context.Context, g *group, body []byte) error {
	var buf bytes.Buffer
	req := request{method: "PATCH", path: "/Groups/" + g.id, body: body}
	rep, err := b.r.cl.do(ctx, b.base, req, &buf)
	if err != nil {
		return err
	}
	if !isPatched(rep.status) {
		return statusError(req, rep)
	}
	return nil
}
