package memory

import (
	"hash/maphash"
	"slices"
	"sort"
	"sync/atomic"
	"time"
)

// tenantData is everything one tenant holds.
type tenantData struct {
	tables map[string]*table // by resource type name
	// groups holds the member set of every resource of a member type
	// (see typeInfo.members), by id.
	groups map[string]*memberSet
	// memberOf is the reverse membership index: member value → the groups
	// it belongs to, in the order it joined them.
	memberOf map[string][]membership
}

func newTenantData() *tenantData {
	return &tenantData{tables: map[string]*table{}, groups: map[string]*memberSet{}, memberOf: map[string][]membership{}}
}

// table returns the table of ti's resource type, or nil. It never writes
// to an existing table, so it is safe under the read lock: the returned
// table's info is the caller's ti, published atomically only when the type
// definition pointer changed.
func (td *tenantData) table(ti *typeInfo, create bool) *table {
	rt := ti.rt
	t := td.tables[rt.Name]
	if t == nil {
		if !create {
			return nil
		}
		t = &table{byID: map[uuid]*record{}, unique: map[string]*multiIndex{}}
		td.tables[rt.Name] = t
	}
	if cur := t.info.Load(); cur != ti {
		t.info.Store(ti)
	}
	return t
}

// record is one stored resource, in 80 bytes. Its schemas and attributes
// (without members and the derived groups) are kept in doc, in the compact
// encoding of codec.go.
type record struct {
	id                uuid
	ext               string
	seq               uint64
	version           int64
	created, modified int64 // Unix microseconds
	doc               string
}

// uuid is a resource id in binary form: the store assigns every id with
// store.NewID, a UUID (RFC 9562) in canonical lowercase form, so 16 bytes
// hold it instead of a 36-byte string and its header.
type uuid [16]byte

