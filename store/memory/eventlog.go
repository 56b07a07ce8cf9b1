package memory

import (
	"sort"

	"github.com/scimkit/scimkit/store"
)

// eventLog holds the outbox's events in their compact encoding
// (eventcodec.go), in chunks of consecutive Seq: about a quarter of the
// memory of []store.Event, no pointers for the garbage collector to scan,
// and the oldest events are dropped without copying the rest.
type eventLog struct {
	chunks  []*eventChunk // in Seq order
	head    int           // events already dropped from chunks[0]
	n       int           // events kept
	pushed  int           // events ever pushed: the ordinal of the next one
	names   names
	scratch []byte
}

// eventChunk holds events with consecutive Seq.
type eventChunk struct {
	first int64    // Seq of the event at offs[0]
	ord   int      // ordinal of that event (see eventLog.pushed)
	offs  []uint32 // start of each event in buf
	times []int64  // Event.Time of each event, Unix microseconds (retention)
	buf   []byte
}

const chunkBytes = 16 << 10

func (c *eventChunk) last() int64 { return c.first + int64(len(c.offs)) - 1 }

// encoded returns the encoding of the i-th event of c.
func (c *eventChunk) encoded(i int) []byte {
	end := len(c.buf)
	if i+1 < len(c.offs) {
		end = int(c.offs[i+1])
	}
	return c.buf[c.offs[i]:end]
}

// len returns the number of events kept.
func (l *eventLog) len() int { return l.n }

// push appends e, whose Seq is above every kept event's.
func (l *eventLog) push(e *store.Event) {
	l.scratch = l.names.appendEvent(l.scratch[:0], e)
	var c *eventChunk
	if k := len(l.chunks); k > 0 {
		c = l.chunks[k-1]
	}
	if c == nil || c.last()+1 != e.Seq || len(c.buf)+len(l.scratch) > cap(c.buf) {
		c = &eventChunk{first: e.Seq, ord: l.pushed, buf: make([]byte, 0, max(chunkBytes, len(l.scratch)))}
		l.chunks = append(l.chunks, c)
	}
	c.offs = append(c.offs, uint32(len(c.buf)))
	c.times = append(c.times, e.Time.UnixMicro())
	c.buf = append(c.buf, l.scratch...)
	l.n++
	l.pushed++
}

// drop discards the k oldest events.
func (l *eventLog) drop(k int) {
	k = min(k, l.n)
	l.n -= k
	for k > 0 {
		left := len(l.chunks[0].offs) - l.head
		if k < left {
			l.head += k
			return
		}
		k -= left
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.head = 0
	}
	if l.n == 0 {
		l.chunks, l.head = nil, 0
	}
}

// search returns the position (chunk, index in it) of the first kept
// event with Seq > after; chunk is len(l.chunks) when there is none.
func (l *eventLog) search(after int64) (int, int) {
	ci := sort.Search(len(l.chunks), func(i int) bool { return l.chunks[i].last() > after })
	if ci == len(l.chunks) {
		return ci, 0
	}
	i := int(max(after+1-l.chunks[ci].first, 0))
	if ci == 0 {
		i = max(i, l.head)
	}
	return ci, i
}

// upTo returns how many kept events have Seq <= seq.
func (l *eventLog) upTo(seq int64) int {
	if l.n == 0 {
		return 0
	}
	ci, i := l.search(seq)
	if ci == len(l.chunks) {
		return l.n
	}
	return l.chunks[ci].ord + i - (l.chunks[0].ord + l.head)
}

// olderThan returns how many of the oldest kept events, at most limit,
// have a Time before cutoff (Unix microseconds), counting from the oldest
// until the first that does not. Times increase with Seq but for clock
// steps, so it looks at whole chunks by their last event and searches only
// the chunk where the count ends.
func (l *eventLog) olderThan(cutoff int64, limit int) int {
	n := 0
	for ci, c := range l.chunks {
		from := 0
		if ci == 0 {
			from = l.head
		}
		if n >= limit {
			return limit
		}
		if c.times[len(c.times)-1] < cutoff {
			n += len(c.times) - from
			continue
		}
		i := from
		for i < len(c.times) && c.times[i] < cutoff {
			i++
		}
		return min(n+i-from, limit)
	}
	return min(n, limit)
}

// read decodes up to limit events with Seq > after, in Seq order.
func (l *eventLog) read(after int64, limit int) ([]store.Event, error) {
	out := make([]store.Event, 0, min(limit, l.n))
	ci, i := l.search(after)
	for ; ci < len(l.chunks) && len(out) < limit; ci, i = ci+1, 0 {
		c := l.chunks[ci]
		for ; i < len(c.offs) && len(out) < limit; i++ {
			d := eventDecoder{ns: &l.names, buf: c.encoded(i)}
			e, err := d.event()
			if err != nil {
				return nil, err
			}
			e.Seq = c.first + int64(i)
			out = append(out, e)
		}
	}
	return out, nil
}
