package store

import (
	"context"
	"errors"
	"strings"
)

// Membership references. A member value (RFC 7643 §4.2 "members.value")
// must name a resource of the write's tenant whose type the members
// attribute allows: the resource types its "$ref" sub-attribute lists in
// referenceTypes ("User" and "Group" for the core Group schema), else those
// its "type" sub-attribute lists as canonical values, else any type. A
// group never contains itself. Longer cycles (A in B, B in A) are allowed:
// the membership index keeps direct memberships only (a user's "groups"
// values are all of type "direct") and nothing expands them, so a cycle
// loops nothing, and refusing it would mean a graph walk under locks on
// every add.
//
// Every scimkit backend resolves the values a write adds once, inside the
// write's transaction, before anything is changed, and holds what it found
// until the write commits (a lock), so that a concurrent Delete cannot
// leave a group listing a member that no longer exists: a value that does
// not resolve never enters the membership index and produces no event. A
// member of another tenant resolves exactly like a value that names
// nothing. What happens to such values is the write's RefPolicy, carried
// by its context (WithRefPolicy).

// ErrUnresolved means a write named member values that resolve to no
// resource the members attribute allows, and its RefPolicy is
// RejectUnresolved. The error is an *UnresolvedError naming the values;
// the HTTP layer answers 400 invalidValue. Nothing was written.
var ErrUnresolved = errors.New("member value names no resource")

// UnresolvedError is the error of a write refused under RejectUnresolved.
type UnresolvedError struct {
	// Attr is the members attribute's name, "members".
	Attr string
	// Values are the member values that did not resolve, in request order.
	Values []string
	// Types are the resource types a member may be ("User", "Group"); nil
	// means any type.
	Types []string
}

// Error names the attribute and the values that resolve to nothing.
func (e *UnresolvedError) Error() string {
	return e.Attr + ": " + strings.Join(e.Values, ", ") + ": " + ErrUnresolved.Error()
}

// Unwrap returns ErrUnresolved.
func (e *UnresolvedError) Unwrap() error { return ErrUnresolved }

// RefPolicy says what a write does with member values that do not resolve.
type RefPolicy int

const (
	// DropUnresolved (the default) leaves them out: the write succeeds
	// with the members that resolve, and the values left out are reported
	// in the RefReport of the write's context. An IdP that reads a group,
	// then sends a PATCH naming a member deleted meanwhile, gets its other
	// changes applied instead of a 400 it would retry forever.
	DropUnresolved RefPolicy = iota
	// RejectUnresolved fails the whole write with an *UnresolvedError.
	RejectUnresolved
)

// RefReport receives what one write made with WithRefPolicy left out.
// Give each write its own report, and read it after the write returned.
type RefReport struct {
	// Dropped are the member values the write left out (DropUnresolved),
	// in request order; nil when none. The write sets it, again on each
	// attempt when a backend retries it, so it tells what the attempt that
	// committed left out.
	Dropped []string
}

type refPolicyKey struct{}

type refPolicy struct {
	policy RefPolicy
	report *RefReport
}

// WithRefPolicy returns a context whose writes apply p to member values
// that do not resolve and, when report is not nil, record in it the values
// they left out. Writes made without it apply DropUnresolved and report
// nothing.
func WithRefPolicy(ctx context.Context, p RefPolicy, report *RefReport) context.Context {
	return context.WithValue(ctx, refPolicyKey{}, refPolicy{p, report})
}

// RefPolicyFrom returns the RefPolicy and RefReport (nil when none) that
// ctx carries (WithRefPolicy): DropUnresolved and nil without them.
// Backends' write algorithms call it.
func RefPolicyFrom(ctx context.Context) (RefPolicy, *RefReport) {
	p, _ := ctx.Value(refPolicyKey{}).(refPolicy)
	return p.policy, p.report
}
