package scim

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

func TestNewToken(t *testing.T) {
	re := regexp.MustCompile(`^scimkit_[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 100 {
		tok := NewToken("")
		if !re.MatchString(tok) || seen[tok] {
			t.Fatalf("NewToken = %q: malformed or repeated", tok)
		}
		seen[tok] = true
	}
	if tok := NewToken("acme_"); !regexp.MustCompile(`^acme_[A-Za-z0-9_-]{43}$`).MatchString(tok) {
		t.Errorf("NewToken(acme_) = %q", tok)
	}
	rec := TokenRecordFor("scimkit_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "t", TokenOptions{Name: "okta"})
	if rec.Prefix != "scimkit_abcd" || rec.Hash != HashToken("scimkit_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG") || rec.ID == "" {
		t.Errorf("TokenRecordFor = %+v", rec)
	}
	if rec := TokenRecordFor("short-secret", "t", TokenOptions{}); rec.Prefix != "" {
		t.Errorf("a short secret shows prefix %q", rec.Prefix)
	}
}

// failingTokens is a store.Tokens whose lookups fail.
type failingTokens struct{ store.Tokens }

func (failingTokens) TokenByHash(context.Context, string) (store.TokenRecord, error) {
	return store.TokenRecord{}, store.ErrUnavailable
}

func TestStoreTokens(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	active, rec, err := IssueToken(ctx, st, "acme", TokenOptions{Name: "okta"})
	if err != nil {
		t.Fatal(err)
	}
	next, rec2, _ := IssueToken(ctx, st, "acme", TokenOptions{Name: "okta-next", ReadOnly: true})
	revoked, rec3, _ := IssueToken(ctx, st, "acme", TokenOptions{})
	st.RevokeToken(ctx, rec3.ID)
	expired, _, _ := IssueToken(ctx, st, "acme", TokenOptions{Expires: now.Add(-time.Second)})
	later, rec5, _ := IssueToken(ctx, st, "globex", TokenOptions{Expires: now.Add(time.Hour)})
	auth := &StoreTokens{Tokens: st}
	tests := []struct {
		name, header string
		want         Principal
		wantErr      error // nil: any non-*Error (401)
		ok           bool
	}{
		{"active", "Bearer " + active, Principal{Tenant: "acme", Actor: rec.ID}, nil, true},
		{"second active (rotation)", "Bearer " + next, Principal{Tenant: "acme", Actor: rec2.ID, ReadOnly: true}, nil, true},
		{"not yet expired", "Bearer " + later, Principal{Tenant: "globex", Actor: rec5.ID}, nil, true},
		{"revoked", "Bearer " + revoked, Principal{}, nil, false},
		{"expired", "Bearer " + expired, Principal{}, nil, false},
		{"unknown", "Bearer " + NewToken(""), Principal{}, nil, false},
		{"hash instead of token", "Bearer " + rec.Hash, Principal{}, nil, false},
		{"missing", "", Principal{}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/Users", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := auth.Authenticate(r)
			if (err == nil) != tt.ok {
				t.Fatalf("Authenticate error = %v, want ok=%v", err, tt.ok)
			}
			if _, isSCIM := err.(*Error); isSCIM {
				t.Errorf("error %v is a *Error (would not be 401)", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Principal (-want +got):\n%s", d)
			}
		})
	}
	r := httptest.NewRequest("GET", "/Users", nil)
	r.Header.Set("Authorization", "Bearer "+active)
	if _, err := (&StoreTokens{Tokens: failingTokens{st}}).Authenticate(r); !errors.Is(err, ErrUnavailable) {
		t.Errorf("store down: error %v, want ErrUnavailable (503)", err)
	}
}

func TestStoreTokensTouch(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	secret, rec, _ := IssueToken(ctx, st, "acme", TokenOptions{})
	clock := time.Now()
	auth := &StoreTokens{Tokens: st, Now: func() time.Time { return clock }}
	lastUsed := func() time.Time {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, _ := st.TokenByHash(ctx, rec.Hash)
			if !got.LastUsed.IsZero() || time.Now().After(deadline) {
				return got.LastUsed
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	req := func() {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		if _, err := auth.Authenticate(r); err != nil {
			t.Fatal(err)
		}
	}
	req()
	first := lastUsed()
	if !first.Equal(clock.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("LastUsed = %v, want %v", first, clock)
	}
	clock = clock.Add(30 * time.Second)
	req() // within the interval: not recorded
	time.Sleep(50 * time.Millisecond)
	if got := lastUsed(); !got.Equal(first) {
		t.Errorf("LastUsed moved within the interval: %v", got)
	}
	clock = clock.Add(31 * time.Second)
	req()
	deadline := time.Now().Add(5 * time.Second)
	for lastUsed().Equal(first) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := lastUsed(); !got.Equal(clock.UTC().Truncate(time.Microsecond)) {
		t.Errorf("LastUsed after the interval = %v, want %v", got, clock)
	}
}

// TestStoreTokensFailClosed: a tenant whose only token was revoked cannot
// be reached, and neither can anything without a token, through the
// Handler.
func TestStoreTokensFailClosed(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	secret, rec, _ := IssueToken(ctx, st, "acme", TokenOptions{})
	h := newTestHandler(t, Config{Store: st, Authenticator: &StoreTokens{Tokens: st}})
	get := func(tok string) int {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if got := get(secret); got != http.StatusOK {
		t.Fatalf("active token: %d", got)
	}
	st.RevokeToken(ctx, rec.ID)
	for _, tok := range []string{secret, "", rec.Hash, rec.ID} {
		if got := get(tok); got != http.StatusUnauthorized {
			t.Errorf("token %q after revoking the tenant's only token: %d, want 401", tok, got)
		}
	}
}

// gatedTokens is a store.Tokens whose lookup n (from 1) reports on started
// and waits until gates[n] is closed; the lookups after the first find
// the token revoked.
type gatedTokens struct {
	store.Tokens
	calls
	started chan int
	gates   [8]chan struct{}
}

// calls numbers the calls of a fake, from 1.
type calls struct {
	mu sync.Mutex
	n  int
}

func (c *calls) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (g *gatedTokens) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	n := g.next()
	g.started <- n
	<-g.gates[n]
	rec, err := g.Tokens.TokenByHash(ctx, hash)
	if n > 1 {
		rec.Revoked = time.Now()
	}
	return rec, err
}

// TestStoreTokensSharedLookups: requests that come while a lookup of their
// token runs do not use it (it may predate a revocation); they share the
// next lookup, one for all of them, which starts once the running one has
// ended and sees the revocation. Another token's lookup runs at once.
func TestStoreTokensSharedLookups(t *testing.T) {
	ctx := t.Context()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	secret, _, _ := IssueToken(ctx, st, "acme", TokenOptions{})
	other, _, _ := IssueToken(ctx, st, "acme", TokenOptions{})
	g := &gatedTokens{Tokens: st, started: make(chan int, 100)}
	for i := range g.gates {
		g.gates[i] = make(chan struct{})
	}
	auth := &StoreTokens{Tokens: g, TouchInterval: -1}
	auth.avgLookup.Store(int64(time.Second)) // a slow store: lookups are shared
	authenticate := func(secret string) error {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		_, err := auth.Authenticate(r)
		return err
	}
	first := make(chan error, 1)
	go func() { first <- authenticate(secret) }()
	if n := <-g.started; n != 1 {
		t.Fatalf("lookup %d started first", n)
	}
	const later = 10
	errs := make(chan error, later)
	for range later {
		go func() { errs <- authenticate(secret) }()
	}
	for deadline := time.Now().Add(5 * time.Second); ; { // the later requests wait for the next lookup
		auth.mu.Lock()
		ls := auth.lookups[HashToken(secret)]
		waiting := ls != nil && ls.next != nil
		auth.mu.Unlock()
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the requests that came during the first lookup do not wait for a next one")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the rest join it
	otherDone := make(chan error, 1)
	go func() { otherDone <- authenticate(other) }()
	if n := <-g.started; n != 2 {
		t.Fatalf("lookup %d started for another token", n)
	}
	close(g.gates[2]) // the other token's lookup
	if err := <-otherDone; err == nil {
		t.Error("the other token's lookup (revoked by the fake) was accepted")
	}
	select {
	case n := <-g.started:
		t.Fatalf("lookup %d started while the first was running", n)
	case <-time.After(20 * time.Millisecond):
	}
	close(g.gates[1]) // the first lookup
	if err := <-first; err != nil {
		t.Fatalf("first request: %v", err)
	}
	if n := <-g.started; n != 3 {
		t.Fatalf("lookup %d started after the first", n)
	}
	close(g.gates[3])
	rejected := 0
	for range later {
		if err := <-errs; err != nil {
			rejected++
		}
	}
	if rejected != later {
		t.Errorf("%d of %d requests that came during the first lookup saw the revocation", rejected, later)
	}
	select {
	case n := <-g.started:
		t.Errorf("lookup %d ran: the %d later requests should share one", n, later)
	default:
	}
	auth.mu.Lock()
	left := len(auth.lookups)
	auth.mu.Unlock()
	if left != 0 {
		t.Errorf("%d digests still have lookups", left)
	}
}

// stalledTokens is a store.Tokens whose lookup ends only with its context
// (a store bounded by its caller's deadline, stalled); its first lookup
// panics when panicFirst is set.
type stalledTokens struct {
	store.Tokens
	calls
	panicFirst bool
}

func (s *stalledTokens) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	n := s.next()
	if s.panicFirst {
		if n == 1 {
			panic("store bug")
		}
		return s.Tokens.TokenByHash(ctx, hash)
	}
	<-ctx.Done()
	return store.TokenRecord{}, ctx.Err()
}

// TestStoreTokensLookupDeadlines: a shared lookup still ends with its
// callers' deadlines (the running one, the caller's own; the next, when
// none of its callers waits any more), and a lookup whose store panics
// fails its caller without leaving the token's later requests waiting.
func TestStoreTokensLookupDeadlines(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	secret, _, _ := IssueToken(t.Context(), st, "acme", TokenOptions{})
	authenticate := func(auth *StoreTokens, timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, "GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		_, err := auth.Authenticate(r)
		return err
	}

	stalled := &StoreTokens{Tokens: &stalledTokens{Tokens: st}, TouchInterval: -1}
	stalled.avgLookup.Store(int64(time.Second))
	res := make(chan error, 3)
	for range 3 {
		go func() { res <- authenticate(stalled, 100*time.Millisecond) }()
		time.Sleep(10 * time.Millisecond)
	}
	for i := range 3 {
		select {
		case err := <-res:
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("request %d of a stalled store: %v, want ErrUnavailable", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d with a 100 ms deadline still waits after 5 s", i)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		stalled.mu.Lock()
		left := len(stalled.lookups)
		stalled.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lookup nobody waits for still runs")
		}
	}

	panicking := &StoreTokens{Tokens: &stalledTokens{Tokens: st, panicFirst: true}, TouchInterval: -1}
	panicking.avgLookup.Store(int64(time.Second))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the store's panic did not reach the request that ran the lookup")
			}
		}()
		authenticate(panicking, time.Second)
	}()
	if err := authenticate(panicking, time.Second); err != nil {
		t.Errorf("request after a lookup that panicked: %v", err)
	}
}

// BenchmarkStoreTokensParallel authenticates with one token from
// GOMAXPROCS goroutines at once, on the memory store, whose lookups are
// not shared (under 1 µs; sharing them cost about 2 µs each).
func BenchmarkStoreTokensParallel(b *testing.B) {
	st := memory.New()
	b.Cleanup(func() { st.Close() })
	secret, _, _ := IssueToken(b.Context(), st, "acme", TokenOptions{})
	auth := &StoreTokens{Tokens: st}
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/Users", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		for pb.Next() {
			if _, err := auth.Authenticate(r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// slowTokens is a store.Tokens whose lookups take a millisecond.
type slowTokens struct{ store.Tokens }

func (s slowTokens) TokenByHash(ctx context.Context, hash string) (store.TokenRecord, error) {
	time.Sleep(time.Millisecond)
	return s.Tokens.TokenByHash(ctx, hash)
}

// TestStoreTokensShareSlowLookups: lookups are shared once they take over
// shareLookupsAbove on average, and not for an in-process store.
func TestStoreTokensShareSlowLookups(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	secret, _, _ := IssueToken(t.Context(), st, "acme", TokenOptions{})
	for _, tc := range []struct {
		name   string
		tokens store.Tokens
		shared bool
	}{{"memory", st, false}, {"slow", slowTokens{st}, true}} {
		auth := &StoreTokens{Tokens: tc.tokens, TouchInterval: -1}
		for range 30 {
			r := httptest.NewRequest("GET", "/Users", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			if _, err := auth.Authenticate(r); err != nil {
				t.Fatal(err)
			}
		}
		if shared := time.Duration(auth.avgLookup.Load()) >= shareLookupsAbove; shared != tc.shared {
			t.Errorf("%s store: average lookup %v, shared %v; want shared %v", tc.name, time.Duration(auth.avgLookup.Load()), shared, tc.shared)
		}
	}
}
