package ssf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scimkit/store"
)

// eventTypes returns the SSF event types an outbox event becomes, in the
// order they are sent: a deactivation revokes sessions (CAEP) and
// disables the account (RISC), a deletion revokes sessions and purges the
// account, a reactivation enables it, a change of groups changes the
// groups claim of the user's tokens.
func eventTypes(ev store.Event) []string {
	switch ev.Type {
	case store.UserDeactivated:
		return []string{EventSessionRevoked, EventAccountDisabled}
	case store.UserDeleted:
		return []string{EventSessionRevoked, EventAccountPurged}
	case store.UserReactivated:
		return []string{EventAccountEnabled}
	case store.UserGroupsChanged:
		return []string{EventTokenClaimsChange}
	}
	return nil
}

// jtiFor derives a SET's jti from the stream, the outbox event and the
// event type: every delivery of one event to one stream has the same jti,
// so receivers drop redeliveries (RFC 8417 §2.2).
func jtiFor(streamID, eventID, typ string) string {
	sum := sha256.Sum256([]byte(streamID + "\x00" + eventID + "\x00" + typ))
	return hex.EncodeToString(sum[:16])
}

// userInfo is what SETs need of a user: identifiers and groups.
type userInfo struct {
	found                    bool
	id, externalID, userName string
	emails                   []string // primary first
	groups                   []string // display names (ids when unnamed), sorted
}

// user reads what SETs need of user id. A user that is gone keeps, when
// its deletion left a tombstone (soft delete), its externalId and its
// userName (used as its email when it is one).
func (t *Transmitter) user(ctx context.Context, tenant, id string) (userInfo, error) {
	r, err := t.cfg.Store.Get(ctx, tenant, t.cfg.Users, id, store.ReadOptions{OmitMembers: true})
	if errors.Is(err, store.ErrNotFound) {
		u := userInfo{id: id, groups: []string{}}
		if ts, ok := t.cfg.Store.(store.Tombstones); ok {
			rec, err := ts.Tombstone(ctx, tenant, t.cfg.Users, id)
			switch {
			case err == nil:
				u.externalID, u.userName = rec.ExternalID, rec.Unique["userName"]
			case !errors.Is(err, store.ErrNotFound):
				return userInfo{}, fmt.Errorf("ssf: read the tombstone of user %s: %w", id, err)
			}
		}
		return u, nil
	}
	if err != nil {
		return userInfo{}, fmt.Errorf("ssf: read user %s: %w", id, err)
	}
	u := userInfo{found: true, id: r.ID, externalID: r.ExternalID}
	u.userName, _ = r.Attrs["userName"].(string)
	emails, _ := r.Attrs["emails"].([]any)
	for _, e := range emails {
		m, _ := e.(map[string]any)
		v, _ := m["value"].(string)
		if v == "" {
			continue
		}
		if p, _ := m["primary"].(bool); p {
			u.emails = slices.Insert(u.emails, 0, v)
		} else {
			u.emails = append(u.emails, v)
		}
	}
	if store.Active(r) {
		gs, _ := r.Attrs["groups"].([]any)
		for _, g := range gs {
			m, _ := g.(map[string]any)
			name, _ := m["display"].(string)
			if name == "" {
				name, _ = m["value"].(string)
			}
			if name != "" {
				u.groups = append(u.groups, name)
			}
		}
	}
	slices.Sort(u.groups)
	u.groups = slices.Compact(u.groups)
	if u.groups == nil {
		u.groups = []string{}
	}
	return u, nil
}

// email returns the user's email for an email subject: the primary (or
// first) email, else a userName that is an email address.
func (u userInfo) email() string {
	if len(u.emails) > 0 {
		return u.emails[0]
	}
	if strings.Contains(u.userName, "@") {
		return u.userName
	}
	return ""
}

// matches reports whether subject s names user u.
func (u userInfo) matches(s Subject, issuer string) bool {
	for _, id := range s.userIdentifiers() {
		switch id.Format {
		case FormatEmail:
			if slices.ContainsFunc(append(slices.Clone(u.emails), u.userName), func(e string) bool { return strings.EqualFold(e, id.Email) }) {
				return true
			}
		case FormatIssSub:
			if id.Iss == issuer && id.Sub != "" && (id.Sub == u.id || id.Sub == u.externalID) {
				return true
			}
		case FormatOpaque:
			if id.ID != "" && (id.ID == u.id || id.ID == u.externalID) {
				return true
			}
		case FormatAccount:
			if acct, ok := strings.CutPrefix(id.URI, "acct:"); ok && strings.EqualFold(acct, u.userName) {
				return true
			}
		}
	}
	return false
}

