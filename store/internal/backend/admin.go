package backend

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scimkit/store"
)

// ProvisioningCursor returns the cursor that continues a provisioning log
// query after the entry with sequence number seq.
func ProvisioningCursor(seq int64) string { return "p" + strconv.FormatInt(seq, 36) }

// ParseProvisioningCursor returns the sequence number of a cursor made by
// ProvisioningCursor, or an error wrapping ErrInvalidCursor.
func ParseProvisioningCursor(c string) (int64, error) {
	s, ok := strings.CutPrefix(c, "p")
	seq, err := strconv.ParseInt(s, 36, 64)
	if !ok || err != nil || seq <= 0 {
		return 0, fmt.Errorf("store: provisioning log cursor %q: %w", c, store.ErrInvalidCursor)
	}
	return seq, nil
}

// EncodeBulkResults returns the JSON array of rs that SQL backends store
// for ProvisioningEntry.BulkResults, or "" when rs is empty.
func EncodeBulkResults(rs []store.BulkResult) (string, error) {
	if len(rs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(rs)
	return string(b), err
}

// DecodeBulkResults reverses EncodeBulkResults ("" is nil).
func DecodeBulkResults(s string) ([]store.BulkResult, error) {
	if s == "" {
		return nil, nil
	}
	var rs []store.BulkResult
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("store: bulk results: %w", err)
	}
	return rs, nil
}

// EncodeValues returns the JSON array of vs that SQL backends store for
// ProvisioningEntry.DroppedMembers, or "" when vs is empty.
func EncodeValues(vs []string) (string, error) {
	if len(vs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(vs)
	return string(b), err
}

// DecodeValues reverses EncodeValues ("" is nil).
func DecodeValues(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var vs []string
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		return nil, fmt.Errorf("store: dropped members: %w", err)
	}
	return vs, nil
}

// CheckToken reports whether t has what CreateToken requires: an ID, a
// Tenant and a Hash of 64 lower-case hex digits. Backends call it first.
func CheckToken(t store.TokenRecord) error {
	switch {
	case t.ID == "":
		return fmt.Errorf("store: create token: empty ID")
	case t.Tenant == "":
		return fmt.Errorf("store: create token %s: empty Tenant", t.ID)
	case len(t.Hash) != 64 || strings.Trim(t.Hash, "0123456789abcdef") != "":
		return fmt.Errorf("store: create token %s: Hash must be 64 lower-case hex digits (SHA-256)", t.ID)
	}
	return nil
}

// ProvisioningConds calls add with each SQL condition (one "?" per
// condition, for its argument) that selects the provisioning log entries
// of f, in one order for every backend; at encodes a time as the backend
// stores it. The conditions name the columns of both SQL backends'
// provisioning_log tables.
func ProvisioningConds(f store.ProvisioningFilter, add func(cond string, arg any), at func(time.Time) any) error {
	if f.Cursor != "" {
		seq, err := ParseProvisioningCursor(f.Cursor)
		if err != nil {
			return err
		}
		add("seq < ?", seq)
	}
	if f.Tenant != "" {
		add("tenant = ?", f.Tenant)
	}
	if !f.Since.IsZero() {
		add("time >= ?", at(f.Since))
	}
	if !f.Until.IsZero() {
		add("time < ?", at(f.Until))
	}
	if f.ResourceID != "" {
		add("resource_id = ?", f.ResourceID)
	}
	if f.Outcome != "" {
		add("outcome = ?", string(f.Outcome))
	}
	for _, c := range []struct {
		col, v string
	}{{"idp", f.IdP}, {"method", f.Method}, {"resource_type", f.ResourceType}, {"request_id", f.RequestID}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.Status != 0 {
		add("status = ?", f.Status)
	}
	if f.Seq != 0 {
		add("seq = ?", f.Seq)
	}
	return nil
}

// RequestEventsLimit is the limit of store.RequestEvents.EventsOfRequest:
// limit itself, or 100 when it is not positive.
func RequestEventsLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return limit
}
