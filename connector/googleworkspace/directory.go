package googleworkspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/scimkit/scimkit/connector"
)

var _ connector.Source = (*Client)(nil)

// Page sizes: the largest each method allows.
const (
	usersPage   = 500
	groupsPage  = 200
	membersPage = 200
)

// User is the part of a Directory API user resource the client reads
// (admin#directory#user).
type User struct {
	// ID is Google's immutable user id; it becomes the externalId.
	ID string `json:"id"`
	// PrimaryEmail is the user's primary address; it becomes the userName
	// and the primary work email.
	PrimaryEmail string `json:"primaryEmail"`
	// Name holds the given and family names.
	Name UserName `json:"name"`
	// Suspended and Archived make the user inactive (active false).
	Suspended bool `json:"suspended"`
	// Archived: see Suspended.
	Archived bool `json:"archived"`
	// DeletionTime is set on users listed with showDeleted=true.
	DeletionTime string `json:"deletionTime,omitempty"`
}

// UserName is a user's name.
type UserName struct {
	// GivenName becomes name.givenName.
	GivenName string `json:"givenName,omitempty"`
	// FamilyName becomes name.familyName.
	FamilyName string `json:"familyName,omitempty"`
	// FullName is Google's display form of the name (not mapped).
	FullName string `json:"fullName,omitempty"`
}

// Group is the part of a Directory API group resource the client reads.
type Group struct {
	// ID is Google's group id; it becomes the externalId.
	ID string `json:"id"`
	// Email is the group's address.
	Email string `json:"email"`
	// Name becomes the displayName.
	Name string `json:"name"`
}

// Member is a Directory API member resource.
type Member struct {
	// ID is the member's Google id (a user's or a nested group's).
	ID string `json:"id"`
	// Email is the member's address; external members have only this.
	Email string `json:"email,omitempty"`
	// Role is OWNER, MANAGER or MEMBER (not mapped).
	Role string `json:"role,omitempty"`
	// Type is USER, GROUP or CUSTOMER (everyone in the domain); nested
	// GROUP members are resolved to their users by the connector.
	Type string `json:"type"`
	// Status is the member's status, e.g. ACTIVE (not mapped).
	Status string `json:"status,omitempty"`
}

// Source returns the connector's view of u: userName and email are the
// primary email, externalId the Google id, active = not suspended and not
// archived.
func (u User) Source() connector.User {
	return connector.User{ID: u.ID, UserName: u.PrimaryEmail, Email: u.PrimaryEmail, GivenName: u.Name.GivenName,
		FamilyName: u.Name.FamilyName, Active: !u.Suspended && !u.Archived, Deleted: u.DeletionTime != ""}
}

// ListUsers lists the customer's users (users.list, 500 a page), then
// its recently deleted users (showDeleted=true), marked Deleted.
func (c *Client) ListUsers(ctx context.Context, visit func(connector.User) error) error {
	for _, deleted := range []bool{false, true} {
		q := url.Values{"customer": {c.cfg.Customer}, "maxResults": {strconv.Itoa(usersPage)}, "projection": {"basic"}}
		if deleted {
			q.Set("showDeleted", "true")
		}
		err := paginate(ctx, c, "users.list", "/admin/directory/v1/users", q, func(p *struct {
			Users         []User `json:"users"`
			NextPageToken string `json:"nextPageToken"`
		}) (string, error) {
			for _, u := range p.Users {
				su := u.Source()
				su.Deleted = su.Deleted || deleted
				if err := visit(su); err != nil {
					return "", err
				}
			}
			return p.NextPageToken, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ListGroups lists the customer's groups (groups.list, 200 a page).
func (c *Client) ListGroups(ctx context.Context, visit func(connector.Group) error) error {
	q := url.Values{"customer": {c.cfg.Customer}, "maxResults": {strconv.Itoa(groupsPage)}}
	return paginate(ctx, c, "groups.list", "/admin/directory/v1/groups", q, func(p *struct {
		Groups        []Group `json:"groups"`
		NextPageToken string  `json:"nextPageToken"`
	}) (string, error) {
		for _, g := range p.Groups {
			if err := visit(connector.Group{ID: g.ID, Name: g.Name}); err != nil {
				return "", err
			}
		}
		return p.NextPageToken, nil
	})
}

// ListMembers lists the direct members of a group (members.list, 200 a
// page). A 403 that is not a rate limit (Google's answer for a group
// whose members it will not disclose, e.g. one with external members) and
// a 404 (a group deleted since it was listed) wrap
// connector.ErrInaccessible.
func (c *Client) ListMembers(ctx context.Context, groupID string, visit func(connector.Member) error) error {
	q := url.Values{"maxResults": {strconv.Itoa(membersPage)}}
	err := paginate(ctx, c, "members.list", "/admin/directory/v1/groups/"+url.PathEscape(groupID)+"/members", q, func(p *struct {
		Members       []Member `json:"members"`
		NextPageToken string   `json:"nextPageToken"`
	}) (string, error) {
		for _, m := range p.Members {
			if err := visit(memberOf(m)); err != nil {
				return "", err
			}
		}
		return p.NextPageToken, nil
	})
	var ae *Error
	if errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusForbidden && !ae.rateLimited()) {
		return fmt.Errorf("%w: %w", connector.ErrInaccessible, err)
	}
	return err
}

func memberOf(m Member) connector.Member {
	switch m.Type {
	case "USER":
		return connector.Member{ID: m.ID, Kind: connector.MemberUser}
	case "GROUP":
		return connector.Member{ID: m.ID, Kind: connector.MemberGroup}
	case "CUSTOMER":
		return connector.Member{ID: m.ID, Kind: connector.MemberEveryone}
	}
	return connector.Member{ID: m.ID, Kind: connector.MemberOther}
}

// GetUser reads one user (users.get). A 404 wraps connector.ErrNotFound.
func (c *Client) GetUser(ctx context.Context, id string) (connector.User, error) {
	var u User
	err := c.call(ctx, "users.get", http.MethodGet, "/admin/directory/v1/users/"+url.PathEscape(id),
		url.Values{"projection": {"basic"}}, nil, &u)
	var ae *Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return connector.User{}, fmt.Errorf("%w: %w", connector.ErrNotFound, err)
	}
	if err != nil {
		return connector.User{}, err
	}
	return u.Source(), nil
}

// maxPages bounds a listing, against a server that never stops paging.
const maxPages = 100000

// paginate reads every page of a listing: each page is decoded into a new
// P and handed to page, which returns the next page token.
func paginate[P any](ctx context.Context, c *Client, op, path string, q url.Values, page func(*P) (string, error)) error {
	seen := map[string]bool{}
	for range maxPages {
		p := new(P)
		if err := c.call(ctx, op, http.MethodGet, path, q, nil, p); err != nil {
			return err
		}
		next, err := page(p)
		if err != nil || next == "" {
			return err
		}
		if seen[next] {
			return fmt.Errorf("googleworkspace: %s: the server repeated page token %q", op, next)
		}
		seen[next] = true
		q.Set("pageToken", next)
	}
	return fmt.Errorf("googleworkspace: %s: more than %d pages", op, maxPages)
}
