package main

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sync"
	"time"
)

// revokeSkew widens a revocation to sessions issued up to this long after
// the deprovisioning was committed, to absorb clock differences between
// the gateway and the database that stamped the event. (A session issued
// in that window after a reactivation would be ended once; every request
// also checks the directory, so none outlives a deactivation.)
const revokeSkew = time.Second

// session is one logged-in browser.
type session struct {
	id, tenant, userID, userName string
	// issued is when the user's status was checked for this session:
	// before the check, so that a deprovisioning committed after it is
	// later than issued and revokes the session.
	issued time.Time
	// groups are the user's groups at login (evaluated under NoAction).
	groups []string
	// reauth marks a session whose user must authenticate again.
	reauth bool
}

type userRef struct{ tenant, id string }

// sessions is the gateway's session store, safe for concurrent use, with
// per-user revocation and a per-user "must re-authenticate" flag.
type sessions struct {
	mu     sync.Mutex
	byID   map[string]*session
	byUser map[userRef]map[string]*session
}

func newSessions() *sessions {
	return &sessions{byID: map[string]*session{}, byUser: map[userRef]map[string]*session{}}
}

// create stores a new session for s (whose id it sets) and returns its id.
func (ss *sessions) create(s session) string {
	var b [32]byte
	rand.Read(b[:])
	s.id = base64.RawURLEncoding.EncodeToString(b[:])
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.byID[s.id] = &s
	k := userRef{s.tenant, s.userID}
	if ss.byUser[k] == nil {
		ss.byUser[k] = map[string]*session{}
	}
	ss.byUser[k][s.id] = &s
	return s.id
}

// delete removes the session with the given id, if any.
func (ss *sessions) delete(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if !ok {
		return
	}
	delete(ss.byID, id)
	k := userRef{s.tenant, s.userID}
	delete(ss.byUser[k], id)
	if len(ss.byUser[k]) == 0 {
		delete(ss.byUser, k)
	}
}

// get returns a copy of the session with the given id.
func (ss *sessions) get(id string) (session, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byID[id]
	if !ok {
		return session{}, false
	}
	c := *s
	c.groups = slices.Clone(s.groups)
	return c, true
}

// revoke deletes the user's sessions issued up to upTo (plus revokeSkew)
// and returns how many it deleted. It is idempotent.
func (ss *sessions) revoke(tenant, userID string, upTo time.Time) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	k := userRef{tenant, userID}
	n := 0
	for id, s := range ss.byUser[k] {
		if s.issued.After(upTo.Add(revokeSkew)) {
			continue
		}
		delete(ss.byID, id)
		delete(ss.byUser[k], id)
		n++
	}
	if len(ss.byUser[k]) == 0 {
		delete(ss.byUser, k)
	}
	return n
}

// markReauth flags the user's sessions issued before the change committed
// at changed as needing a new login, and returns how many it flagged. A
// session issued later saw the new groups at login and is left alone.
// Event times have millisecond precision (the store truncates them), so
// the change happened in [changed, changed+1ms): a session issued in that
// millisecond may predate it and is flagged too (at worst one extra
// prompt). It is idempotent.
func (ss *sessions) markReauth(tenant, userID string, changed time.Time) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	upTo := changed.Add(time.Millisecond)
	n := 0
	for _, s := range ss.byUser[userRef{tenant, userID}] {
		if s.issued.Before(upTo) {
			s.reauth = true
			n++
		}
	}
	return n
}
