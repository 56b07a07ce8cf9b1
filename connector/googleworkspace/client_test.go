package googleworkspace_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/connector/googleworkspace/googletest"
)

// newClient returns a client of d with fast retries and a log buffer.
func newClient(t testing.TB, d *googletest.Directory, mod func(*googleworkspace.Config)) (*googleworkspace.Client, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := googleworkspace.Config{Credentials: d.Credentials(), Subject: d.Admin, Endpoint: d.URL,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&cfg)
	}
	c, err := googleworkspace.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, &logs
}

func listUsers(t *testing.T, c *googleworkspace.Client) ([]connector.User, error) {
	t.Helper()
	var out []connector.User
	err := c.ListUsers(t.Context(), func(u connector.User) error { out = append(out, u); return nil })
	return out, err
}

func TestListUsersPagesAndMapping(t *testing.T) {
	d := googletest.New(t)
	for i := range 1203 {
		d.AddUser(googletest.User{PrimaryEmail: fmt.Sprintf("u%04d@example.com", i), GivenName: "G", FamilyName: fmt.Sprint(i)})
	}
	sus := d.AddUser(googletest.User{PrimaryEmail: "sus@example.com", Suspended: true})
	arch := d.AddUser(googletest.User{PrimaryEmail: "arch@example.com", Archived: true})
	gone := d.AddUser(googletest.User{PrimaryEmail: "gone@example.com", GivenName: "Gone"})
	d.DeleteUser(gone)
	c, _ := newClient(t, d, nil)
	users, err := listUsers(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1206 {
		t.Fatalf("%d users, want 1206", len(users))
	}
	// 1205 live users: 3 pages of 500; 1 deleted user: 1 page.
	if got := d.Calls("users.list"); got != 4 {
		t.Errorf("users.list called %d times, want 4", got)
	}
	byID := map[string]connector.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	if byID[sus].Active || byID[arch].Active || !byID[gone].Deleted || byID[sus].Deleted {
		t.Errorf("suspended %+v archived %+v deleted %+v", byID[sus], byID[arch], byID[gone])
	}
	first := users[0]
	want := connector.User{ID: first.ID, UserName: "u0000@example.com", Email: "u0000@example.com", GivenName: "G", FamilyName: "0", Active: true}
	if d := cmp.Diff(want, first); d != "" {
		t.Errorf("first user (-want +got):\n%s", d)
	}
}

func TestGetUser(t *testing.T) {
	d := googletest.New(t)
	id := d.AddUser(googletest.User{PrimaryEmail: "a@example.com"})
	c, _ := newClient(t, d, nil)
	u, err := c.GetUser(t.Context(), id)
	if err != nil || u.UserName != "a@example.com" || !u.Active {
		t.Fatalf("GetUser = %+v, %v", u, err)
	}
	d.DeleteUser(id)
	if _, err := c.GetUser(t.Context(), id); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("deleted user: err = %v, want ErrNotFound", err)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault googletest.Fault
	}{
		{"403 userRateLimitExceeded", googletest.Fault{Status: 403, Reason: "userRateLimitExceeded", Message: "User Rate Limit Exceeded", Times: 2}},
		{"403 quotaExceeded with Retry-After", googletest.Fault{Status: 403, Reason: "quotaExceeded", Message: "Quota exceeded", RetryAfter: "0", Times: 2}},
		{"429", googletest.Fault{Status: 429, Reason: "rateLimitExceeded", Message: "Too Many Requests", RetryAfter: "1"}},
		{"500", googletest.Fault{Status: 500, Reason: "backendError", Message: "Backend Error", Times: 3}},
		{"503", googletest.Fault{Status: 503, Reason: "backendError", Message: "Service unavailable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := googletest.New(t)
			d.AddUser(googletest.User{PrimaryEmail: "a@example.com"})
			tc.fault.Op = "users.list"
			d.Fail(tc.fault)
			c, logs := newClient(t, d, nil)
			users, err := listUsers(t, c)
			if err != nil || len(users) != 1 {
				t.Fatalf("ListUsers = %d users, %v", len(users), err)
			}
			if !strings.Contains(logs.String(), "retrying") {
				t.Errorf("no retry logged: %s", logs)
			}
		})
	}
}

