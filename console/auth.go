package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// session is a signed-in operator's server-side state. The cookie carries
// only its random id; the map is keyed by the id's SHA-256 digest, so the
// ids themselves are not kept in memory either.
type session struct {
	csrf     string    // synchronizer token of every form of the session
	expires  time.Time // absolute end (SessionTTL after sign-in)
	lastSeen time.Time // idle end is lastSeen + IdleTimeout
}

// maxSessions bounds the sessions kept; the oldest is dropped beyond it.
const maxSessions = 1000

// cookieName is the session cookie's name: with the __Host- prefix when
// it is Secure, so that browsers refuse it from a subdomain or another
// path.
func cookieName(secure bool) string {
	if secure {
		return "__Host-scimkit_console"
	}
	return "scimkit_console"
}

// randomToken returns 256 bits from crypto/rand in unpadded base64url.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return string(sum[:])
}

// secure reports whether the session cookie of r's response is Secure.
func (c *Console) secure(r *http.Request) bool { return r.TLS != nil || c.cfg.SecureCookies }

// checkAdminToken compares the presented credential's digest with the
// configured one in constant time.
func (c *Console) checkAdminToken(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], c.tokenHash[:]) == 1
}

// newSession starts a session and sets its cookie on w.
func (c *Console) newSession(w http.ResponseWriter, r *http.Request) {
	id, now := randomToken(), c.cfg.Now()
	c.mu.Lock()
	c.sweep(now)
	c.sessions[sessionKey(id)] = &session{csrf: randomToken(), expires: now.Add(c.cfg.SessionTTL), lastSeen: now}
	c.mu.Unlock()
	c.setCookie(w, r, id, c.cfg.SessionTTL)
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, value string, ttl time.Duration) {
	secure := c.secure(r)
	path := c.cfg.Prefix + "/"
	if secure {
		path = "/" // the __Host- prefix requires Path=/
	}
	ck := &http.Cookie{Name: cookieName(secure), Value: value, Path: path, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(ttl.Seconds())}
	if ttl < 0 {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// sweep drops expired sessions, and the oldest beyond maxSessions. c.mu
// is held.
func (c *Console) sweep(now time.Time) {
	var oldest string
	for k, s := range c.sessions {
		if c.expired(s, now) {
			delete(c.sessions, k)
		} else if oldest == "" || s.lastSeen.Before(c.sessions[oldest].lastSeen) {
			oldest = k
		}
	}
	if len(c.sessions) >= maxSessions {
		delete(c.sessions, oldest)
	}
}

func (c *Console) expired(s *session, now time.Time) bool {
	return !now.Before(s.expires) || !now.Before(s.lastSeen.Add(c.cfg.IdleTimeout))
}

// session returns the live session of r (and its key), refreshing its
// idle time, or nil. A SCIM bearer token is never looked at.
func (c *Console) session(r *http.Request) (string, *session) {
	ck, err := r.Cookie(cookieName(c.secure(r)))
	if err != nil || ck.Value == "" {
		return "", nil
	}
	key, now := sessionKey(ck.Value), c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[key]
	if s == nil {
		return "", nil
	}
	if c.expired(s, now) {
		delete(c.sessions, key)
		return "", nil
	}
	s.lastSeen = now
	cp := *s
	return key, &cp
}

// endSession forgets the session of key and clears the cookie.
func (c *Console) endSession(w http.ResponseWriter, r *http.Request, key string) {
	c.mu.Lock()
	delete(c.sessions, key)
	c.mu.Unlock()
	c.setCookie(w, r, "", -1)
}

// crossSite reports a request that a browser marked as sent by another
// site (Fetch Metadata), or whose Origin is not this host's: refused for
// every POST, on top of SameSite=Strict and the CSRF token.
//
// A browser's "Sec-Fetch-Site: same-origin" (a header pages cannot set)
// is taken as is, so a proxy that rewrites Host (TLS terminated in front
// of the server) does not break the console's forms; the Origin is
// compared with Host only for browsers without Fetch Metadata. An opaque
// Origin ("null": a sandboxed frame, a data: URL) is cross-site.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return false
	case "", "none":
	default:
		return true
	}
	switch o := r.Header.Get("Origin"); o {
	case "":
		return false
	case "null":
		return true
	default:
		u, err := url.Parse(o)
		return err != nil || u.Host != r.Host
	}
}

