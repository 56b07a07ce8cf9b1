package connector

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// fakeSource is an in-memory Source with fault injection.
type fakeSource struct {
	mu      sync.Mutex
	users   []User
	groups  []Group
	members map[string][]Member
	refuse  map[string]bool // group id → ListMembers returns ErrInaccessible
	// failUsersAfter, when > 0, makes ListUsers fail after that many users.
	failUsersAfter int
	failMembers    string // group id whose member listing fails (not ErrInaccessible)
}

func newFakeSource() *fakeSource {
	return &fakeSource{members: map[string][]Member{}, refuse: map[string]bool{}}
}

func (f *fakeSource) addUser(id, email string, active bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = append(f.users, User{ID: id, UserName: email, Email: email, GivenName: "G" + id, FamilyName: "F" + id, Active: active})
}

func (f *fakeSource) setUser(id string, fn func(*User)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.users {
		if f.users[i].ID == id {
			fn(&f.users[i])
		}
	}
}

func (f *fakeSource) removeUser(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users = slices.DeleteFunc(f.users, func(u User) bool { return u.ID == id })
}

func (f *fakeSource) addGroup(id, name string, members ...Member) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = append(f.groups, Group{ID: id, Name: name})
	f.members[id] = members
}

func (f *fakeSource) ListUsers(ctx context.Context, visit func(User) error) error {
	f.mu.Lock()
	users := slices.Clone(f.users)
	after := f.failUsersAfter
	f.mu.Unlock()
	for i, u := range users {
		if after > 0 && i == after {
			return errors.New("fake: listing failed mid-way (503)")
		}
		if err := visit(u); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) ListGroups(ctx context.Context, visit func(Group) error) error {
	f.mu.Lock()
	groups := slices.Clone(f.groups)
	f.mu.Unlock()
	for _, g := range groups {
		if err := visit(g); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) ListMembers(ctx context.Context, id string, visit func(Member) error) error {
	f.mu.Lock()
	ms, refused, fail := slices.Clone(f.members[id]), f.refuse[id], f.failMembers == id
	f.mu.Unlock()
	switch {
	case refused:
		return fmt.Errorf("fake: 403 on group %s: %w", id, ErrInaccessible)
	case fail:
		return errors.New("fake: 500 listing members")
	}
	for _, m := range ms {
		if err := visit(m); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSource) GetUser(ctx context.Context, id string) (User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.ID == id && !u.Deleted {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("fake: user %s: %w", id, ErrNotFound)
}

// newTestStore returns a fresh memory store.
func newTestStore(t *testing.T) store.Store {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return st
}

// backends are the stores the main tests run on.
var backends = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"memory", newTestStore},
	{"sqlite", func(t *testing.T) store.Store {
		st, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "c.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}},
	{"postgres", func(t *testing.T) store.Store {
		dsn := pgtest.DSN(t)
		st, err := postgres.Open(t.Context(), postgres.Config{DSN: dsn, Schema: pgtest.Schema(t, dsn), MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}},
}

// onBackends runs test on each backend.
func onBackends(t *testing.T, test func(t *testing.T, st store.Store)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { test(t, be.open(t)) })
	}
}

// events returns every event type recorded so far, as "type externalId".
func events(t *testing.T, st store.Store) []string {
	t.Helper()
	evs, err := st.(store.Outbox).Events(t.Context(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Type)+" "+e.ExternalID)
	}
	return out
}

func u(id string) Member { return Member{ID: id, Kind: MemberUser} }
func g(id string) Member { return Member{ID: id, Kind: MemberGroup} }

func hasPrefix(list []string, p string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			n++
		}
	}
	return n
}
