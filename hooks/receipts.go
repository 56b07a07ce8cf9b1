package hooks

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Receipt records what became of one revocation: when it was first
// requested, when the Revoker last completed it, and how many times it was
// attempted (across redeliveries of the same event, which share EventID).
type Receipt struct {
	// EventID is the id of the user.deactivated or user.deleted event;
	// it identifies the receipt.
	EventID string
	// Tenant and UserID identify the user whose access was revoked.
	Tenant, UserID string
	// Reason is "deactivated" or "deleted".
	Reason string
	// Requested is when the Revoker was first called for the event.
	Requested time.Time
	// Completed is when the Revoker returned nil; zero while it has not.
	Completed time.Time
	// Attempts counts the calls of the Revoker for the event.
	Attempts int
	// LastError is the error of the last failed attempt ("" after success
	// or before any failure).
	LastError string
}

// ReceiptStore keeps revocation receipts. Implementations must be safe
// for concurrent use.
type ReceiptStore interface {
	// Record stores r, replacing the receipt with the same EventID if any.
	Record(ctx context.Context, r Receipt) error
	// Receipts returns the receipts of one user, oldest request first.
	Receipts(ctx context.Context, tenant, userID string) ([]Receipt, error)
}

// DefaultReceiptLimit is how many receipts a MemoryReceipts created with
// limit 0 keeps.
const DefaultReceiptLimit = 100_000

// MemoryReceipts is an in-memory ReceiptStore, safe for concurrent use.
// It keeps the most recently requested receipts up to its limit and loses
// them on restart; a gateway that must prove revocations after a restart
// provides a durable ReceiptStore.
type MemoryReceipts struct {
	mu     sync.Mutex
	limit  int
	byUser map[userKey][]Receipt
	order  []receiptKey // in order of first Record; oldest first
	head   int          // order[:head] are evicted slots
}

type userKey struct{ tenant, user string }

type receiptKey struct {
	user    userKey
	eventID string
}

var _ ReceiptStore = (*MemoryReceipts)(nil)

// NewMemoryReceipts returns an empty MemoryReceipts that keeps at most
// limit receipts (DefaultReceiptLimit when limit <= 0), evicting the
// oldest first.
func NewMemoryReceipts(limit int) *MemoryReceipts {
	if limit <= 0 {
		limit = DefaultReceiptLimit
	}
	return &MemoryReceipts{limit: limit, byUser: make(map[userKey][]Receipt)}
}

// Record implements ReceiptStore.
func (m *MemoryReceipts) Record(_ context.Context, r Receipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := userKey{r.Tenant, r.UserID}
	rs := m.byUser[k]
	if i := slices.IndexFunc(rs, func(x Receipt) bool { return x.EventID == r.EventID }); i >= 0 {
		rs[i] = r
		return nil
	}
	m.byUser[k] = append(rs, r)
	m.order = append(m.order, receiptKey{k, r.EventID})
	for len(m.order)-m.head > m.limit {
		m.evict(m.order[m.head])
		m.order[m.head] = receiptKey{}
		m.head++
	}
	if m.head > len(m.order)/2 && m.head > 1024 {
		m.order = slices.Clone(m.order[m.head:])
		m.head = 0
	}
	return nil
}

func (m *MemoryReceipts) evict(k receiptKey) {
	rs := slices.DeleteFunc(m.byUser[k.user], func(x Receipt) bool { return x.EventID == k.eventID })
	if len(rs) == 0 {
		delete(m.byUser, k.user)
		return
	}
	m.byUser[k.user] = rs
}

// Receipts implements ReceiptStore. The result is a copy.
func (m *MemoryReceipts) Receipts(_ context.Context, tenant, userID string) ([]Receipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.byUser[userKey{tenant, userID}]), nil
}
