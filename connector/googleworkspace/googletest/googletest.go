package googletest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GrantedScopes are the read-only scopes the fake grants to its service
// account (the domain-wide delegation an admin would configure).
var GrantedScopes = []string{
	"https://www.googleapis.com/auth/admin.directory.user.readonly",
	"https://www.googleapis.com/auth/admin.directory.group.readonly",
	"https://www.googleapis.com/auth/admin.directory.group.member.readonly",
}

// User is a user of the fake directory.
type User struct {
	// ID is Google's id; AddUser assigns one (21 digits) when empty.
	ID string
	// PrimaryEmail is the user's primary address (users.list primaryEmail).
	PrimaryEmail string
	// GivenName and FamilyName are the user's name.name fields.
	GivenName string
	// FamilyName: see GivenName.
	FamilyName string
	// Suspended and Archived are Google's flags of the same names.
	Suspended bool
	// Archived: see Suspended.
	Archived bool
	// Deleted is when the user was deleted (zero: live).
	Deleted time.Time
}

// Group is a group of the fake directory.
type Group struct {
	// ID is Google's id (AddGroup assigns one when empty), Email the
	// group's address and Name its name.
	ID, Email, Name string
	// Forbidden makes members.list answer 403 forbidden for this group,
	// as Google does for a group whose members it will not disclose.
	Forbidden bool
}

// Member is a direct member of a group: Type is "USER", "GROUP",
// "CUSTOMER" (every user) or "EXTERNAL".
type Member struct {
	// ID is the member's Google id, Email its address and Type its kind
	// (see Member).
	ID, Email, Type string
}

// Channel is a users.watch channel.
type Channel struct {
	// ID, ResourceID, Token, Address and Event are the channel as
	// users.watch opened it: the client's channel id and token, Google's
	// resource id, the notification URL and the watched event.
	ID, ResourceID, Token, Address, Event string
	// Expiration is when the channel expires.
	Expiration time.Time
	// Stopped is set by channels.stop.
	Stopped  bool
	messages int
}

// Delivery is one notification the fake sent.
type Delivery struct {
	// ChannelID is the channel notified, State the X-Goog-Resource-State
	// sent ("sync", "add", "update"…) and UserID the user it names.
	ChannelID, State, UserID string
	// Status is the receiver's status (0: not reached).
	Status int
	// Err is the transport error, when the receiver was not reached.
	Err error
}

// Fault makes matching requests fail.
type Fault struct {
	// Op is the method to fail: "users.list", "users.get", "users.watch",
	// "groups.list", "members.list", "channels.stop" or "token" ("" any).
	Op string
	// Match, when set, must also accept the request.
	Match func(*http.Request) bool
	// Skip lets this many matching requests through first.
	Skip int
	// Times is how many requests fail (0: one; negative: all).
	Times int
	// Status, Reason and Message form the answer, in Google's error shape.
	Status int
	// Reason and Message: see Status.
	Reason, Message string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
}

// Directory is a fake Google Workspace directory and its HTTP server.
// Methods are safe for concurrent use.
type Directory struct {
	// URL is the API root (googleworkspace.Config.Endpoint); the token
	// endpoint is URL + "/token".
	URL string
	// Admin is the admin the service account may impersonate ("sub").
	Admin string
	// Customer is the customer id ("my_customer" is accepted too).
	Customer string
	// ClientEmail and ClientID identify the fake service account.
	ClientEmail, ClientID string

	srv  *httptest.Server
	key  *rsa.PrivateKey
	post *http.Client

	mu         sync.Mutex
	offset     time.Duration
	users      []*User
	groups     []*Group
	members    map[string][]Member
	channels   map[string]*Channel
	tokens     map[string]time.Time
	faults     []*Fault
	calls      map[string]int
	deliveries []Delivery
	nextID     int64
	closed     bool
	pending    sync.WaitGroup // notifications in flight; Add under mu while !closed
}

// New starts a fake directory, closed when the test ends.
func New(tb testing.TB) *Directory {
	tb.Helper()
	d, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(d.Close)
	return d
}

// Start starts a fake directory; Close stops it.
func Start() (*Directory, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	d := &Directory{Admin: "admin@example.com", Customer: "C03az79cb", ClientEmail: "scimkit@project.iam.gserviceaccount.com",
		ClientID: "104170000000000000001", key: key, members: map[string][]Member{}, channels: map[string]*Channel{},
		tokens: map[string]time.Time{}, calls: map[string]int{}, nextID: 100000000000000000,
		post: &http.Client{Timeout: 10 * time.Second}}
	d.srv = httptest.NewServer(d.routes())
	d.URL = d.srv.URL
	return d, nil
}

// Close waits for notifications in flight and stops the server.
func (d *Directory) Close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.pending.Wait()
	d.srv.Close()
}

// Credentials returns the service account's JSON key file, whose
// token_uri is the fake's token endpoint.
func (d *Directory) Credentials() []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(d.key)
	b, _ := json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "scimkit-test",
		"private_key_id":              "0123456789abcdef",
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                d.ClientEmail,
		"client_id":                   d.ClientID,
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   d.URL + "/token",
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
	}, "", "  ")
	return b
}

// now is the fake's clock.
func (d *Directory) now() time.Time { return time.Now().Add(d.offset) }

// Advance moves the fake's clock (channel and token expiry) forward.
func (d *Directory) Advance(by time.Duration) {
	d.mu.Lock()
	d.offset += by
	d.mu.Unlock()
}

func (d *Directory) newID() string {
	d.nextID++
	return strconv.FormatInt(d.nextID, 10) + "123"
}

