package hooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/scimkit/scimkit/store"
)

// Revocation asks a gateway to end a user's access: sessions, refresh and
// device tokens, API keys, whatever it issued.
type Revocation struct {
	// Tenant, UserID and ExternalID identify the user.
	Tenant, UserID, ExternalID string
	// Reason is "deactivated" or "deleted" for a SCIM deprovisioning;
	// revocations received as security events (package ssf) give the
	// event's name, e.g. "session-revoked".
	Reason string
	// EventID is the id of the event that caused the revocation; it is
	// the same on every redelivery, so revokers can drop duplicates by it.
	EventID string
	// Time is when the deprovisioning was committed. A revoker should end
	// what was issued up to Time: a credential issued later was issued
	// after a new check (for example after a reactivation), and a late
	// redelivery must not end it.
	Time time.Time
}

// Revoker ends a user's access. Delivery is at least once: Revoke may be
// called more than once for the same Revocation (same EventID), and must be
// idempotent. An error makes the dispatcher retry the event (wrap it with
// Permanent to give up at once).
type Revoker interface {
	// Revoke ends the access of the user r names.
	Revoke(ctx context.Context, r Revocation) error
}

// RevokerFunc adapts a function to a Revoker.
type RevokerFunc func(ctx context.Context, r Revocation) error

// Revoke calls f.
func (f RevokerFunc) Revoke(ctx context.Context, r Revocation) error { return f(ctx, r) }

// Reauth asks a gateway to make a user authenticate again because the
// user's effective groups changed.
type Reauth struct {
	// Tenant and UserID identify the user.
	Tenant, UserID string
	// Before and After are the user's effective group ids before and after
	// the change, sorted. After is the directory's state when the event is
	// handled (empty for a deactivated or deleted user), so a late event
	// never grants more than the IdP currently does; Before is After with
	// the event's additions taken out and its removals put back.
	Before, After []string
	// EventID is the id of the user.groups_changed event (the same on
	// every redelivery).
	EventID string
	// Time is when the change was committed. Sessions issued after it
	// were issued with the new groups already in force; a gateway should
	// make only the earlier ones re-authenticate, or a late delivery would
	// interrupt a login that already saw the change.
	Time time.Time
}

// Reauthenticator makes a user authenticate again. Delivery is at least
// once: Reauthenticate may be called more than once for one change (same
// EventID) and must be idempotent. An error makes the dispatcher retry.
type Reauthenticator interface {
	// Reauthenticate makes the user r names authenticate again.
	Reauthenticate(ctx context.Context, r Reauth) error
}

// ReauthenticatorFunc adapts a function to a Reauthenticator.
type ReauthenticatorFunc func(ctx context.Context, r Reauth) error

// Reauthenticate calls f.
func (f ReauthenticatorFunc) Reauthenticate(ctx context.Context, r Reauth) error { return f(ctx, r) }

// Kinds of GroupChange.
const (
	GroupKindCreated = "created"
	GroupKindRenamed = "renamed"
	GroupKindDeleted = "deleted"
)

// GroupChange tells an external policy store that a group was created,
// renamed or deleted. Policies should refer to GroupID, which never
// changes; DisplayName is for people.
type GroupChange struct {
	// Tenant, GroupID and ExternalID identify the group.
	Tenant, GroupID, ExternalID string
	// DisplayName is the group's name after the change (for deleted, its
	// last name); OldDisplayName is set for renamed.
	DisplayName, OldDisplayName string
	// Kind is GroupKindCreated, GroupKindRenamed or GroupKindDeleted.
	Kind string
	// EventID is the id of the event (the same on every redelivery).
	EventID string
}

// GroupSink receives group changes for an external policy store. Delivery
// is at least once and in order per group; GroupChanged must be idempotent.
type GroupSink interface {
	// GroupChanged applies c to the policy store.
	GroupChanged(ctx context.Context, c GroupChange) error
}

// GroupSinkFunc adapts a function to a GroupSink.
type GroupSinkFunc func(ctx context.Context, c GroupChange) error

// GroupChanged calls f.
func (f GroupSinkFunc) GroupChanged(ctx context.Context, c GroupChange) error { return f(ctx, c) }

