package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// Sizes of TestMembershipChurn: bounded so the test takes seconds on every
// backend, yet enough writers on few groups that PATCHes of one group, and
// memberships of one user, really race.
const (
	churnUsers   = 12
	churnGroups  = 5
	churnWriters = 6
	churnOps     = 40
)

// groupFold folds user.groups_changed events into each user's set of
// groups, as a consumer mirroring memberships would. Events of one user
// arrive in Seq order (one at a time per resource); delivery is at least
// once, so an event already applied is dropped by ID.
type groupFold struct {
	mu      sync.Mutex
	seen    map[string]bool
	groups  map[string]map[string]bool // user id → group ids
	lastSeq map[string]int64           // user id → Seq of the last event applied
	bad     []string                   // events that break the documented ordering keys
}

func newGroupFold() *groupFold {
	return &groupFold{seen: map[string]bool{}, groups: map[string]map[string]bool{}, lastSeq: map[string]int64{}}
}

func (f *groupFold) HandleEvent(_ context.Context, ev hooks.Event) error {
	if ev.Type != store.UserGroupsChanged {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[ev.ID] {
		return nil
	}
	f.seen[ev.ID] = true
	// Seq is the ordering key of every event; Version is 0 on
	// user.groups_changed (the user's own representation did not change).
	if ev.Seq <= f.lastSeq[ev.ResourceID] || ev.Version != 0 {
		f.bad = append(f.bad, fmt.Sprintf("user %s: event seq %d (version %d) after seq %d", ev.ResourceID, ev.Seq, ev.Version, f.lastSeq[ev.ResourceID]))
	}
	f.lastSeq[ev.ResourceID] = ev.Seq
	set := f.groups[ev.ResourceID]
	if set == nil {
		set = map[string]bool{}
		f.groups[ev.ResourceID] = set
	}
	for _, g := range ev.GroupsRemoved {
		delete(set, g)
	}
	for _, g := range ev.GroupsAdded {
		set[g] = true
	}
	return nil
}

// of returns the folded groups of user, sorted ([] when none).
func (f *groupFold) of(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, slices.Sorted(maps.Keys(f.groups[user]))...)
}

// lastReauth keeps the After of the latest Reauth per user (calls of one
// user are sequential, in Seq order).
type lastReauth struct {
	mu    sync.Mutex
	after map[string][]string
}

func (r *lastReauth) Reauthenticate(_ context.Context, re hooks.Reauth) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.after[re.UserID] = slices.Clone(re.After)
	return nil
}

// churnSCIM sends requests to the scim handler as the IdP would.
type churnSCIM struct{ h http.Handler }

func (c churnSCIM) do(method, path, body string) (int, map[string]any) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	var r map[string]any
	json.Unmarshal(rec.Body.Bytes(), &r)
	return rec.Code, r
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

// membershipPatch returns a group PATCH body adding or removing user in the
// shape of Okta (add with display; remove by a value filter) or Entra
// (capitalised op; remove by value).
func membershipPatch(okta, add bool, user string) string {
	switch {
	case okta && add:
		return fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"add","path":"members","value":[{"value":%q,"display":"u@okta.local"}]}`, user))
	case okta:
		return fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"}`, user))
	case add:
		return fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"Add","path":"members","value":[{"$ref":null,"value":%q}]}`, user))
	default:
		return fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"Remove","path":"members","value":[{"value":%q}]}`, user))
	}
}

