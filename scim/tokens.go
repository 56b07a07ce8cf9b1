package scim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scimkit/store"
)

// DefaultTokenPrefix starts every token NewToken makes, so that secret
// scanners (GitHub push protection, gitleaks, trufflehog custom rules) can
// recognise a leaked scimkit token: scimkit_[A-Za-z0-9_-]{43}.
const DefaultTokenPrefix = "scimkit_"

// DefaultTouchInterval is how often StoreTokens records a token's
// last-used time at most.
const DefaultTouchInterval = time.Minute

// NewToken returns a new bearer token (RFC 6750 §2.1): prefix
// (DefaultTokenPrefix when empty) followed by 256 bits from crypto/rand in
// unpadded base64url, 43 characters.
func NewToken(prefix string) string {
	if prefix == "" {
		prefix = DefaultTokenPrefix
	}
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenOptions describe a token IssueToken or TokenRecordFor makes.
type TokenOptions struct {
	// Name labels the token, e.g. "okta".
	Name string
	// Expires, when not zero, is when the token stops working.
	Expires time.Time
	// ReadOnly tokens may only read (POST, PUT, PATCH, DELETE answer 403).
	ReadOnly bool
	// Prefix replaces DefaultTokenPrefix for IssueToken.
	Prefix string
}

// TokenRecordFor returns the record that stores secret for tenant: a new
// random id, the secret's SHA-256 digest and a display prefix. The secret
// itself is not in it. Use it to store a secret made elsewhere (such as an
// environment variable); IssueToken makes and stores a new one.
func TokenRecordFor(secret, tenant string, opts TokenOptions) store.TokenRecord {
	var id [9]byte
	rand.Read(id[:])
	return store.TokenRecord{ID: "tok_" + base64.RawURLEncoding.EncodeToString(id[:]), Tenant: tenant,
		Name: opts.Name, Hash: HashToken(secret), Prefix: displayPrefix(secret), ReadOnly: opts.ReadOnly,
		Expires: opts.Expires}
}

// displayPrefix is what people see of a secret: the scimkit prefix and
// four more characters of a long token, nothing of a short one.
func displayPrefix(secret string) string {
	if len(secret) < 32 {
		return ""
	}
	n := 4
	if i := strings.IndexByte(secret, '_'); i >= 0 && i < 16 {
		n += i + 1
	}
	return secret[:n]
}

// IssueToken makes a new token for tenant with NewToken, stores its record
// in st and returns the secret, which is shown once and never stored, and
// the record.
func IssueToken(ctx context.Context, st store.Tokens, tenant string, opts TokenOptions) (string, store.TokenRecord, error) {
	secret := NewToken(opts.Prefix)
	rec, err := st.CreateToken(ctx, TokenRecordFor(secret, tenant, opts))
	if err != nil {
		return "", rec, err
	}
	return secret, rec, nil
}

// StoreTokens is an Authenticator for the bearer tokens of a store.Tokens
// (RFC 6750 §2.1). Create it as &StoreTokens{Tokens: st}; it is safe for
// concurrent use and must not be copied after first use.
//
// The presented token is hashed with SHA-256 and looked up by its digest,
// so the lookup's timing depends only on the digest, never on how much of
// a secret matched; the record's digest is still compared in constant
// time. Unknown, revoked and expired tokens are answered 401, so a tenant
// without an active token cannot be reached at all (fail closed). A store
// error other than "not found" is answered 503 (ErrUnavailable), so IdPs
// retry instead of disabling the integration.
//
// Each token's last-used time is written at most once per TouchInterval,
// in the background, so authentication adds one indexed read per request,
// and fewer under load: concurrent requests presenting one token share a
// lookup, but only one that started after they arrived. While a lookup
// of a token runs, the requests that come with it wait for the next,
// which starts when the running one ends and answers all of them; so a
// revocation that committed before a request arrived is always seen (on
// every replica, with a store that reads its primary), as with a lookup
// of its own. A token has at most one lookup running and one waiting,
// however many requests present it at once. Lookups are shared only while
// they take over 50 µs on average (a database across a network): an
// in-process store's lookups are cheaper than sharing them.
type StoreTokens struct {
	// Tokens holds the tokens. Required.
	Tokens store.Tokens
	// TouchInterval is the minimum time between two last-used updates of a
	// token. Zero means DefaultTouchInterval; negative never updates.
	TouchInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives store errors. Default slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	touched map[string]time.Time     // token id → last touch started here
	lookups map[string]*tokenLookups // digest → its lookups (lookup)
	// avgLookup is a moving average of TokenByHash's duration, in ns:
	// lookups are shared only above shareLookupsAbove.
	avgLookup atomic.Int64
}

// shareLookupsAbove is the average lookup above which StoreTokens shares
// lookups: sharing costs about 2 µs of coordination per request under
// contention (BenchmarkStoreTokensParallel), worth it when a lookup is a
// round trip to a database (PostgreSQL), not for an in-process store
// (memory: well under 1 µs).
const shareLookupsAbove = 50 * time.Microsecond

// observe adds one lookup's duration to the moving average.
func (a *StoreTokens) observe(d time.Duration) {
	avg := a.avgLookup.Load()
	a.avgLookup.Store(avg + (int64(d)-avg)/8)
}

// tokenLookups are the lookups of one digest: the running one, and the
// next, which the requests that came while it runs wait for.
type tokenLookups struct {
	running, next *tokenLookup
}

// tokenLookup is one TokenByHash, shared by the requests it answers
// (waiters); it is cancelled when the last of them stops waiting.
type tokenLookup struct {
	done    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	waiters int
	rec     store.TokenRecord
	err     error
}

// Authenticate implements Authenticator.
func (a *StoreTokens) Authenticate(r *http.Request) (Principal, error) {
	secret, ok := BearerToken(r)
	if !ok {
		return Principal{}, errBadToken
	}
	sum := sha256.Sum256([]byte(secret))
	rec, err := a.lookup(r.Context(), hex.EncodeToString(sum[:]))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, errBadToken
	}
	if err != nil {
		a.logger().LogAttrs(r.Context(), slog.LevelError, "scim: token lookup failed",
			slog.String("request_id", RequestIDFrom(r.Context())), slog.Any("error", err))
		return Principal{}, ErrUnavailable.WithDetail("The credential store is unavailable; retry later.")
	}
	want, err := hex.DecodeString(rec.Hash)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return Principal{}, errBadToken
	}
	now := a.now()
	switch {
	case !rec.Revoked.IsZero():
		return Principal{}, fmt.Errorf("token %s was revoked at %s", rec.ID, rec.Revoked.Format(time.RFC3339))
	case !rec.Active(now):
		return Principal{}, fmt.Errorf("token %s expired at %s", rec.ID, rec.Expires.Format(time.RFC3339))
	case rec.Tenant == "":
		return Principal{}, fmt.Errorf("token %s has no tenant", rec.ID)
	}
	a.touch(r.Context(), rec, now)
	return Principal{Tenant: rec.Tenant, Actor: rec.ID, ReadOnly: rec.ReadOnly}, nil
}