func TestRetriesGiveUp(t *testing.T) {
	d := googletest.New(t)
	d.AddUser(googletest.User{PrimaryEmail: "a@example.com"})
	d.Fail(googletest.Fault{Op: "users.list", Status: 503, Reason: "backendError", Message: "down", Times: -1})
	c, _ := newClient(t, d, func(c *googleworkspace.Config) { c.MaxRetries = 2 })
	_, err := listUsers(t, c)
	var ae *googleworkspace.Error
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Op != "users.list" {
		t.Fatalf("err = %v, want a 503 users.list Error", err)
	}
	if got := d.Calls("users.list"); got != 3 {
		t.Errorf("%d calls, want 3 (1 + 2 retries)", got)
	}
}

func TestForbiddenIsNotRetried(t *testing.T) {
	d := googletest.New(t)
	g := d.AddGroup(googletest.Group{Email: "ext@example.com", Name: "External", Forbidden: true})
	c, _ := newClient(t, d, nil)
	err := c.ListMembers(t.Context(), g, func(connector.Member) error { return nil })
	if !errors.Is(err, connector.ErrInaccessible) {
		t.Fatalf("err = %v, want ErrInaccessible", err)
	}
	if got := d.Calls("members.list"); got != 1 {
		t.Errorf("%d calls, want 1", got)
	}
}

func TestMembersPagesAndKinds(t *testing.T) {
	d := googletest.New(t)
	g := d.AddGroup(googletest.Group{Email: "big@example.com", Name: "Big"})
	for i := range 450 {
		d.AddMember(g, googletest.Member{ID: fmt.Sprint(i), Type: "USER"})
	}
	d.AddMember(g, googletest.Member{ID: "nested", Type: "GROUP"})
	d.AddMember(g, googletest.Member{ID: "C03az79cb", Type: "CUSTOMER"})
	d.AddMember(g, googletest.Member{ID: "x", Email: "x@gmail.com", Type: "EXTERNAL"})
	c, _ := newClient(t, d, nil)
	kinds := map[connector.MemberKind]int{}
	err := c.ListMembers(t.Context(), g, func(m connector.Member) error { kinds[m.Kind]++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[connector.MemberKind]int{connector.MemberUser: 450, connector.MemberGroup: 1, connector.MemberEveryone: 1, connector.MemberOther: 1}
	if d := cmp.Diff(want, kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
	if got := d.Calls("members.list"); got != 3 {
		t.Errorf("members.list called %d times, want 3 (200 a page)", got)
	}
}

func TestCredentials(t *testing.T) {
	d := googletest.New(t)
	key := d.Credentials()
	for _, tc := range []struct {
		name, creds, want string
	}{
		{"not JSON", "nope", "not a JSON key file"},
		{"OAuth client secret", `{"installed": {}}`, `type is ""`},
		{"no key", `{"type":"service_account","client_email":"a@b"}`, "private_key is missing"},
		{"bad key", `{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`, "not an RSA private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := googleworkspace.New(googleworkspace.Config{Credentials: []byte(tc.creds), Subject: "a@b"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A subject the service account may not impersonate: a clear error,
	// not retried, and the private key appears nowhere.
	c, logs := newClient(t, d, func(c *googleworkspace.Config) { c.Subject = "someone@example.com" })
	_, err := listUsers(t, c)
	var te *googleworkspace.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !strings.Contains(err.Error(), "domain-wide delegation") {
		t.Fatalf("err = %v, want a TokenError invalid_grant naming domain-wide delegation", err)
	}
	if got := d.Calls("token"); got != 1 {
		t.Errorf("token endpoint called %d times, want 1", got)
	}
	pk := string(key[strings.Index(string(key), "MII"):][:64])
	if strings.Contains(err.Error()+logs.String(), pk) {
		t.Error("the private key leaked into an error or the log")
	}
}

func TestExpiredTokenIsRenewed(t *testing.T) {
	d := googletest.New(t)
	d.AddUser(googletest.User{PrimaryEmail: "a@example.com"})
	c, _ := newClient(t, d, nil)
	if _, err := listUsers(t, c); err != nil {
		t.Fatal(err)
	}
	d.Advance(2 * time.Hour) // the fake's tokens expire; the client's cached one is refused
	if _, err := c.GetUser(context.Background(), "nobody"); !errors.Is(err, connector.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound after a token renewal", err)
	}
	if got := d.Calls("token"); got != 2 {
		t.Errorf("token endpoint called %d times, want 2", got)
	}
}
