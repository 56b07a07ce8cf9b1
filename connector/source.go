package connector

import (
	"context"
	"errors"
)

// Errors a Source returns (wrapped); the Syncer tests them with errors.Is.
var (
	// ErrNotFound means the source has no such user (GetUser): it never
	// existed or was deleted. The Syncer deletes the user it owns.
	ErrNotFound = errors.New("connector: not found in the source")
	// ErrInaccessible means the source refuses to list one group's members
	// (Google answers 403 for a group whose members it will not disclose,
	// such as one with members outside the domain). The Syncer skips that
	// group with a warning and leaves its stored members as they are; it is
	// never a reason to remove members.
	ErrInaccessible = errors.New("connector: the source refuses access to this group")
)

// Source is a directory the Syncer pulls from. Methods are safe for
// concurrent use and retry transient failures (rate limits, 5xx) on their
// own; an error they return means the read failed, and the Syncer never
// takes what a failed read did not show as deleted.
//
// The visit functions are called in the source's order; an error returned
// by a visit function stops the listing and is returned (wrapped).
type Source interface {
	// ListUsers visits every user of the directory once, and the users
	// deleted recently (marked Deleted) when the source still knows them.
	ListUsers(ctx context.Context, visit func(User) error) error
	// ListGroups visits every group of the directory once.
	ListGroups(ctx context.Context, visit func(Group) error) error
	// ListMembers visits the direct members of the group id: users,
	// groups (resolved by the Syncer) and other kinds. It returns an error
	// wrapping ErrInaccessible when the source will not list them.
	ListMembers(ctx context.Context, groupID string, visit func(Member) error) error
	// GetUser reads one user by its source id now, or returns an error
	// wrapping ErrNotFound when the source has no such (live) user.
	GetUser(ctx context.Context, id string) (User, error)
}

// User is a user as the source describes it.
type User struct {
	// ID is the source's stable id; it becomes the SCIM externalId and is
	// how the Syncer matches the user, never by name.
	ID string
	// UserName is the SCIM userName (for Google, the primary email).
	UserName string
	// GivenName and FamilyName become name.givenName and name.familyName.
	GivenName, FamilyName string
	// Email is the primary work email ("" for none).
	Email string
	// Active is false for a user who may not sign in (for Google,
	// suspended or archived).
	Active bool
	// Deleted marks a user the source reports as deleted.
	Deleted bool
}

// Group is a group as the source describes it.
type Group struct {
	// ID is the source's stable id (the SCIM externalId).
	ID string
	// Name becomes the SCIM displayName.
	Name string
}

// MemberKind says what a member of a group is.
type MemberKind int

// Member kinds.
const (
	// MemberUser is a user of the directory, named by its source id.
	MemberUser MemberKind = iota
	// MemberGroup is a nested group: its users are effective members.
	MemberGroup
	// MemberEveryone stands for every user of the directory (Google's
	// CUSTOMER member).
	MemberEveryone
	// MemberOther is anything else (an address outside the directory); it
	// is ignored.
	MemberOther
)

// Member is one direct member of a group.
type Member struct {
	// ID is the member's source id.
	ID string
	// Kind says what ID names.
	Kind MemberKind
}