// includes reports whether the stream delivers events about user u.
func (d *streamDoc) includes(u userInfo, issuer string) bool {
	for _, s := range d.Excluded {
		if u.matches(s, issuer) {
			return false
		}
	}
	return true // default_subjects ALL: added subjects are included anyway
}

// wants reports whether the stream delivers event type typ of ev.
func (d *streamDoc) wants(ev store.Event, typ string) bool {
	return ev.Seq > d.Start && slices.Contains(d.Config.EventsDelivered, typ)
}

// subject returns the sub_id of SETs about user u for the stream.
func (t *Transmitter) subject(d *streamDoc, tenant string, u userInfo) *Subject {
	if d.Config.Format == FormatEmail {
		if e := u.email(); e != "" {
			return &Subject{Format: FormatEmail, Email: e}
		}
	}
	return &Subject{Format: FormatIssSub, Iss: t.Issuer(tenant), Sub: u.id}
}

// payload returns the event payload of typ for ev.
func payload(ev store.Event, typ string, u userInfo) json.RawMessage {
	common := EventCommon{EventTimestamp: ev.Time.Unix(), InitiatingEntity: "admin"}
	var v any
	switch typ {
	case EventSessionRevoked:
		what := "deactivated"
		if ev.Type == store.UserDeleted {
			what = "deleted"
		}
		common.ReasonAdmin = Reason{"en": "User " + what + " by the identity provider (SCIM provisioning)"}
		common.ReasonUser = Reason{"en": "Your access was removed by your administrator."}
		v = SessionRevoked{common}
	case EventTokenClaimsChange:
		common.ReasonAdmin = Reason{"en": "Group memberships changed by the identity provider (SCIM provisioning)"}
		v = TokenClaimsChange{EventCommon: common, Claims: map[string]any{"groups": u.groups}}
	default: // RISC account events carry no required claims
		v = struct{}{}
	}
	b, _ := json.Marshal(v)
	return b
}

// buildSET returns the signed SET of event type typ for ev on stream d.
func (t *Transmitter) buildSET(ctx context.Context, tenant string, d *streamDoc, ev store.Event, typ string, u userInfo) (string, error) {
	set := SET{Issuer: t.Issuer(tenant), ID: jtiFor(d.Config.StreamID, ev.ID, typ), IssuedAt: t.now().Unix(),
		Audience: d.Config.Aud, TxnID: ev.RequestID, Subject: t.subject(d, tenant, u),
		Events: map[string]json.RawMessage{typ: payload(ev, typ, u)}}
	return t.signSET(ctx, tenant, &set)
}

func (t *Transmitter) signSET(ctx context.Context, tenant string, set *SET) (string, error) {
	b, err := json.Marshal(set)
	if err != nil {
		return "", err
	}
	return t.keys.sign(ctx, tenant, b)
}

// builtSET is one SET made for a stream.
type builtSET struct {
	jti, typ, token string
	seq             int64
}

// setsFor returns the SETs of ev the stream delivers (none for events it
// does not want or subjects it excludes).
func (t *Transmitter) setsFor(ctx context.Context, tenant string, d *streamDoc, ev store.Event, cache map[string]userInfo) ([]builtSET, error) {
	var types []string
	for _, typ := range eventTypes(ev) {
		if d.wants(ev, typ) {
			types = append(types, typ)
		}
	}
	if len(types) == 0 {
		return nil, nil
	}
	u, ok := cache[ev.ResourceID]
	if !ok {
		var err error
		if u, err = t.user(ctx, tenant, ev.ResourceID); err != nil {
			return nil, err
		}
		u.externalID = cmpOr(u.externalID, ev.ExternalID)
		if cache != nil {
			cache[ev.ResourceID] = u
		}
	}
	if !d.includes(u, t.Issuer(tenant)) {
		return nil, nil
	}
	out := make([]builtSET, 0, len(types))
	for _, typ := range types {
		tok, err := t.buildSET(ctx, tenant, d, ev, typ, u)
		if err != nil {
			return nil, err
		}
		out = append(out, builtSET{jti: jtiFor(d.Config.StreamID, ev.ID, typ), typ: typ, token: tok, seq: ev.Seq})
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