// TestMembershipChurn: writers add and remove users to and from a few
// groups concurrently through the scim handler (Okta and Entra PATCH
// shapes, including Okta's remove-and-add in one request) while groups and
// users are deleted; once they stop and the dispatcher has drained, the
// user.groups_changed events folded per user equal the store's final
// memberships, and the Reauthenticator's last After for each user is that
// same final state.
func TestMembershipChurn(t *testing.T) {
	for _, b := range deliveryBackends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)()
			h, err := scim.New(scim.Config{Store: st, Authenticator: scim.StaticTokens{{Tenant: "acme", ID: "idp", SHA256: scim.HashToken("tok")}}})
			if err != nil {
				t.Fatal(err)
			}
			c := churnSCIM{h}
			users, groups := churnSetup(t, c)
			fold, reauth := newGroupFold(), &lastReauth{after: map[string][]string{}}
			dir := hooks.NewDirectory(st, nil, nil)
			a, err := hooks.NewAccess(hooks.AccessConfig{Directory: dir, Reauthenticator: reauth})
			if err != nil {
				t.Fatal(err)
			}
			d, err := hooks.NewDispatcher(hooks.Config{Store: st, Handlers: map[string]hooks.Handler{"fold": fold, "access": a}, Logger: quietLog})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			defer func() { cancel(); <-done }()

			churn(t, c, users, groups)
			drain(t, st, "fold", "access")
			checkChurn(t, st, dir, users, groups, fold, reauth)
		})
	}
}

// churnSetup creates the users and the groups (each group starting with
// a few members) over SCIM.
func churnSetup(t *testing.T, c churnSCIM) (users, groups []string) {
	t.Helper()
	for i := range churnUsers {
		code, r := c.do("POST", "/Users", fmt.Sprintf(`{"schemas":[%q],"userName":"churn%d@example.com","active":true}`, schema.UserSchema, i))
		if code != 201 {
			t.Fatalf("create user: %d %v", code, r)
		}
		users = append(users, r["id"].(string))
	}
	for i := range churnGroups {
		body := fmt.Sprintf(`{"schemas":[%q],"displayName":"churn-g%d","members":[{"value":%q},{"value":%q}]}`,
			schema.GroupSchema, i, users[i], users[i+churnGroups])
		code, r := c.do("POST", "/Groups", body)
		if code != 201 {
			t.Fatalf("create group: %d %v", code, r)
		}
		groups = append(groups, r["id"].(string))
	}
	return users, groups
}

