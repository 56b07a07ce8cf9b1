package console

import (
	"net/http"
	"time"
)

// A new token's secret is shown once, on the GET that follows the POST
// that issued it (post/redirect/get): reloading or going back to the page
// never issues another token, and the secret never appears in a URL (the
// redirect carries a random one-time handle). The secret waits in memory,
// bound to the session, until shown or revealTTL has passed.
const (
	revealTTL  = 10 * time.Minute
	maxReveals = 1000
)

// reveal is a secret waiting to be shown.
type reveal struct {
	session string         // key of the session it belongs to
	data    map[string]any // the secret page's data
	expires time.Time
}

// showOnce keeps data for r's session and redirects to the page that shows
// it once.
func (c *Console) showOnce(w http.ResponseWriter, r *http.Request, data map[string]any) {
	key, _ := c.session(r)
	handle, now := randomToken(), c.cfg.Now()
	c.mu.Lock()
	c.makeRoomForReveal(now)
	c.reveals[handle] = &reveal{session: key, data: data, expires: now.Add(revealTTL)}
	c.mu.Unlock()
	http.Redirect(w, r, c.cfg.Prefix+"/tokens/new/"+handle, http.StatusSeeOther)
}

// makeRoomForReveal forgets expired secrets and, when maxReveals are
// still waiting, the oldest one (the first to expire), so that a burst of
// new tokens drops only the secret least likely to still be awaited. c.mu
// is held.
func (c *Console) makeRoomForReveal(now time.Time) {
	var oldest string
	for h, rv := range c.reveals {
		if !now.Before(rv.expires) {
			delete(c.reveals, h)
		} else if oldest == "" || rv.expires.Before(c.reveals[oldest].expires) {
			oldest = h
		}
	}
	if len(c.reveals) >= maxReveals {
		delete(c.reveals, oldest)
	}
}

// secretPage shows a waiting secret of the session and forgets it; shown
// already, expired or another session's, it says the secret is gone.
func (c *Console) secretPage(w http.ResponseWriter, r *http.Request, s *session) {
	key, _ := c.session(r)
	handle := r.PathValue("handle")
	c.mu.Lock()
	rv := c.reveals[handle]
	if rv != nil && rv.session == key && r.Method == http.MethodGet { // a HEAD shows nothing, so it spends nothing
		delete(c.reveals, handle)
	}
	c.mu.Unlock()
	if rv == nil || rv.session != key || !c.cfg.Now().Before(rv.expires) {
		c.render(w, r, http.StatusGone, "secret", s, map[string]any{"Gone": true})
		return
	}
	c.render(w, r, http.StatusOK, "secret", s, rv.data)
}