// AccessConfig configures NewAccess.
type AccessConfig struct {
	// Directory computes the groups after a change. Required when
	// Reauthenticator is set.
	Directory *Directory
	// Revoker, Reauthenticator and Groups receive the access events; any
	// may be nil, and the corresponding events are then ignored.
	Revoker Revoker
	// Reauthenticator receives user.groups_changed events; see Revoker.
	Reauthenticator Reauthenticator
	// Groups receives group create, rename and delete events; see Revoker.
	Groups GroupSink
	// Policy returns a tenant's policy; nil means DefaultPolicy for every
	// tenant. An error makes the dispatcher retry the event.
	Policy func(ctx context.Context, tenant string) (Policy, error)
	// Receipts keeps revocation receipts; nil means a new MemoryReceipts
	// with the default limit.
	Receipts ReceiptStore
	// Now returns the current time for receipts; nil means time.Now.
	Now func() time.Time
	// MeterProvider receives MetricRevocationLatency (scope
	// InstrumentationName); nil means otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
}

// Access turns store events into the access features: revocation on
// deprovisioning, re-authentication on group changes and group changes
// for an external policy store. Register it with a Dispatcher as a
// Handler. It is safe for concurrent use.
//
//   - user.deactivated, user.deleted: Revoker.Revoke, if the tenant's policy
//     says RevokeOnDeprovision, with a Receipt recorded per event;
//   - user.groups_changed: Reauthenticator.Reauthenticate, if the tenant's
//     policy says ForceReauth and the user's effective groups really
//     differ (see Reauth for Before and After);
//   - group.created, group.renamed, group.deleted: Groups.GroupChanged,
//     whatever the policy.
//
// Every other event is accepted and ignored.
type Access struct {
	dir      *Directory
	revoker  Revoker
	reauth   Reauthenticator
	groups   GroupSink
	policy   func(ctx context.Context, tenant string) (Policy, error)
	receipts ReceiptStore
	now      func() time.Time
	latency  metric.Float64Histogram // MetricRevocationLatency
}

var _ Handler = (*Access)(nil)

// NewAccess checks cfg and returns an Access.
func NewAccess(cfg AccessConfig) (*Access, error) {
	if cfg.Reauthenticator != nil && cfg.Directory == nil {
		return nil, errors.New("hooks: AccessConfig.Directory is required with a Reauthenticator")
	}
	a := &Access{dir: cfg.Directory, revoker: cfg.Revoker, reauth: cfg.Reauthenticator, groups: cfg.Groups,
		policy: policyFunc(cfg.Policy), receipts: cfg.Receipts, now: cfg.Now}
	if a.receipts == nil {
		a.receipts = NewMemoryReceipts(0)
	}
	if a.now == nil {
		a.now = time.Now
	}
	var err error
	if a.latency, err = newRevocationLatency(cfg.MeterProvider); err != nil {
		return nil, fmt.Errorf("hooks: metrics: %w", err)
	}
	return a, nil
}

// Policy returns the policy of tenant, as configured. Gateways call it to
// decide how to evaluate existing sessions (see IdentityChange).
func (a *Access) Policy(ctx context.Context, tenant string) (Policy, error) {
	return a.policy(ctx, tenant)
}

// Receipts returns the revocation receipts of a user, oldest first.
func (a *Access) Receipts(ctx context.Context, tenant, userID string) ([]Receipt, error) {
	return a.receipts.Receipts(ctx, tenant, userID)
}

// HandleEvent implements Handler. An error means the event should be
// delivered again.
func (a *Access) HandleEvent(ctx context.Context, ev store.Event) error {
	switch ev.Type {
	case store.UserDeactivated:
		return a.revoke(ctx, ev, "deactivated")
	case store.UserDeleted:
		return a.revoke(ctx, ev, "deleted")
	case store.UserGroupsChanged:
		return a.groupsChanged(ctx, ev)
	case store.GroupCreated:
		return a.groupChanged(ctx, ev, GroupKindCreated)
	case store.GroupRenamed:
		return a.groupChanged(ctx, ev, GroupKindRenamed)
	case store.GroupDeleted:
		return a.groupChanged(ctx, ev, GroupKindDeleted)
	}
	return nil
}

func (a *Access) revoke(ctx context.Context, ev store.Event, reason string) error {
	return a.Revoke(ctx, Revocation{Tenant: ev.Tenant, UserID: ev.ResourceID, ExternalID: ev.ExternalID,
		Reason: reason, EventID: ev.ID, Time: ev.Time})
}