// lookup returns the record of digest from a lookup that started after
// the call: its own, run by the caller with its context, when none of
// digest runs; else the next one, shared with the calls that came
// meanwhile and started in a goroutine of its own when the running one
// ends, in the context of the first of them without its cancellation,
// and cancelled once none of them waits. A caller whose ctx ends stops
// waiting.
func (a *StoreTokens) lookup(ctx context.Context, digest string) (store.TokenRecord, error) {
	if time.Duration(a.avgLookup.Load()) < shareLookupsAbove {
		start := time.Now()
		rec, err := a.Tokens.TokenByHash(ctx, digest)
		a.observe(time.Since(start))
		return rec, err
	}
	a.mu.Lock()
	ls := a.lookups[digest]
	if ls == nil {
		if a.lookups == nil {
			a.lookups = map[string]*tokenLookups{}
		}
		l := &tokenLookup{done: make(chan struct{}), ctx: ctx, cancel: func() {}, waiters: 1}
		ls = &tokenLookups{running: l}
		a.lookups[digest] = ls
		a.mu.Unlock()
		a.run(digest, ls, l, false)
		return l.rec, l.err
	}
	l := ls.next
	if l == nil {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l = &tokenLookup{done: make(chan struct{}), ctx: lctx, cancel: cancel}
		ls.next = l
	}
	l.waiters++
	a.mu.Unlock()
	select {
	case <-l.done:
		return l.rec, l.err
	case <-ctx.Done():
		a.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			if ls.next == l {
				ls.next = nil // not started: the next caller starts another
			}
			l.cancel()
		}
		a.mu.Unlock()
		return store.TokenRecord{}, ctx.Err()
	}
}

// run runs lookup l of digest, the running one of ls, answers its callers
// and starts the next lookup, if any, in a goroutine (async: this is
// one). A panic of the store ends the lookup with an error, and is passed
// on to the caller that ran it inline, as before lookups were shared.
func (a *StoreTokens) run(digest string, ls *tokenLookups, l *tokenLookup, async bool) {
	defer func() {
		p := recover()
		if p != nil {
			l.err = fmt.Errorf("scim: token lookup panicked: %v", p)
		}
		a.mu.Lock()
		if next := ls.next; next != nil {
			ls.running, ls.next = next, nil
			go a.run(digest, ls, next, true)
		} else {
			delete(a.lookups, digest)
		}
		a.mu.Unlock()
		l.cancel()
		close(l.done)
		if p != nil && !async {
			panic(p)
		}
	}()
	start := time.Now()
	l.rec, l.err = a.Tokens.TokenByHash(l.ctx, digest)
	a.observe(time.Since(start))
}

// touch records the token's use in the background unless it was recorded
// (here or, as the record shows, by another replica) within the interval.
func (a *StoreTokens) touch(ctx context.Context, rec store.TokenRecord, now time.Time) {
	every := a.TouchInterval
	if every == 0 {
		every = DefaultTouchInterval
	}
	if every < 0 || (!rec.LastUsed.IsZero() && now.Sub(rec.LastUsed) < every) {
		return
	}
	a.mu.Lock()
	if last, ok := a.touched[rec.ID]; ok && now.Sub(last) < every {
		a.mu.Unlock()
		return
	}
	if a.touched == nil {
		a.touched = map[string]time.Time{}
	}
	a.touched[rec.ID] = now
	a.mu.Unlock()
	a.touchAsync(ctx, rec.ID, now)
}

// touchAsync records the use of token id in the background. It is apart
// from touch so that only a touch that happens pays for the goroutine's
// captured variables (rec would escape on every request).
func (a *StoreTokens) touchAsync(ctx context.Context, id string, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	go func() {
		defer cancel()
		if err := a.Tokens.TouchToken(ctx, id, now); err != nil {
			a.logger().LogAttrs(ctx, slog.LevelDebug, "scim: recording token use failed",
				slog.String("token", id), slog.Any("error", err))
		}
	}()
}

func (a *StoreTokens) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *StoreTokens) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// validate checks the authenticator once, from New.
func (a *StoreTokens) validate() error {
	if a.Tokens == nil {
		return errors.New("scim: StoreTokens.Tokens is required")
	}
	return nil
}