// AddUser adds a user and returns its id; watch channels of "add" are
// notified.
func (d *Directory) AddUser(u User) string {
	d.mu.Lock()
	if u.ID == "" {
		u.ID = d.newID()
	}
	d.users = append(d.users, &u)
	d.mu.Unlock()
	d.notify("add", u)
	return u.ID
}

// UpdateUser changes a user with fn and notifies "update" channels.
func (d *Directory) UpdateUser(id string, fn func(*User)) {
	d.mu.Lock()
	u := d.user(id)
	if u == nil {
		d.mu.Unlock()
		panic("googletest: no user " + id)
	}
	fn(u)
	cp := *u
	d.mu.Unlock()
	d.notify("update", cp)
}

// SetSuspended suspends or unsuspends a user ("update").
func (d *Directory) SetSuspended(id string, suspended bool) {
	d.UpdateUser(id, func(u *User) { u.Suspended = suspended })
}

// DeleteUser deletes a user: users.get answers 404 and it is listed only
// with showDeleted=true. "delete" channels are notified.
func (d *Directory) DeleteUser(id string) {
	d.mu.Lock()
	u := d.user(id)
	if u == nil {
		d.mu.Unlock()
		panic("googletest: no user " + id)
	}
	u.Deleted = d.now()
	cp := *u
	for gid, ms := range d.members {
		d.members[gid] = removeMember(ms, id)
	}
	d.mu.Unlock()
	d.notify("delete", cp)
}

// PurgeUser removes a user completely (as Google does some 20 days after
// a deletion), without notification.
func (d *Directory) PurgeUser(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, u := range d.users {
		if u.ID == id {
			d.users = append(d.users[:i], d.users[i+1:]...)
			return
		}
	}
}

// AddGroup adds a group and returns its id.
func (d *Directory) AddGroup(g Group) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if g.ID == "" {
		g.ID = "0" + d.newID()[1:]
	}
	d.groups = append(d.groups, &g)
	return g.ID
}

// UpdateGroup changes a group with fn.
func (d *Directory) UpdateGroup(id string, fn func(*Group)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range d.groups {
		if g.ID == id {
			fn(g)
			return
		}
	}
	panic("googletest: no group " + id)
}

// DeleteGroup removes a group and its memberships.
func (d *Directory) DeleteGroup(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, g := range d.groups {
		if g.ID == id {
			d.groups = append(d.groups[:i], d.groups[i+1:]...)
		}
	}
	delete(d.members, id)
	for gid, ms := range d.members {
		d.members[gid] = removeMember(ms, id)
	}
}

// AddMember adds a direct member to a group (a user or group id, with its
// type: "USER", "GROUP", "CUSTOMER", "EXTERNAL").
func (d *Directory) AddMember(groupID string, m Member) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.members[groupID] = append(removeMember(d.members[groupID], m.ID), m)
}

// RemoveMember removes a direct member from a group.
func (d *Directory) RemoveMember(groupID, memberID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.members[groupID] = removeMember(d.members[groupID], memberID)
}

func removeMember(ms []Member, id string) []Member {
	out := ms[:0:0]
	for _, m := range ms {
		if m.ID != id {
			out = append(out, m)
		}
	}
	return out
}

// Fail injects a fault.
func (d *Directory) Fail(f Fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	d.faults = append(d.faults, &f)
}

// ClearFaults removes every fault.
func (d *Directory) ClearFaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = nil
}

// Calls returns how many requests of the method op the fake received
// ("" for all, token requests included).
func (d *Directory) Calls(op string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if op != "" {
		return d.calls[op]
	}
	n := 0
	for _, c := range d.calls {
		n += c
	}
	return n
}

// ResetCalls sets every call count to zero.
func (d *Directory) ResetCalls() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.calls)
}

// Channels returns the channels that are open (not stopped, not
// expired), sorted by id.
func (d *Directory) Channels() []Channel {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Channel
	for _, c := range d.channels {
		if !c.Stopped && c.Expiration.After(d.now()) {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Deliveries returns the notifications answered so far.
func (d *Directory) Deliveries() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Delivery(nil), d.deliveries...)
}

// user returns the user with id or primary email key, deleted or not.
func (d *Directory) user(key string) *User {
	for _, u := range d.users {
		if u.ID == key || strings.EqualFold(u.PrimaryEmail, key) {
			return u
		}
	}
	return nil
}

func (d *Directory) group(key string) *Group {
	for _, g := range d.groups {
		if g.ID == key || strings.EqualFold(g.Email, key) {
			return g
		}
	}
	return nil
}

// userJSON is the users resource shape (admin#directory#user).
func userJSON(u *User) map[string]any {
	m := map[string]any{
		"kind": "admin#directory#user", "id": u.ID, "etag": fmt.Sprintf("\"etag-%s-%t\"", u.ID, u.Suspended),
		"primaryEmail": u.PrimaryEmail, "isAdmin": false, "isDelegatedAdmin": false,
		"name":      map[string]any{"givenName": u.GivenName, "familyName": u.FamilyName, "fullName": strings.TrimSpace(u.GivenName + " " + u.FamilyName)},
		"suspended": u.Suspended, "archived": u.Archived, "customerId": "C03az79cb", "orgUnitPath": "/",
		"emails":       []any{map[string]any{"address": u.PrimaryEmail, "primary": true}},
		"creationTime": "2024-01-02T03:04:05.000Z", "isMailboxSetup": true,
	}
	if !u.Deleted.IsZero() {
		m["deletionTime"] = u.Deleted.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return m
}
