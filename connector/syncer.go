package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Defaults of Config.
const (
	// DefaultMaxDeprovisionShare is the share of the users a connector owns
	// that one run may deactivate or delete before the guard stops it.
	DefaultMaxDeprovisionShare = 0.2
	// DefaultDeprovisionFloor is how many users a run may always deactivate
	// or delete, whatever their share.
	DefaultDeprovisionFloor = 2
	// DefaultConcurrency is how many member listings run at once.
	DefaultConcurrency = 4
)

// ErrMassDeprovision is returned (wrapped, with the numbers) by a run that
// would deactivate or delete more users than Config.MaxDeprovisionShare
// allows; the run changed nothing and Result.Blocked lists what it would
// have done.
var ErrMassDeprovision = errors.New("connector: mass deprovisioning guard tripped")

// Config configures a Syncer. Store, Tenant and Source are required; the
// zero value of every other field is a documented default.
type Config struct {
	// Store is where users and groups are written, through its ordinary
	// write path (so every change records its events). It must also
	// implement store.States, where the Syncer keeps which resources it
	// owns and its last run.
	Store store.Store
	// Tenant is the tenant the source feeds.
	Tenant string
	// Source is the directory to pull from.
	Source Source
	// Name names the connector: its state keys start with
	// "connector/<Name>/" and its writes carry the actor "connector:<Name>"
	// in their events. Default "source". Two connectors feeding one
	// tenant need different names.
	Name string
	// Users and Groups are the resource types written (default
	// schema.UserResourceType and schema.GroupResourceType).
	Users, Groups *schema.ResourceType
	// MaxDeprovisionShare is the largest share (0 to 1) of the users the
	// connector owns that one full run may deactivate or delete, and of
	// the groups it owns that one run may delete; a run that would do more
	// stops before any write and returns ErrMassDeprovision. 0 means DefaultMaxDeprovisionShare; a negative
	// value disables the guard. A single-user change (SyncUser) is never
	// guarded.
	MaxDeprovisionShare float64
	// DeprovisionFloor is how many deprovisionings a run may always make
	// (so a small directory can lose a user). 0 means
	// DefaultDeprovisionFloor; negative means none.
	DeprovisionFloor int
	// DeletePolicy is store.DeletePolicyHard or store.DeletePolicySoft for
	// a user or group deleted in the source; "" reads the tenant's record
	// (store.Tenants) on each run, and is hard without one. Soft needs a
	// store implementing store.Tombstones.
	DeletePolicy string
	// Concurrency bounds the member listings run at once (default
	// DefaultConcurrency).
	Concurrency int
	// Logger receives warnings (skipped groups, refused users); default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Syncer reconciles one tenant's store with a Source. It matches
// resources by externalId (the source's id), never by name, and touches
// only the resources it owns: those it created or matched by externalId,
// recorded in the store's States. Resources provisioned otherwise (SCIM
// push) in the same tenant are left alone. Every change goes through
// Store.Create, Update or Delete, so it records the same events (and runs
// the same hooks: user.deactivated → revocation, user.groups_changed →
// re-authentication) as a SCIM request would.
//
// Methods are safe for concurrent use: full and group runs are
// serialised, and of two reads of one user the newer is applied, whatever
// order they finish in.
type Syncer struct {
	cfg    Config
	states store.States
	actor  string
	prefix string

	runMu sync.Mutex // one Sync or SyncGroups at a time
	mu    sync.Mutex // serialises the writes of users and guards reads
	reads map[string]time.Time
}

// New checks cfg and returns a Syncer.
func New(cfg Config) (*Syncer, error) {
	if cfg.Store == nil || cfg.Source == nil || cfg.Tenant == "" {
		return nil, errors.New("connector: Config.Store, Config.Source and Config.Tenant are required")
	}
	states, ok := cfg.Store.(store.States)
	if !ok {
		return nil, errors.New("connector: Config.Store does not implement store.States (every scimkit backend does)")
	}
	switch cfg.DeletePolicy {
	case "", store.DeletePolicyHard, store.DeletePolicySoft:
	default:
		return nil, fmt.Errorf("connector: unknown Config.DeletePolicy %q (hard, soft)", cfg.DeletePolicy)
	}
	if _, ok := cfg.Store.(store.Tombstones); !ok && cfg.DeletePolicy == store.DeletePolicySoft {
		return nil, errors.New("connector: Config.DeletePolicy soft needs a store implementing store.Tombstones")
	}
	if cfg.Name == "" {
		cfg.Name = "source"
	}
	if cfg.Users == nil {
		cfg.Users = schema.UserResourceType()
	}
	if cfg.Groups == nil {
		cfg.Groups = schema.GroupResourceType()
	}
	if cfg.MaxDeprovisionShare == 0 {
		cfg.MaxDeprovisionShare = DefaultMaxDeprovisionShare
	}
	if cfg.MaxDeprovisionShare > 1 {
		return nil, fmt.Errorf("connector: Config.MaxDeprovisionShare %g is above 1", cfg.MaxDeprovisionShare)
	}
	if cfg.DeprovisionFloor == 0 {
		cfg.DeprovisionFloor = DefaultDeprovisionFloor
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Syncer{cfg: cfg, states: states, actor: "connector:" + cfg.Name,
		prefix: "connector/" + cfg.Name + "/", reads: map[string]time.Time{}}, nil
}

// Sync runs one full reconciliation: it reads every user, group and
// membership from the source, then creates, updates, deactivates and
// deletes what differs. Nothing is written unless every read succeeded
// (a group whose members the source refuses, ErrInaccessible, is skipped
// with a warning and keeps its stored members), and nothing is written
// when the guard trips (ErrMassDeprovision). Writes that fail are
// reported in the Result and the returned error; the others stand, each
// being correct on its own. A run that changes nothing writes nothing and
// records no events.
func (s *Syncer) Sync(ctx context.Context) (*Result, error) {
	return s.run(ctx, true)
}

// SyncGroups reconciles groups and memberships only (the poll between full
// runs): users are not listed; members are mapped through the users the
// connector already owns.
func (s *Syncer) SyncGroups(ctx context.Context) (*Result, error) {
	return s.run(ctx, false)
}

func (s *Syncer) run(ctx context.Context, full bool) (*Result, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ctx = store.WithRequestInfo(ctx, store.RequestInfo{Actor: s.actor, RequestID: store.NewID()})
	res := &Result{Full: full, Started: s.cfg.Now()}
	defer func() { res.Finished = s.cfg.Now() }()
	snap, err := s.readSource(ctx, full)
	if err != nil {
		err = fmt.Errorf("connector %s: reading the source failed, nothing was changed: %w", s.cfg.Name, err)
		s.saveStatus(ctx, res, err)
		return res, err
	}
	res.Warnings = append(res.Warnings, snap.warnings...)
	cur, err := s.loadStore(ctx, full)
	if err != nil {
		err = fmt.Errorf("connector %s: reading the store failed, nothing was changed: %w", s.cfg.Name, err)
		s.saveStatus(ctx, res, err)
		return res, err
	}
	policy, err := s.deletePolicy(ctx)
	if err != nil {
		s.saveStatus(ctx, res, err)
		return res, err
	}
	var up usersPlan
	if full {
		up = s.planUsers(snap, cur)
	}
	if err := s.guard(up, snap, cur, res); err != nil {
		s.saveStatus(ctx, res, err)
		return res, err
	}
	// Deletions first: a deleted user's userName may now belong to a new
	// source user of this run.
	var errs []error
	if full {
		errs = append(errs, s.deleteUsers(ctx, snap.readAt, up.deletes, policy, res)...)
		errs = append(errs, s.applyUsers(ctx, snap.readAt, up.upserts, cur, res)...)
	}
	errs = append(errs, s.applyGroups(ctx, snap, cur, policy, res)...)
	err = nil
	if len(errs) > 0 {
		err = fmt.Errorf("connector %s: %d changes failed: %w", s.cfg.Name, len(errs), errors.Join(errs...))
	}
	s.saveStatus(ctx, res, err)
	return res, err
}

// deletePolicy returns the policy for deletions in this run.
func (s *Syncer) deletePolicy(ctx context.Context) (string, error) {
	policy := s.cfg.DeletePolicy
	if policy == "" {
		if ts, ok := s.cfg.Store.(store.Tenants); ok {
			rec, err := ts.GetTenant(ctx, s.cfg.Tenant)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return "", fmt.Errorf("connector %s: reading tenant %s: %w", s.cfg.Name, s.cfg.Tenant, err)
			default:
				policy = rec.DeletePolicy
			}
		}
	}
	if _, ok := s.cfg.Store.(store.Tombstones); !ok || policy != store.DeletePolicySoft {
		policy = store.DeletePolicyHard
	}
	return policy, nil
}

// fresh reports whether a read of the source user id that started at
// readAt is at least as new as the last one applied, and records it as
// applied when so. The caller holds s.mu.
func (s *Syncer) fresh(id string, readAt time.Time) bool {
	if readAt.Before(s.reads[id]) {
		return false
	}
	s.reads[id] = readAt
	return true
}