// parseUUID parses s in the form uuid.String returns, and nothing else (an
// id in another form names no resource of this store).
func parseUUID(s string) (uuid, bool) {
	var u uuid
	if !isUUID(s) {
		return u, false
	}
	j := 0
	for i := 0; i < len(s); {
		if s[i] == '-' {
			i++
			continue
		}
		u[j] = unhex(s[i])<<4 | unhex(s[i+1])
		i, j = i+2, j+1
	}
	return u, true
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

func (u uuid) String() string { return formatUUID(u[:]) }

func (r *record) createdTime() time.Time  { return time.UnixMicro(r.created).UTC() }
func (r *record) modifiedTime() time.Time { return time.UnixMicro(r.modified).UTC() }

// table holds the resources of one resource type in one tenant.
type table struct {
	info atomic.Pointer[typeInfo]
	byID map[uuid]*record
	// The value indexes are keyed by the hash of the index key (see
	// keyHash), so they keep no copy of the keys: unique holds, by unique
	// attribute path, the records whose key has a hash; byExt the hash of
	// externalId (caseExact); byName that of displayName, folded unless
	// caseExact. A lookup yields candidates: List filters them with
	// filter.Match, checkUnique compares their keys.
	unique map[string]*multiIndex
	byExt  multiIndex
	byName multiIndex
	order  order
	tombs  *tombs // soft-deleted resources (tombstone.go); nil when none
}

// indexSeed seeds keyHash, so that keys colliding on purpose cannot be
// chosen from outside the process.
var indexSeed = maphash.MakeSeed()

// keyHash is the key of the value indexes for an index key.
func keyHash(k string) uint64 { return maphash.String(indexSeed, k) }

// multiIndex maps a key hash to the records holding it. The first record
// of a hash is in one, later ones (unique keys, and externalId and
// displayName are usually unique) in more: a map of pointers costs a third
// less per entry than a map of interfaces, and adding a record allocates
// nothing but map room.
type multiIndex struct {
	one  map[uint64]*record
	more map[uint64][]*record
}

func (m *multiIndex) add(k uint64, r *record) {
	if m.one == nil {
		m.one = map[uint64]*record{}
	}
	if m.one[k] == nil {
		m.one[k] = r
		return
	}
	if m.more == nil {
		m.more = map[uint64][]*record{}
	}
	m.more[k] = append(m.more[k], r)
}

func (m *multiIndex) remove(k uint64, r *record) {
	more := m.more[k]
	if m.one[k] == r {
		if len(more) == 0 {
			delete(m.one, k)
			return
		}
		m.one[k], r = more[0], more[0]
	}
	more = slices.DeleteFunc(more, func(x *record) bool { return x == r })
	if len(more) == 0 {
		delete(m.more, k)
	} else {
		m.more[k] = more
	}
}

func (m *multiIndex) get(k uint64) []*record {
	r := m.one[k]
	if r == nil {
		return nil
	}
	return append([]*record{r}, m.more[k]...)
}

// order keeps a table's records in creation order with O(log n) access by
// rank, also after deletions: a slot array (nil for deleted records) and a
// Fenwick tree counting live slots. It is compacted when more than half of
// the slots are dead, so its size stays linear in the live records.
type order struct {
	recs []*record
	seqs []uint64
	tree []int32 // Fenwick tree over slots, 1-based: tree[i] covers (i-lowbit(i), i]
	live int
}

func lowbit(i int) int { return i & -i }

func (o *order) prefix(i int) int { // live slots among the first i
	n := 0
	for ; i > 0; i -= lowbit(i) {
		n += int(o.tree[i])
	}
	return n
}

func (o *order) push(r *record) {
	if len(o.tree) == 0 {
		o.tree = append(o.tree, 0)
	}
	o.recs = append(o.recs, r)
	o.seqs = append(o.seqs, r.seq)
	i := len(o.recs)
	o.tree = append(o.tree, int32(1+o.prefix(i-1)-o.prefix(i-lowbit(i))))
	o.live++
}

// slot returns the slot index of the record with sequence seq, or -1.
func (o *order) slot(seq uint64) int {
	i, ok := slices.BinarySearch(o.seqs, seq)
	if !ok || o.recs[i] == nil {
		return -1
	}
	return i
}

func (o *order) remove(r *record) {
	i := o.slot(r.seq)
	if i < 0 {
		return
	}
	o.recs[i] = nil
	for j := i + 1; j < len(o.tree); j += lowbit(j) {
		o.tree[j]--
	}
	o.live--
	if len(o.recs) > 64 && o.live < len(o.recs)/2 {
		o.compact()
	}
}

func (o *order) compact() {
	recs := make([]*record, 0, o.live)
	for _, r := range o.recs {
		if r != nil {
			recs = append(recs, r)
		}
	}
	*o = order{}
	for _, r := range recs {
		o.push(r)
	}
}

// kth returns the slot of the k-th live record (k from 1), or -1.
func (o *order) kth(k int) int {
	if k < 1 || k > o.live {
		return -1
	}
	n := len(o.recs)
	pos := 0
	for step := 1 << (bitLen(n) - 1); step > 0; step >>= 1 {
		if pos+step <= n && int(o.tree[pos+step]) < k {
			pos += step
			k -= int(o.tree[pos])
		}
	}
	return pos // slot index pos is the 1-based position pos+1
}

func bitLen(n int) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// after returns the first slot holding a record with sequence > seq.
func (o *order) after(seq uint64) int {
	return sort.Search(len(o.seqs), func(i int) bool { return o.seqs[i] > seq })
}

// collect appends up to n live records from slot i on.
func (o *order) collect(i, n int, out []*record) ([]*record, int) {
	for ; i < len(o.recs) && n > 0; i++ {
		if r := o.recs[i]; r != nil {
			out = append(out, r)
			n--
		}
	}
	return out, i
}

// all returns the live records in creation order.
func (o *order) all() []*record {
	out, _ := o.collect(0, o.live, make([]*record, 0, o.live))
	return out
}