// page wraps a GET handler: without a live session it redirects to the
// sign-in page.
func (c *Console) page(fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, s := c.session(r)
		if s == nil {
			http.Redirect(w, r, c.cfg.Prefix+"/signin", http.StatusSeeOther)
			return
		}
		fn(w, r, s)
	}
}

// action wraps a POST handler: it needs a live session, a same-origin
// request and the session's CSRF token in the form field "csrf"; anything
// else is 403 and changes nothing. The form is at most maxForm bytes
// (413 beyond).
func (c *Console) action(fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.readForm(w, r) {
			return
		}
		_, s := c.session(r)
		switch {
		case s == nil:
			c.refuse(w, r, "Your console session has ended (signed out, expired, or the server restarted): sign in again.")
		case crossSite(r):
			c.refuse(w, r, "This request came from another site; the console accepts forms only from its own pages.")
		case subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1:
			c.refuse(w, r, "The form's CSRF token is missing or belongs to another session: reload the page and try again.")
		default:
			fn(w, r, s)
		}
	}
}

// maxForm bounds a posted form, in bytes.
const maxForm = 64 << 10

// readForm parses r's form, at most maxForm bytes; on failure it answers
// (413 for a body too large, else 400) and returns false.
func (c *Console) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		c.fail(w, r, nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than %d KiB: nothing was changed.", maxForm>>10))
	} else {
		c.fail(w, r, nil, http.StatusBadRequest, "The form could not be read: nothing was changed.")
	}
	return false
}

// refuse answers 403 with why, and logs it; nothing was changed.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, why string) {
	c.cfg.Logger.Warn("console: request refused", "path", r.URL.Path, "reason", why)
	c.fail(w, r, nil, http.StatusForbidden, why+" Nothing was changed.")
}

// signinPage shows the sign-in form (or goes to the log when signed in).
func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	if _, s := c.session(r); s != nil {
		http.Redirect(w, r, c.cfg.Prefix+"/log", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "signin", nil, nil)
}

// signin checks the admin credential posted in the form field "token" and
// starts a session. The credential travels only in the POST body.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	if !c.readForm(w, r) {
		return
	}
	if crossSite(r) {
		c.refuse(w, r, "This sign-in came from another site; sign in on the console's own page.")
		return
	}
	if wait := c.signinTake(r); wait > 0 {
		c.cfg.Logger.Warn("console: sign-in throttled", "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", retryAfter(wait))
		c.render(w, r, http.StatusTooManyRequests, "signin", nil, map[string]any{"Error": "Too many failed sign-ins from your address: try again in " + retryAfter(wait) + " seconds."})
		return
	}
	if !c.checkAdminToken(r.PostFormValue("token")) {
		c.cfg.Logger.Warn("console: sign-in refused", "remote", r.RemoteAddr)
		c.render(w, r, http.StatusUnauthorized, "signin", nil, map[string]any{"Error": "That is not the admin token."})
		return
	}
	c.signinRefund(r)
	if key, _ := c.session(r); key != "" {
		c.endSession(w, r, key) // a new id at every sign-in (no fixation)
	}
	c.newSession(w, r)
	c.cfg.Logger.Info("console: signed in", "remote", r.RemoteAddr)
	http.Redirect(w, r, c.cfg.Prefix+"/log", http.StatusSeeOther)
}

// signout ends the session. It is an action (a POST with the CSRF token);
// without a live session there is nothing to end, and it goes to the
// sign-in page (see routes).
func (c *Console) signout(w http.ResponseWriter, r *http.Request, _ *session) {
	key, _ := c.session(r)
	c.endSession(w, r, key)
	c.cfg.Logger.Info("console: signed out", "remote", r.RemoteAddr)
	http.Redirect(w, r, c.cfg.Prefix+"/signin", http.StatusSeeOther)
}
