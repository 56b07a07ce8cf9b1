package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/scimkit/scimkit/schema"
)

// Active reports whether a user is active: the "active" attribute, true
// when absent (a user created without it is treated as active).
func Active(r *schema.Resource) bool {
	if r == nil {
		return false
	}
	b, ok := r.Attrs["active"].(bool)
	return !ok || b
}

// NewID returns a random UUID (RFC 9562 version 4), the form scimkit uses
// for resource and event ids: unguessable and never reused.
func NewID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(fmt.Sprintf("store: crypto/rand failed: %v", err))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