// churn runs the writers. Halfway through, writers 0 and 1 delete group
// w and user w, and writer 2 deactivates user 2 (Okta's path-less
// replace), so these race with PATCHes naming them: a PATCH of a deleted
// group answers 404; nothing else may fail.
func churn(t *testing.T, c churnSCIM, users, groups []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, churnWriters*churnOps)
	for w := range churnWriters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := range churnOps {
				if i == churnOps/2 && w < 3 {
					for _, e := range midChurn(c, w, users, groups) {
						errs <- e
					}
					continue
				}
				g, u := groups[rng.IntN(len(groups))], users[rng.IntN(len(users))]
				var body string
				switch k := rng.IntN(5); k {
				case 4: // Okta: remove one member and add another in one request
					other := users[rng.IntN(len(users))]
					body = fmt.Sprintf(patchOp, fmt.Sprintf(`{"op":"remove","path":"members[value eq \"%s\"]"},{"op":"add","path":"members","value":[{"value":%q}]}`, u, other))
				default:
					body = membershipPatch(k%2 == 0, k < 2, u)
				}
				if code, r := c.do("PATCH", "/Groups/"+g, body); code != 200 && code != 204 && code != 404 {
					errs <- fmt.Sprintf("PATCH %s: %d %v", body, code, r)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// midChurn is writer w's deletion or deactivation; it returns failures.
func midChurn(c churnSCIM, w int, users, groups []string) []string {
	var errs []string
	if w == 2 {
		body := fmt.Sprintf(patchOp, `{"op":"replace","value":{"active":false}}`)
		if code, r := c.do("PATCH", "/Users/"+users[w], body); code != 200 {
			errs = append(errs, fmt.Sprintf("deactivate user: %d %v", code, r))
		}
		return errs
	}
	if code, r := c.do("DELETE", "/Groups/"+groups[w], ""); code != 204 {
		errs = append(errs, fmt.Sprintf("DELETE group: %d %v", code, r))
	}
	if code, r := c.do("DELETE", "/Users/"+users[w], ""); code != 204 {
		errs = append(errs, fmt.Sprintf("DELETE user: %d %v", code, r))
	}
	return errs
}

// drain waits until every consumer's checkpoint has passed the last event
// of the outbox. The deadline only bounds a hang.
func drain(t *testing.T, st store.Store, consumers ...string) {
	t.Helper()
	evs := outboxEvents(t, st)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	last := evs[len(evs)-1].Seq
	waitFor(t, nil, 0, "the dispatcher to drain", func() bool {
		for _, c := range consumers {
			if checkpoint(t, st, c) < last {
				return false
			}
		}
		return true
	})
}

// checkChurn compares, per user, the folded groups and the last Reauth
// with the store's final state. The membership index is read from the
// groups' side (the members of the groups that remain) and must agree with
// the user's side: Directory.UserGroups for an active user, the groups
// attribute for a deactivated one (whose effective groups are none). The
// fold must equal the index; the last Reauth.After must equal the
// effective groups of every user that is not deactivated (a deactivated
// user is revoked, not re-authenticated, so a later change of its groups
// calls no Reauthenticator).
func checkChurn(t *testing.T, st store.Store, dir *hooks.Directory, users, groups []string, fold *groupFold, reauth *lastReauth) {
	t.Helper()
	index := groupsSide(t, st, groups)
	for _, u := range users {
		index[u] = append([]string{}, index[u]...)
		eff, err := dir.UserGroups(t.Context(), "acme", u)
		deleted := errors.Is(err, store.ErrNotFound)
		if err != nil && !deleted {
			t.Fatal(err)
		}
		eff = append([]string{}, eff...)
		own, active := userSide(t, st, u)
		if !deleted {
			if diff := cmp.Diff(index[u], own); diff != "" {
				t.Errorf("user %s: groups' members vs the user's groups (-want +got):\n%s", u, diff)
			}
			if active && !slices.Equal(eff, own) || !active && len(eff) > 0 {
				t.Errorf("user %s (active %v): Directory.UserGroups = %v, groups attribute %v", u, active, eff, own)
			}
		} else if len(index[u]) > 0 {
			t.Logf("deleted user %s is listed as a member of %v: re-added after its deletion (PATCH add accepts ids of no resource)", u, index[u])
		}
		if diff := cmp.Diff(index[u], fold.of(u)); diff != "" {
			t.Errorf("user %s: folded user.groups_changed vs final membership (-want +got):\n%s", u, diff)
		}
		reauth.mu.Lock()
		got, called := reauth.after[u]
		reauth.mu.Unlock()
		if active && (called || len(eff) > 0) {
			if diff := cmp.Diff(eff, append([]string{}, got...)); diff != "" {
				t.Errorf("user %s: last Reauth.After vs final effective groups (-want +got):\n%s", u, diff)
			}
		}
	}
	fold.mu.Lock()
	defer fold.mu.Unlock()
	for _, b := range fold.bad {
		t.Error(b)
	}
	if len(fold.seen) == 0 {
		t.Error("no user.groups_changed event was delivered")
	}
}

// groupsSide returns each member's groups from the members of the groups
// that remain, sorted.
func groupsSide(t *testing.T, st store.Store, groups []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, g := range groups {
		r, err := st.Get(t.Context(), "acme", groupRT, g, store.ReadOptions{})
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		ms, _ := r.Attrs["members"].([]any)
		for _, m := range ms {
			u := m.(map[string]any)["value"].(string)
			out[u] = append(out[u], g)
		}
	}
	for _, gs := range out {
		slices.Sort(gs)
	}
	return out
}

// userSide returns a user's groups attribute (sorted, [] when none) and
// whether the user is active; a deleted user counts as active (its
// effective groups, none, are what Reauth must end with).
func userSide(t *testing.T, st store.Store, id string) ([]string, bool) {
	t.Helper()
	r, err := st.Get(t.Context(), "acme", userRT, id, store.ReadOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return []string{}, true
	} else if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	gs, _ := r.Attrs["groups"].([]any)
	for _, g := range gs {
		out = append(out, g.(map[string]any)["value"].(string))
	}
	slices.Sort(out)
	return out, store.Active(r)
}
