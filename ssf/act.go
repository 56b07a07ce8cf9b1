package ssf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/store"
)

// maxMatches bounds the users one subject may resolve to (an email two
// users share revokes both).
const maxMatches = 10

// act carries out one verified SET.
func (rc *Receiver) act(ctx context.Context, tenant string, tt TrustedTransmitter, set *SET) error {
	typ, raw, _ := set.Event()
	var common EventCommon
	if err := json.Unmarshal(raw, &common); err != nil {
		return fmt.Errorf("ssf: %w: event payload: %v", ErrMalformed, err)
	}
	subject := set.Subject
	if subject == nil {
		subject = common.Subject
	}
	switch typ {
	case EventVerification:
		var v Verification
		json.Unmarshal(raw, &v)
		rc.mu.Lock()
		rc.verified[tenant+"\x00"+set.Issuer] = v.State
		rc.mu.Unlock()
		return nil
	case EventStreamUpdated:
		rc.log.Info("ssf: stream updated by the transmitter", "tenant", tenant, "issuer", set.Issuer, "event", string(raw))
		return nil
	case EventSessionRevoked, EventAccountDisabled, EventAccountPurged, EventCredentialChange, EventAssuranceLevelChange:
	default:
		return nil // other events are accepted and ignored
	}
	if subject == nil {
		return fmt.Errorf("ssf: %w: no sub_id", ErrMalformed)
	}
	users, err := rc.resolve(ctx, tenant, tt, subject)
	if err != nil {
		return fmt.Errorf("%w: %w", errTransient, err)
	}
	if len(users) == 0 {
		rc.unresolved(tenant, set, typ, subject)
		return nil
	}
	// event_timestamp has whole seconds: the event happened at most a
	// second after it, so revoke what was issued up to the end of that
	// second (a session issued just before the revocation, in the same
	// second, must end too).
	when := common.Time(rc.now())
	if common.EventTimestamp > 0 && when.Equal(when.Truncate(time.Second)) {
		when = when.Add(time.Second - time.Nanosecond)
	}
	eventID := "ssf:" + set.Issuer + "#" + set.ID
	for _, u := range users {
		var err error
		switch typ {
		case EventSessionRevoked, EventAccountDisabled, EventAccountPurged:
			if rc.cfg.Revoker != nil {
				name := typ[strings.LastIndex(typ, "/")+1:]
				err = rc.cfg.Revoker.Revoke(ctx, hooks.Revocation{Tenant: tenant, UserID: u.id, ExternalID: u.externalID,
					Reason: name, EventID: eventID, Time: when})
			}
		default:
			err = rc.reauth(ctx, tenant, u.id, eventID, when)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errTransient, err)
		}
	}
	return nil
}

func (rc *Receiver) reauth(ctx context.Context, tenant, userID, eventID string, when time.Time) error {
	if rc.cfg.Reauthenticator == nil {
		return nil
	}
	groups, err := rc.dir.UserGroups(ctx, tenant, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if groups == nil {
		groups = []string{}
	}
	return rc.cfg.Reauthenticator.Reauthenticate(ctx, hooks.Reauth{Tenant: tenant, UserID: userID,
		Before: groups, After: groups, EventID: eventID, Time: when})
}

type resolved struct{ id, externalID string }

// resolve finds the users of tenant a subject names, through the store's
// indexes: an email by emails.value or userName, iss_sub and opaque by
// id, externalId or userName, a phone number by phoneNumbers.value, an
// account URI by userName or emails.value; a complex subject by its user,
// aliases by each identifier in turn.
func (rc *Receiver) resolve(ctx context.Context, tenant string, tt TrustedTransmitter, s *Subject) ([]resolved, error) {
	for _, id := range s.userIdentifiers() {
		var attrs []string
		var value string
		switch id.Format {
		case FormatEmail:
			attrs, value = []string{"emails.value", "userName"}, id.Email
		case FormatIssSub:
			attrs, value = []string{"id", "externalId", "userName"}, id.Sub
		case FormatOpaque:
			attrs, value = []string{"id", "externalId", "userName"}, id.ID
		case FormatPhone:
			attrs, value = []string{"phoneNumbers.value"}, id.Phone
		case FormatAccount:
			acct, _ := strings.CutPrefix(id.URI, "acct:")
			attrs, value = []string{"userName", "emails.value"}, acct
		}
		if value == "" || len(value) > 1024 {
			continue
		}
		users, err := rc.find(ctx, tenant, attrs, value)
		if err != nil || len(users) > 0 {
			return users, err
		}
	}
	return nil, nil
}

// find lists the users with value in one of attrs.
func (rc *Receiver) find(ctx context.Context, tenant string, attrs []string, value string) ([]resolved, error) {
	lit, _ := json.Marshal(value)
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = a + " eq " + string(lit)
	}
	e, err := filter.Parse(strings.Join(parts, " or "))
	if err == nil {
		e, err = filter.Bind(rc.cfg.Users, e)
	}
	if err != nil {
		return nil, fmt.Errorf("ssf: subject filter: %w", err)
	}
	page, err := rc.cfg.Store.List(ctx, tenant, rc.cfg.Users, store.Query{Filter: e, Count: maxMatches,
		Read: store.ReadOptions{OmitGroups: true, OmitMembers: true}})
	if err != nil {
		return nil, fmt.Errorf("ssf: resolve subject: %w", err)
	}
	out := make([]resolved, 0, len(page.Resources))
	for _, r := range page.Resources {
		out = append(out, resolved{id: r.ID, externalID: r.ExternalID})
	}
	return out, nil
}

func (rc *Receiver) unresolved(tenant string, set *SET, typ string, s *Subject) {
	b, _ := json.Marshal(s)
	rc.log.Info("ssf: SET subject names no user of the tenant; recorded", "tenant", tenant, "issuer", set.Issuer, "jti", set.ID, "event", typ)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	list := append(rc.unres[tenant], Unresolved{Time: rc.now(), Issuer: set.Issuer, JTI: set.ID, EventType: typ, Subject: b})
	if len(list) > maxUnresolved {
		list = list[len(list)-maxUnresolved:]
	}
	rc.unres[tenant] = list
}
