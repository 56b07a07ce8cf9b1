package backend

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/scimkit/scimkit/schema"
)

// RenderCache keeps the default-projection renderings of stored resources
// (what EncodedPageBuilder records), so that a resource listed again is
// copied instead of rendered again: rendering a page of typical users is
// most of what a list request costs a store. The Kubernetes apiserver
// keeps an object's serialisation per resourceVersion the same way.
//
// An entry is keyed by the row's sequence number, which a store assigns
// once, when it creates the resource, and never again (a resource deleted
// and created again has a new one), and is served only to a read whose
// row carries the same RenderStamp: tenant, resource type and version.
// Every write that changes a stored document gives it a new version
// (RunUpdate), so a stale rendering is never served, whatever replica or
// process wrote. Entries are added only by reads, from rows they read
// outside any write transaction, so what a rolled-back write wrote never
// gets in.
//
// The cache is bounded in bytes (its renderings plus a fixed overhead per
// entry): adding beyond the bound evicts entries not used since the clock
// hand last passed them (the CLOCK approximation of least recently used).
// Once full, it admits a rendering only of a row it was offered before
// (Admits; a doorkeeper: a small table per shard remembering the last
// rows refused), so that a working set larger than the bound (random pages
// over 100,000 users) does not turn every miss into an eviction and a
// copy: rows read once are rendered as without a cache, rows read again
// replace those not used since. Hits and misses are counted (Warm), so
// that a store reads a page's documents with a second statement only
// while most of its rows hit.
//
// Its methods are safe for concurrent use; a nil *RenderCache caches
// nothing.
type RenderCache struct {
	shards [renderShards]renderShard
	// hits and misses of recent Gets, halved every warmWindow lookups.
	hits, misses atomic.Int64
}

// RenderStamp is what a cached rendering must match to be served: the
// row's tenant, the resource type it was rendered for (its schemas decide
// the projection; compared by pointer) and the row's version.
type RenderStamp struct {
	Tenant  string
	Type    *schema.ResourceType
	Version int64
}

// DefaultRenderCacheSize is the size, in bytes, of the RenderCache of a
// store whose Config leaves it zero: about 27,000 typical users (1.2 KiB each, as counted).
const DefaultRenderCacheSize = 32 << 20

// RenderCacheSize turns a store Config's size field into a cache size:
// zero means DefaultRenderCacheSize, negative means no cache (0).
func RenderCacheSize(n int64) int64 {
	switch {
	case n == 0:
		return DefaultRenderCacheSize
	case n < 0:
		return 0
	}
	return n
}

// NewRenderCache returns a cache holding up to maxBytes, or nil (no
// cache) when maxBytes is not positive.
func NewRenderCache(maxBytes int64) *RenderCache {
	if maxBytes <= 0 {
		return nil
	}
	c := &RenderCache{}
	for i := range c.shards {
		c.shards[i] = renderShard{limit: maxBytes / renderShards, index: map[int64]int32{}}
	}
	return c
}

// renderShards spreads the entries over locks; a power of two.
const renderShards = 16

// entryOverhead is what an entry costs besides its rendering: the slot,
// the index entry and the slice's allocation rounding, roughly.
const entryOverhead = 96

// Rendered is what a RenderCache keeps of a resource: its rendered
// attributes (EncodedPage.Members); for a store that reads them from the
// same document, its schemas (else nil); and for a store whose page
// statement reads only sequence and version when it can, Head, the
// resource without attributes (ID, ExternalID, Schemas, Meta), else nil;
// and Encoded, the resource's common attributes encoded (zero when not
// known), which EncodedPage.Heads serves. None of them may be modified.
type Rendered struct {
	Members []byte
	Schemas []string
	Head    *schema.Resource
	Encoded schema.EncodedHead
}

// headOverhead is what a Head costs besides its strings, roughly.
const headOverhead = 160

// Admits reports whether the cache would keep a rendering of the row seq
// that it does not hold: while it has room for one more typical
// rendering, yes; once full, only a row it was offered before (the
// doorkeeper, see RenderCache), and the offer is remembered. A store asks
// once per rendering it makes, before building what the cache keeps with
// it, and Puts only what was admitted.
func (c *RenderCache) Admits(seq int64) bool {
	if c == nil {
		return false
	}
	return c.shard(seq).admits(seq)
}

func (s *renderShard) admits(seq int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bytes+typicalEntrySize <= s.limit {
		return true
	}
	if _, held := s.index[seq]; held {
		return true // another version: replacing it evicts nothing
	}
	slot := &s.refused[uint64(seq)/renderShards%refusedSlots]
	if *slot != seq+1 { // +1: the zero value names no row
		*slot = seq + 1
		return false
	}
	*slot = 0
	return true
}

// typicalEntrySize is what a typical user's entry is counted for: its
// rendering, head and overheads (1,237 bytes measured for
// storetest.TypicalUser), rounded up.
const typicalEntrySize = 1280

// Get returns the rendering of the row seq when the cache holds one made
// for stamp.
func (c *RenderCache) Get(seq int64, stamp RenderStamp) (Rendered, bool) {
	if c == nil {
		return Rendered{}, false
	}
	return c.lookup(seq, stamp, 1)
}

// lookup is Get counting its outcome weight times (a lookup sampled from
// weight rows, see EncodedPageBuilder).
func (c *RenderCache) lookup(seq int64, stamp RenderStamp, weight int64) (Rendered, bool) {
	r, ok := c.shard(seq).get(seq, stamp)
	c.count(ok, weight)
	return r, ok
}