// Revoke revokes through the same path as a SCIM deprovisioning: if the
// tenant's policy says RevokeOnDeprovision, it calls the configured
// Revoker once per r.EventID (a receipt records each attempt and the
// completion; a completed EventID is not revoked again). So *Access is
// itself a Revoker, for revocations that come from elsewhere (security
// events received by package ssf). Without a configured Revoker it does
// nothing.
func (a *Access) Revoke(ctx context.Context, r Revocation) error {
	if a.revoker == nil {
		return nil
	}
	p, err := a.policy(ctx, r.Tenant)
	if err != nil {
		return fmt.Errorf("hooks: policy of tenant %q: %w", r.Tenant, err)
	}
	if !p.RevokeOnDeprovision {
		return nil
	}
	ev := store.Event{ID: r.EventID, Tenant: r.Tenant, ResourceID: r.UserID}
	rc, done, err := a.receipt(ctx, ev, r.Reason)
	if err != nil || done {
		return err
	}
	rerr := a.revoker.Revoke(ctx, r)
	outcome := "ok"
	if rerr != nil {
		rc.LastError, outcome = rerr.Error(), "error"
	} else {
		rc.Completed, rc.LastError = a.now(), ""
	}
	if !r.Time.IsZero() {
		a.latency.Record(ctx, a.now().Sub(r.Time).Seconds(), metric.WithAttributes(attribute.String("outcome", outcome)))
	}
	if err := a.receipts.Record(ctx, rc); err != nil && rerr == nil {
		return fmt.Errorf("hooks: record receipt of event %s: %w", r.EventID, err)
	}
	if rerr != nil {
		return fmt.Errorf("hooks: revoke user %s: %w", r.UserID, rerr)
	}
	return nil
}

var _ Revoker = (*Access)(nil)

// receipt records the start of one revocation attempt and returns the
// receipt to complete; done reports that an earlier delivery of the event
// already completed it, so the Revoker is not called again.
func (a *Access) receipt(ctx context.Context, ev store.Event, reason string) (rc Receipt, done bool, err error) {
	prior, err := a.receipts.Receipts(ctx, ev.Tenant, ev.ResourceID)
	if err != nil {
		return rc, false, fmt.Errorf("hooks: receipts of user %s: %w", ev.ResourceID, err)
	}
	if i := slices.IndexFunc(prior, func(r Receipt) bool { return r.EventID == ev.ID }); i >= 0 {
		rc = prior[i]
	} else {
		rc = Receipt{EventID: ev.ID, Tenant: ev.Tenant, UserID: ev.ResourceID, Reason: reason, Requested: a.now()}
	}
	if !rc.Completed.IsZero() {
		return rc, true, nil
	}
	rc.Attempts++
	if err := a.receipts.Record(ctx, rc); err != nil {
		return rc, false, fmt.Errorf("hooks: record receipt of event %s: %w", ev.ID, err)
	}
	return rc, false, nil
}

func (a *Access) groupsChanged(ctx context.Context, ev store.Event) error {
	if a.reauth == nil {
		return nil
	}
	p, err := a.policy(ctx, ev.Tenant)
	if err != nil {
		return fmt.Errorf("hooks: policy of tenant %q: %w", ev.Tenant, err)
	}
	if p.OnGroupChange != ForceReauth {
		return nil
	}
	after, err := a.dir.UserGroups(ctx, ev.Tenant, ev.ResourceID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	before := beforeGroups(after, ev.GroupsAdded, ev.GroupsRemoved)
	if slices.Equal(before, after) {
		return nil
	}
	if after == nil {
		after = []string{}
	}
	err = a.reauth.Reauthenticate(ctx, Reauth{Tenant: ev.Tenant, UserID: ev.ResourceID, Before: before, After: after,
		EventID: ev.ID, Time: ev.Time})
	if err != nil {
		return fmt.Errorf("hooks: reauthenticate user %s: %w", ev.ResourceID, err)
	}
	return nil
}

// beforeGroups reconstructs the groups before a change from the groups
// after it: after minus added plus removed, sorted and distinct.
func beforeGroups(after, added, removed []string) []string {
	out := make([]string, 0, len(after)+len(removed))
	for _, g := range after {
		if !slices.Contains(added, g) {
			out = append(out, g)
		}
	}
	out = append(out, removed...)
	slices.Sort(out)
	return slices.Compact(out)
}

func (a *Access) groupChanged(ctx context.Context, ev store.Event, kind string) error {
	if a.groups == nil {
		return nil
	}
	c := GroupChange{Tenant: ev.Tenant, GroupID: ev.ResourceID, ExternalID: ev.ExternalID,
		DisplayName: ev.DisplayName, OldDisplayName: ev.OldDisplayName, Kind: kind, EventID: ev.ID}
	if err := a.groups.GroupChanged(ctx, c); err != nil {
		return fmt.Errorf("hooks: group %s %s: %w", ev.ResourceID, kind, err)
	}
	return nil
}
