package googletest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func (d *Directory) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", d.token)
	mux.HandleFunc("GET /admin/directory/v1/users", d.api("users.list", d.listUsers))
	mux.HandleFunc("GET /admin/directory/v1/users/{userKey}", d.api("users.get", d.getUser))
	mux.HandleFunc("POST /admin/directory/v1/users/watch", d.api("users.watch", d.watch))
	mux.HandleFunc("GET /admin/directory/v1/groups", d.api("groups.list", d.listGroups))
	mux.HandleFunc("GET /admin/directory/v1/groups/{groupKey}/members", d.api("members.list", d.listMembers))
	mux.HandleFunc("POST /admin/directory_v1/channels/stop", d.api("channels.stop", d.stop))
	mux.HandleFunc("POST /admin/directory/v1/channels/stop", d.api("channels.stop", d.stop))
	return mux
}

// writeError writes Google's error shape.
func writeError(w http.ResponseWriter, status int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	domain := "global"
	if strings.Contains(reason, "RateLimit") || strings.Contains(reason, "quota") || strings.Contains(reason, "Limit") {
		domain = "usageLimits"
	}
	st := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[status]
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": status, "message": msg, "status": st,
		"errors": []any{map[string]any{"message": msg, "domain": domain, "reason": reason}},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// fault returns the fault that applies to r, if any, counting it.
func (d *Directory) fault(op string, r *http.Request) *Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.faults {
		if (f.Op != "" && f.Op != op) || (f.Match != nil && !f.Match(r)) || f.Times == 0 {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Times > 0 {
			f.Times--
		}
		return f
	}
	return nil
}

// api wraps an API method: call counting, faults, bearer token check.
func (d *Directory) api(op string, h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.calls[op]++
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, ok := d.tokens[tok]
		valid := ok && exp.After(d.now())
		d.mu.Unlock()
		if !valid {
			writeError(w, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
			return
		}
		if f := d.fault(op, r); f != nil {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			writeError(w, f.Status, f.Reason, f.Message)
			return
		}
		h(w, r)
	}
}

// customerOK checks the customer (or domain) parameter.
func (d *Directory) customerOK(w http.ResponseWriter, r *http.Request) bool {
	c, dom := r.URL.Query().Get("customer"), r.URL.Query().Get("domain")
	switch {
	case c == "my_customer" || c == d.Customer || (c == "" && dom != ""):
		return true
	case c == "" && dom == "":
		writeError(w, http.StatusBadRequest, "badRequest", "Bad Request")
	default:
		writeError(w, http.StatusBadRequest, "badRequest", "Bad Request") // Google's answer for an unknown customer
	}
	return false
}

// page returns the slice [from, to) of n items for the request's
// pageToken and maxResults (default 100 like Google, at most max).
func page(w http.ResponseWriter, r *http.Request, n, max int) (from, to int, next string, ok bool) {
	size := 100
	if s := r.URL.Query().Get("maxResults"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > max {
			writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("Invalid value '%s'. Values must be within the range: [1, %d]", s, max))
			return 0, 0, "", false
		}
		size = v
	}
	if t := r.URL.Query().Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		v, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || v < 0 {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid page token")
			return 0, 0, "", false
		}
		from = v
	}
	from = min(from, n)
	to = min(from+size, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(to)))
	}
	return from, to, next, true
}

