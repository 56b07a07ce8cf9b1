package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/internal/backend"
)

// DefaultOutboxSize is the number of outbox events a Store keeps when
// Config.OutboxSize is zero.
const DefaultOutboxSize = 1 << 16

// Config configures a Store. Its zero value works.
type Config struct {
	// Now returns the current time; nil means time.Now. Times are stored in
	// UTC truncated to microseconds.
	Now func() time.Time
	// OutboxSize bounds the events kept for store.Outbox.Events, on top
	// of Retention, so that memory does not grow with the write rate: only
	// the OutboxSize most recent events are kept, even within
	// Retention.Window, beyond those a registered consumer (not
	// abandoned) still needs. A cursor older than what is kept gets
	// store.ErrExpired. Zero means DefaultOutboxSize; negative keeps no
	// events beyond what consumers need.
	OutboxSize int
	// Retention says how long events are kept (see store.Retention; its
	// zero value keeps them 7 days, within OutboxSize). The memory store
	// prunes as part of writes, at most once per Retention.Interval, by
	// dropping whole chunks without copying (Retention.Batch is unused);
	// a negative Interval leaves pruning by age to PruneEvents. Times are
	// judged by Now.
	Retention store.Retention
	// ProvisioningLogSize bounds the provisioning log (store.ProvisioningLog)
	// on top of its time-based Prune, so that a long load run does not grow
	// memory without bound: the most recent ProvisioningLogSize entries are
	// always kept, older ones dropped in batches (at most a quarter more
	// are held). Zero means DefaultProvisioningLogSize; negative keeps none.
	ProvisioningLogSize int
	// RenderCacheSize bounds, in bytes, the renderings of resources that
	// ListEncoded keeps so that a resource listed again is copied instead
	// of rendered (see store.EncodedLister). Each is checked against the
	// resource's version, so none is ever served stale. Zero means
	// DefaultRenderCacheSize; negative keeps none.
	RenderCacheSize int64
}

// DefaultRenderCacheSize is the RenderCacheSize of a zero Config: 32 MiB,
// about 27,000 typical users (1.2 KiB each, as counted).
const DefaultRenderCacheSize = backend.DefaultRenderCacheSize

// DefaultProvisioningLogSize is the number of provisioning log entries a
// Store keeps when Config.ProvisioningLogSize is zero: enough for an IdP's
// onboarding session to be recorded and replayed (conformance.Record), a
// few megabytes at most.
const DefaultProvisioningLogSize = 4096

// Store is an in-memory store.Store and store.Outbox. Create one with New.
// Its methods are safe for concurrent use.
type Store struct {
	st *state
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Outbox = (*Store)(nil)
)

// state is everything a Store holds, guarded by mu.
type state struct {
	mu      sync.RWMutex
	closed  bool
	now     func() time.Time
	seq     uint64 // creation sequence of records and memberships
	tenants map[string]*tenantData
	dict    dict
	enc     encoder // of writes (see encode)
	outbox  outbox
	admin   adminState // tenants, tokens, provisioning log (admin.go)
	// infos caches the typeInfo of each *schema.ResourceType seen, so that
	// callers holding different pointers for one type never rebuild or
	// race on a table's info (it is read under the read lock).
	infos sync.Map
	// renders caches ListEncoded's renderings (nil: none); safe under the
	// read lock.
	renders *backend.RenderCache
}

// typeInfo returns the cached typeInfo of rt; safe under the read lock.
func (st *state) typeInfo(rt *schema.ResourceType) *typeInfo {
	if v, ok := st.infos.Load(rt); ok {
		return v.(*typeInfo)
	}
	v, _ := st.infos.LoadOrStore(rt, newTypeInfo(rt))
	return v.(*typeInfo)
}

// New returns an empty store.
func New(cfg ...Config) *Store {
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	size := c.OutboxSize
	if size == 0 {
		size = DefaultOutboxSize
	}
	logSize := c.ProvisioningLogSize
	if logSize == 0 {
		logSize = DefaultProvisioningLogSize
	}
	ret, err := c.Retention.WithDefaults()
	if err != nil { // only a negative Batch, which the memory store does not use
		c.Retention.Batch = 0
		ret, _ = c.Retention.WithDefaults()
	}
	return &Store{st: &state{now: c.Now, tenants: map[string]*tenantData{}, dict: newDict(), outbox: outbox{max: size, ret: ret},
		admin: adminState{logMax: max(logSize, 0)}, renders: backend.NewRenderCache(backend.RenderCacheSize(c.RenderCacheSize))}}
}

// Close discards the store's contents; later calls return an error
// wrapping store.ErrClosed. Closing twice is not an error.
func (s *Store) Close() error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.closed = true
	s.st.tenants = nil
	return nil
}

// tx runs fn as one transaction: under the write lock when write is set,
// else under the read lock. Events fn returns are appended to the outbox
// only when fn succeeds. op names the operation in errors.
func (s *Store) tx(ctx context.Context, write bool, op string, fn func(st *state) ([]store.Event, error)) error {
	return s.txOn(ctx, write, txOp{verb: op}, fn)
}

// txOn is tx naming the operation with op, whose text is built only for
// an error: the reads and writes of resources name their type and id.
func (s *Store) txOn(ctx context.Context, write bool, op txOp, fn func(st *state) ([]store.Event, error)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	st := s.st
	if write {
		st.mu.Lock()
		defer st.mu.Unlock()
	} else {
		st.mu.RLock()
		defer st.mu.RUnlock()
	}
	if st.closed {
		return fmt.Errorf("memory: %s: %w", op, store.ErrClosed)
	}
	evs, err := fn(st)
	if err != nil {
		return fmt.Errorf("memory: %s: %w", op, err)
	}
	if write {
		st.outbox.append(evs, st.now())
	}
	return nil
}

// nowMicro returns the current time as stored: UTC, whole microseconds.
func (st *state) nowMicro() time.Time { return st.now().UTC().Truncate(time.Microsecond) }

// tenant returns the data of tenant t, creating it when create is set.
func (st *state) tenant(t string, create bool) *tenantData {
	td := st.tenants[t]
	if td == nil && create {
		td = newTenantData()
		st.tenants[t] = td
	}
	return td
}

// table returns the table of rt in tenant t, or nil.
func (st *state) table(t string, rt *schema.ResourceType, create bool) (*tenantData, *table) {
	td := st.tenant(t, create)
	if td == nil {
		return nil, nil
	}
	return td, td.table(st.typeInfo(rt), create)
}

// txOp names an operation in the errors of txOn: a verb, and the
// resource type and id it is about, if any.
type txOp struct {
	verb string
	rt   *schema.ResourceType
	id   string
}

func opName(verb string, rt *schema.ResourceType, id string) txOp {
	return txOp{verb: verb, rt: rt, id: id}
}

// String returns "verb", "verb Type" or "verb Type id".
func (o txOp) String() string {
	switch {
	case o.rt == nil:
		return o.verb
	case o.id == "":
		return o.verb + " " + o.rt.Name
	}
	return o.verb + " " + o.rt.Name + " " + o.id
}