// warmWindow is about how many recent lookups Warm judges by.
const warmWindow = 4096

// count records a lookup's outcome, weight times; every warmWindow
// lookups both counts are halved, so that Warm follows what pages read
// now.
func (c *RenderCache) count(hit bool, weight int64) {
	var n int64
	if hit {
		n = c.hits.Add(weight) + c.misses.Load()
	} else {
		n = c.misses.Add(weight) + c.hits.Load()
	}
	if n >= warmWindow {
		c.hits.Store(c.hits.Load() / 2)
		c.misses.Store(c.misses.Load() / 2)
	}
}

// Warm reports whether at least half of the recent lookups hit, or too
// few have been made to judge (warmMinimum): a store then reads a page's
// sequence numbers first and the documents of its misses only, which
// costs a second statement when pages mostly miss.
func (c *RenderCache) Warm() bool {
	if c == nil {
		return false
	}
	h, m := c.hits.Load(), c.misses.Load()
	return h >= m || h+m < warmMinimum
}

// warmMinimum is how many lookups Warm needs before it judges a cache
// cold: a new cache's first pages all miss.
const warmMinimum = 512

// Put keeps a copy of r, the rendering of the row seq read with stamp,
// unless the cache holds one of a later version of that row or r alone
// exceeds a shard's share of the bound.
func (c *RenderCache) Put(seq int64, stamp RenderStamp, r Rendered) {
	if c == nil {
		return
	}
	c.shard(seq).put(seq, stamp, r)
}

// Len returns the number of entries and the bytes they are counted for.
func (c *RenderCache) Len() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		entries += len(s.index)
		bytes += s.bytes
		s.mu.Unlock()
	}
	return entries, bytes
}

func (c *RenderCache) shard(seq int64) *renderShard {
	return &c.shards[uint64(seq)%renderShards]
}

// renderShard is one lock's part of a RenderCache: entries in slots of
// ring, found by index, evicted by the clock hand.
type renderShard struct {
	mu    sync.Mutex
	index map[int64]int32 // seq → slot in ring
	ring  []renderEntry
	free  []int32 // empty slots of ring
	hand  int
	bytes int64
	limit int64
	// refused remembers the rows last refused while the shard was full,
	// one per slot (seq/renderShards % refusedSlots, +1 so that zero names
	// none): a row offered again is admitted.
	refused [refusedSlots]int64
}

// refusedSlots is the size of a shard's doorkeeper table.
const refusedSlots = 1024

// renderEntry is a slot of the ring; data.Members is nil in an empty
// slot.
type renderEntry struct {
	seq   int64
	stamp RenderStamp
	data  Rendered
	size  int64
	used  bool // served since the hand last passed
}

func (s *renderShard) get(seq int64, stamp RenderStamp) (Rendered, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[seq]
	if !ok {
		return Rendered{}, false
	}
	e := &s.ring[i]
	if e.stamp != stamp {
		return Rendered{}, false
	}
	e.used = true
	return e.data, true
}

func (s *renderShard) put(seq int64, stamp RenderStamp, r Rendered) {
	size := int64(len(r.Members)) + entryOverhead
	for _, sc := range r.Schemas {
		size += int64(len(sc)) + 16
	}
	if h := r.Head; h != nil {
		size += headOverhead + int64(len(h.ID)+len(h.ExternalID)+len(h.Meta.Version))
		for _, sc := range h.Schemas {
			size += int64(len(sc)) + 16
		}
	}
	size += int64(r.Encoded.Len())
	if size > s.limit {
		return
	}
	kept := Rendered{Members: make([]byte, len(r.Members)), Schemas: slices.Clone(r.Schemas), Head: r.Head, Encoded: r.Encoded}
	copy(kept.Members, r.Members) // outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[seq]; ok {
		old := &s.ring[i]
		if old.stamp.Tenant == stamp.Tenant && old.stamp.Type == stamp.Type &&
			(old.stamp.Version > stamp.Version || old.stamp.Version == stamp.Version && old.data.complete(r)) {
			return // newer, or as new and as complete: a read of an older snapshot must not replace it
		}
		s.remove(i)
	}
	for s.bytes+size > s.limit {
		s.evict()
	}
	var i int32
	if n := len(s.free); n > 0 {
		i, s.free = s.free[n-1], s.free[:n-1]
	} else {
		i = int32(len(s.ring))
		s.ring = append(s.ring, renderEntry{})
	}
	s.ring[i] = renderEntry{seq: seq, stamp: stamp, data: kept, size: size}
	s.index[seq] = i
	s.bytes += size
}

// complete reports whether r holds everything other holds: a rendering
// of the same version replaces r only when it holds more.
func (r *Rendered) complete(other Rendered) bool {
	return (r.Head != nil || other.Head == nil) && (!r.Encoded.IsZero() || other.Encoded.IsZero())
}

// remove empties slot i.
func (s *renderShard) remove(i int32) {
	e := &s.ring[i]
	delete(s.index, e.seq)
	s.bytes -= e.size
	*e = renderEntry{}
	s.free = append(s.free, i)
}

// evict removes one entry: the first the hand reaches that was not used
// since it last passed (clearing the marks it passes). The shard holds at
// least one entry.
func (s *renderShard) evict() {
	for {
		if s.hand >= len(s.ring) {
			s.hand = 0
		}
		i := s.hand
		s.hand++
		e := &s.ring[i]
		switch {
		case e.data.Members == nil:
		case e.used:
			e.used = false
		default:
			s.remove(int32(i))
			return
		}
	}
}