func (d *Directory) listUsers(w http.ResponseWriter, r *http.Request) {
	if !d.customerOK(w, r) {
		return
	}
	deleted := r.URL.Query().Get("showDeleted") == "true"
	d.mu.Lock()
	var sel []map[string]any
	for _, u := range d.users {
		if !u.Deleted.IsZero() == deleted {
			sel = append(sel, userJSON(u))
		}
	}
	d.mu.Unlock()
	from, to, next, ok := page(w, r, len(sel), 500)
	if !ok {
		return
	}
	out := map[string]any{"kind": "admin#directory#users", "etag": "\"list\""}
	if to > from {
		out["users"] = sel[from:to]
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	writeJSON(w, out)
}

func (d *Directory) getUser(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	u := d.user(r.PathValue("userKey"))
	var out map[string]any
	if u != nil && u.Deleted.IsZero() {
		out = userJSON(u)
	}
	d.mu.Unlock()
	if out == nil {
		writeError(w, http.StatusNotFound, "notFound", "Resource Not Found: userKey")
		return
	}
	writeJSON(w, out)
}

func (d *Directory) listGroups(w http.ResponseWriter, r *http.Request) {
	if !d.customerOK(w, r) {
		return
	}
	d.mu.Lock()
	var sel []map[string]any
	for _, g := range d.groups {
		sel = append(sel, map[string]any{"kind": "admin#directory#group", "id": g.ID, "email": g.Email, "name": g.Name,
			"directMembersCount": strconv.Itoa(len(d.members[g.ID])), "adminCreated": true, "etag": "\"g\""})
	}
	d.mu.Unlock()
	from, to, next, ok := page(w, r, len(sel), 200)
	if !ok {
		return
	}
	out := map[string]any{"kind": "admin#directory#groups", "etag": "\"list\""}
	if to > from {
		out["groups"] = sel[from:to]
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	writeJSON(w, out)
}

func (d *Directory) listMembers(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	g := d.group(r.PathValue("groupKey"))
	var sel []map[string]any
	forbidden := g != nil && g.Forbidden
	if g != nil {
		for _, m := range d.members[g.ID] {
			sel = append(sel, map[string]any{"kind": "admin#directory#member", "id": m.ID, "email": m.Email,
				"role": "MEMBER", "type": m.Type, "status": "ACTIVE", "etag": "\"m\""})
		}
	}
	d.mu.Unlock()
	switch {
	case g == nil:
		writeError(w, http.StatusNotFound, "notFound", "Resource Not Found: groupKey")
		return
	case forbidden:
		writeError(w, http.StatusForbidden, "forbidden", "Not Authorized to access this resource/api")
		return
	}
	from, to, next, ok := page(w, r, len(sel), 200)
	if !ok {
		return
	}
	out := map[string]any{"kind": "admin#directory#members", "etag": "\"list\""}
	if to > from {
		out["members"] = sel[from:to]
	}
	if next != "" {
		out["nextPageToken"] = next
	}
	writeJSON(w, out)
}

// MaxTTL is the longest channel Google grants for users.watch (6 hours).
const MaxTTL = 6 * time.Hour

func (d *Directory) watch(w http.ResponseWriter, r *http.Request) {
	if !d.customerOK(w, r) {
		return
	}
	event := r.URL.Query().Get("event")
	if !slices.Contains([]string{"add", "delete", "makeAdmin", "undelete", "update"}, event) {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid value for event: "+event)
		return
	}
	var body struct {
		ID, Type, Address, Token string
		Params                   struct {
			TTL string `json:"ttl"`
		}
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.ID == "" ||
		body.Type != "web_hook" || !strings.HasPrefix(body.Address, "http") {
		writeError(w, http.StatusBadRequest, "badRequest", "Bad Request: id, type web_hook and an address are required")
		return
	}
	ttl := MaxTTL
	if body.Params.TTL != "" {
		s, err := strconv.Atoi(body.Params.TTL)
		if err != nil || s < 1 {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid ttl")
			return
		}
		ttl = min(time.Duration(s)*time.Second, MaxTTL)
	}
	d.mu.Lock()
	if _, dup := d.channels[body.ID]; dup {
		d.mu.Unlock()
		writeError(w, http.StatusBadRequest, "channelIdNotUnique", "Channel id not unique")
		return
	}
	b := make([]byte, 12)
	rand.Read(b)
	c := &Channel{ID: body.ID, ResourceID: hex.EncodeToString(b), Token: body.Token, Address: body.Address, Event: event,
		Expiration: d.now().Add(ttl)}
	d.channels[c.ID] = c
	d.mu.Unlock()
	writeJSON(w, map[string]any{"kind": "api#channel", "id": c.ID, "resourceId": c.ResourceID,
		"resourceUri": d.URL + "/admin/directory/v1/users?customer=my_customer&event=" + event + "&alt=json",
		"token":       c.Token, "expiration": strconv.FormatInt(c.Expiration.UnixMilli(), 10)})
	d.send([]*Channel{c}, "sync", User{}) // Google's first message on a new channel
}

func (d *Directory) stop(w http.ResponseWriter, r *http.Request) {
	var body struct{ ID, ResourceID string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "badRequest", "Bad Request")
		return
	}
	d.mu.Lock()
	c := d.channels[body.ID]
	found := c != nil && c.ResourceID == body.ResourceID && !c.Stopped
	if found {
		c.Stopped = true
	}
	d.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "notFound", fmt.Sprintf("Channel '%s' not found for project", body.ID))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// notify sends a notification about u to the open channels of event.
func (d *Directory) notify(event string, u User) {
	d.mu.Lock()
	var cs []*Channel
	for _, c := range d.channels {
		if c.Event == event && !c.Stopped && c.Expiration.After(d.now()) {
			cs = append(cs, c)
		}
	}
	d.mu.Unlock()
	d.send(cs, event, u).Wait()
}

// send posts a notification to each channel in the background; the
// returned group is done once each is answered.
func (d *Directory) send(cs []*Channel, state string, u User) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, c := range cs {
		d.mu.Lock()
		c.messages++
		n := c.messages
		d.mu.Unlock()
		body := []byte{}
		if state != "sync" {
			body, _ = json.Marshal(map[string]any{"kind": "admin#directory#user", "id": u.ID,
				"etag": "\"e\"", "primaryEmail": u.PrimaryEmail})
		}
		req, _ := http.NewRequest(http.MethodPost, c.Address, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		req.Header.Set("X-Goog-Channel-ID", c.ID)
		if c.Token != "" {
			req.Header.Set("X-Goog-Channel-Token", c.Token)
		}
		req.Header.Set("X-Goog-Channel-Expiration", c.Expiration.UTC().Format(http.TimeFormat))
		req.Header.Set("X-Goog-Resource-ID", c.ResourceID)
		req.Header.Set("X-Goog-Resource-URI", d.URL+"/admin/directory/v1/users?customer=my_customer&event="+c.Event+"&alt=json")
		req.Header.Set("X-Goog-Resource-State", state)
		req.Header.Set("X-Goog-Message-Number", strconv.Itoa(n))
		d.mu.Lock()
		closed := d.closed
		if !closed {
			d.pending.Add(1)
		}
		d.mu.Unlock()
		if closed {
			continue
		}
		wg.Add(1)
		go func() {
			defer d.pending.Done()
			defer wg.Done()
			dl := Delivery{ChannelID: c.ID, State: state, UserID: u.ID}
			resp, err := d.post.Do(req)
			if err != nil {
				dl.Err = err
			} else {
				dl.Status = resp.StatusCode
				resp.Body.Close()
			}
			d.mu.Lock()
			d.deliveries = append(d.deliveries, dl)
			d.mu.Unlock()
		}()
	}
	return &wg
}

// token is the OAuth 2.0 token endpoint: the JWT bearer grant (RFC 7523)
// of a service account, checked as Google does: signature, issuer,
// audience, expiry, the delegated scopes and the impersonated admin.
func (d *Directory) token(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.calls["token"]++
	d.mu.Unlock()
	fail := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if f := d.fault("token", r); f != nil {
		fail(f.Status, f.Reason, f.Message)
		return
	}
	if r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		fail(400, "unsupported_grant_type", "Invalid grant_type: "+r.FormValue("grant_type"))
		return
	}
	claims, err := d.verify(r.FormValue("assertion"))
	if err != nil {
		fail(400, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	now := time.Now().Unix() // JWTs are signed with the real clock
	switch {
	case claims.Iss != d.ClientEmail:
		fail(400, "invalid_grant", "Invalid issuer")
	case claims.Aud != d.URL+"/token":
		fail(400, "invalid_grant", "Invalid JWT: audience")
	case claims.Exp < now || claims.Iat > now+300 || claims.Exp-claims.Iat > 3600:
		fail(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
	case d.Admin != "" && !strings.EqualFold(claims.Sub, d.Admin):
		fail(400, "invalid_grant", "Invalid email or User ID")
	case !scopesGranted(claims.Scope):
		fail(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
	default:
		b := make([]byte, 24)
		rand.Read(b)
		tok := "ya29." + base64.RawURLEncoding.EncodeToString(b)
		d.mu.Lock()
		d.tokens[tok] = d.now().Add(time.Hour)
		d.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
	}
}

func scopesGranted(scope string) bool {
	fields := strings.Fields(scope)
	for _, s := range fields {
		if !slices.Contains(GrantedScopes, s) {
			return false
		}
	}
	return len(fields) > 0
}

type jwtClaims struct {
	Iss, Sub, Aud, Scope string
	Iat, Exp             int64
}

// verify checks an RS256 JWT signed by the service account's key.
func (d *Directory) verify(assertion string) (*jwtClaims, error) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT")
	}
	var hdr struct{ Alg string }
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" {
		return nil, fmt.Errorf("bad header")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&d.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return nil, err
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var c jwtClaims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
