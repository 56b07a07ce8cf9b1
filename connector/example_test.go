package connector_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/store/memory"
)

// staticSource is a Source over fixed data.
type staticSource struct {
	users   []connector.User
	groups  []connector.Group
	members map[string][]connector.Member
}

func (s staticSource) ListUsers(ctx context.Context, visit func(connector.User) error) error {
	for _, u := range s.users {
		if err := visit(u); err != nil {
			return err
		}
	}
	return nil
}

func (s staticSource) ListGroups(ctx context.Context, visit func(connector.Group) error) error {
	for _, g := range s.groups {
		if err := visit(g); err != nil {
			return err
		}
	}
	return nil
}

func (s staticSource) ListMembers(ctx context.Context, id string, visit func(connector.Member) error) error {
	for _, m := range s.members[id] {
		if err := visit(m); err != nil {
			return err
		}
	}
	return nil
}

func (s staticSource) GetUser(ctx context.Context, id string) (connector.User, error) {
	for _, u := range s.users {
		if u.ID == id {
			return u, nil
		}
	}
	return connector.User{}, connector.ErrNotFound
}

// A Source of your own: a user in a nested group is an effective member of
// the outer group.
func ExampleSyncer() {
	src := staticSource{
		users: []connector.User{
			{ID: "1", UserName: "alice@example.com", Email: "alice@example.com", Active: true},
			{ID: "2", UserName: "bob@example.com", Email: "bob@example.com", Active: true},
		},
		groups: []connector.Group{{ID: "g1", Name: "Engineering"}, {ID: "g2", Name: "Backend"}},
		members: map[string][]connector.Member{
			"g1": {{ID: "1", Kind: connector.MemberUser}, {ID: "g2", Kind: connector.MemberGroup}},
			"g2": {{ID: "2", Kind: connector.MemberUser}},
		},
	}
	st := memory.New()
	defer st.Close()
	s, err := connector.New(connector.Config{Store: st, Tenant: "acme", Source: src, Name: "hr",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	res, err := s.Sync(context.Background())
	if err != nil {
		panic(err)
	}
	for _, it := range res.Items {
		fmt.Println(it.Action, it.Type, it.Name, it.ExternalID)
	}
	res, _ = s.Sync(context.Background())
	fmt.Println(res.Summary())
	// Output:
	// created User alice@example.com 1
	// created User bob@example.com 2
	// created Group Engineering g1
	// created Group Backend g2
	// created 0, updated 0, deactivated 0, reactivated 0, deleted 0, unchanged 4, skipped 0, failed 0
}
