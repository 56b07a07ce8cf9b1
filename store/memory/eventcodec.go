package memory

import (
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/scimkit/scimkit/store"
)

// The compact encoding of an outbox event (store.Event without Seq, which
// the event log knows from the event's position): its fields in
// declaration order, strings as below, Version as a zig-zag varint, Time as
// a zig-zag varint of Unix microseconds (the store's precision), and each
// list as a uvarint (0: nil, n+1: n strings) followed by its strings.
//
// A string starts with a uvarint x whose low two bits are its kind and
// whose high bits are n:
//
//	strInline  n bytes follow
//	strHex     n bytes follow; the string is their lowercase hex (2n chars),
//	           e.g. request ids
//	strUUID    16 bytes follow; the string is their canonical lowercase
//	           UUID form (RFC 9562 §4), e.g. event, resource and member ids
//	strName    the string is entry n of the outbox's name table
//
// The name table interns the few distinct values of Type, Tenant,
// ResourceType, Actor and Paths; it is capped at maxNames entries, later
// names are written inline.
const (
	strInline = iota
	strHex
	strUUID
	strName
)

const maxNames = 1 << 16

// names interns strings of the outbox. It is only modified under the
// write lock.
type names struct {
	list  []string
	codes map[string]uint64
}

func (ns *names) code(s string) (uint64, bool) {
	if c, ok := ns.codes[s]; ok {
		return c, true
	}
	if len(ns.list) >= maxNames {
		return 0, false
	}
	if ns.codes == nil {
		ns.codes = map[string]uint64{}
	}
	c := uint64(len(ns.list))
	ns.list = append(ns.list, s)
	ns.codes[s] = c
	return c, true
}

// appendEvent appends the encoding of e (without its Seq) to dst.
func (ns *names) appendEvent(dst []byte, e *store.Event) []byte {
	dst = appendStr(dst, e.ID)
	dst = ns.appendName(dst, string(e.Type))
	dst = ns.appendName(dst, e.Tenant)
	dst = ns.appendName(dst, e.ResourceType)
	dst = appendStr(dst, e.ResourceID)
	dst = appendStr(dst, e.ExternalID)
	dst = binary.AppendVarint(dst, e.Version)
	dst = binary.AppendVarint(dst, e.Time.UnixMicro())
	dst = ns.appendName(dst, e.Actor)
	dst = appendStr(dst, e.RequestID)
	dst = appendList(dst, e.Paths, ns.appendName)
	dst = appendList(dst, e.Members, appendStr)
	dst = appendList(dst, e.GroupsAdded, appendStr)
	dst = appendList(dst, e.GroupsRemoved, appendStr)
	dst = appendStr(dst, e.DisplayName)
	return appendStr(dst, e.OldDisplayName)
}

func appendList(dst []byte, l []string, app func([]byte, string) []byte) []byte {
	if l == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(l))+1)
	for _, s := range l {
		dst = app(dst, s)
	}
	return dst
}

// appendName appends s as an entry of the name table when there is room.
func (ns *names) appendName(dst []byte, s string) []byte {
	if c, ok := ns.code(s); ok {
		return binary.AppendUvarint(dst, c<<2|strName)
	}
	return appendStr(dst, s)
}

// appendStr appends s in the shortest of the inline, hex and UUID forms.
func appendStr(dst []byte, s string) []byte {
	if u, ok := parseUUID(s); ok {
		return append(append(dst, strUUID), u[:]...)
	}
	if len(s) > 0 && len(s)%2 == 0 && isLowerHex(s) {
		dst = binary.AppendUvarint(dst, uint64(len(s)/2)<<2|strHex)
		dst, _ = hex.AppendDecode(dst, []byte(s))
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(s))<<2) // kind strInline
	return append(dst, s...)
}

// isUUID reports whether s is a UUID in canonical lowercase form, the form
// formatUUID restores.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isLowerHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if !isLowerHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isLowerHexDigit(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// eventDecoder reads events written by appendEvent.
type eventDecoder struct {
	ns  *names
	buf []byte
	err error
}

// event decodes one event; Seq is the caller's.
func (d *eventDecoder) event() (store.Event, error) {
	var e store.Event
	e.ID = d.str()
	e.Type = store.EventType(d.str())
	e.Tenant = d.str()
	e.ResourceType = d.str()
	e.ResourceID = d.str()
	e.ExternalID = d.str()
	e.Version = d.varint()
	e.Time = time.UnixMicro(d.varint()).UTC()
	e.Actor = d.str()
	e.RequestID = d.str()
	e.Paths = d.list()
	e.Members = d.list()
	e.GroupsAdded = d.list()
	e.GroupsRemoved = d.list()
	e.DisplayName = d.str()
	e.OldDisplayName = d.str()
	if d.err == nil && len(d.buf) != 0 {
		d.err = errCorrupt
	}
	return e, d.err
}

func (d *eventDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *eventDecoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *eventDecoder) fail() {
	d.err, d.buf = errCorrupt, nil
}

// take returns the next n bytes.
func (d *eventDecoder) take(n uint64) []byte {
	if n > uint64(len(d.buf)) {
		d.fail()
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *eventDecoder) str() string {
	x := d.uvarint()
	n := x >> 2
	switch x & 3 {
	case strInline:
		return string(d.take(n))
	case strHex:
		return hex.EncodeToString(d.take(n))
	case strUUID:
		return formatUUID(d.take(16))
	}
	if n >= uint64(len(d.ns.list)) {
		d.fail()
		return ""
	}
	return d.ns.list[n]
}

func (d *eventDecoder) list() []string {
	n := d.uvarint()
	if n == 0 || n-1 > uint64(len(d.buf)) {
		if n != 0 {
			d.fail()
		}
		return nil
	}
	out := make([]string, n-1)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// formatUUID formats 16 bytes in canonical lowercase UUID form.
func formatUUID(u []byte) string {
	if len(u) != 16 {
		return ""
	}
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:], u[10:])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}
