package hooks

import (
	"context"
	"fmt"
)

// IdentityChange says what a tenant wants to happen to a user's existing
// sessions when the IdP changes the user's effective groups
// (user.groups_changed), mirroring the "on identity change" setting of
// access products.
//
// Whatever the setting, the Directory always reflects the IdP's current
// groups, and group create/rename/delete is always passed to the GroupSink:
// the setting is about sessions, not about policy population.
type IdentityChange int

const (
	// Automatic updates silently: the Reauthenticator is not called, and
	// the gateway evaluates its policies against Directory.UserGroups on
	// every request, so a removed group stops granting access at the user's
	// next request and an added one grants it, without a new login.
	Automatic IdentityChange = iota
	// ForceReauth calls the Reauthenticator with the groups before and
	// after, so that the gateway makes the user log in again (and evaluates
	// the policies at that login against the new groups).
	ForceReauth
	// NoAction leaves existing sessions as they were issued: the
	// Reauthenticator is not called, and the gateway keeps evaluating a
	// session against the groups captured when it was issued, so the IdP's
	// change applies at the user's next login. Only deprovisioning
	// (RevokeOnDeprovision) and the user's active flag end such a session
	// early. Access does exactly what it does for Automatic; the
	// difference is in how the gateway evaluates sessions, which it learns
	// from Access.Policy.
	NoAction
)

// String returns "automatic", "reauth" or "noaction".
func (c IdentityChange) String() string {
	switch c {
	case Automatic:
		return "automatic"
	case ForceReauth:
		return "reauth"
	case NoAction:
		return "noaction"
	}
	return fmt.Sprintf("IdentityChange(%d)", int(c))
}

// ParseIdentityChange parses the String form of an IdentityChange
// ("automatic", "reauth" or "noaction").
func ParseIdentityChange(s string) (IdentityChange, error) {
	for _, c := range []IdentityChange{Automatic, ForceReauth, NoAction} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("hooks: unknown identity change policy %q (want automatic, reauth or noaction)", s)
}

// Policy is one tenant's access policy for provisioning changes.
type Policy struct {
	// RevokeOnDeprovision calls the Revoker when a user is deactivated
	// (active set to false) or deleted. When false, nothing is revoked
	// and existing sessions end only through the gateway's own checks
	// (Directory.Active, or UserGroups which is empty for a deactivated
	// user).
	RevokeOnDeprovision bool
	// OnGroupChange says what a change of a user's effective groups does
	// to the user's sessions.
	OnGroupChange IdentityChange
}

// DefaultPolicy returns the policy of every tenant when AccessConfig.Policy
// is nil: revoke on deprovision, and force re-authentication when groups
// change. (A function rather than a variable, so that no package-level
// setting changes behaviour behind a caller's back.)
func DefaultPolicy() Policy {
	return Policy{RevokeOnDeprovision: true, OnGroupChange: ForceReauth}
}

// policyFunc returns the policy source of cfg: DefaultPolicy for every
// tenant when f is nil.
func policyFunc(f func(ctx context.Context, tenant string) (Policy, error)) func(ctx context.Context, tenant string) (Policy, error) {
	if f != nil {
		return f
	}
	return func(context.Context, string) (Policy, error) { return DefaultPolicy(), nil }
}
