package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Principal is the authenticated client of a request: the tenant whose
// resources it may see and change, and who it is.
type Principal struct {
	// Tenant scopes every store operation of the request. An empty Tenant
	// means DefaultTenant.
	Tenant string
	// Actor identifies the credential (e.g. a token id); it is recorded in
	// the store's events and logs. It must not be the secret itself.
	Actor string
	// ReadOnly principals may only read: POST, PUT, PATCH and DELETE
	// answer 403.
	ReadOnly bool
}

// DefaultTenant is the tenant of a Principal whose Tenant is empty, for
// single-tenant deployments.
const DefaultTenant = "default"

// Authenticator authenticates a request (RFC 7644 §2: the protocol relies
// on HTTP authentication, typically an OAuth bearer token, RFC 6750).
//
// Authenticate returns the request's Principal, or an error: a *Error is
// written as is (return ErrUnavailable for a transient failure of a token
// backend, so clients retry instead of disabling the integration); any
// other error is answered 401 with WWW-Authenticate: Bearer realm="scim"
// and logged. It must be safe for concurrent use.
type Authenticator interface {
	// Authenticate returns the request's Principal or an error, as described above.
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface, as
// http.HandlerFunc does for handlers.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// StaticToken is one bearer token accepted by StaticTokens. Only the
// token's SHA-256 digest is kept in memory.
type StaticToken struct {
	// Tenant is the tenant the token gives access to.
	Tenant string
	// ID names the token in logs and events (Principal.Actor); when empty,
	// the first 8 hex digits of the digest are used.
	ID string
	// SHA256 is the hex-encoded SHA-256 digest of the token; see HashToken.
	SHA256 string
	// ReadOnly makes the token's principal read-only.
	ReadOnly bool
}

// StaticTokens is an Authenticator for a fixed set of bearer tokens
// (RFC 6750 §2.1), for the reference server and tests. A tenant may have
// several tokens (to rotate them without downtime). The presented token is
// hashed and compared with every digest in constant time.
//
//	scim.StaticTokens{
//		{Tenant: "acme", ID: "okta", SHA256: scim.HashToken(os.Getenv("OKTA_TOKEN"))},
//		{Tenant: "acme", ID: "okta-next", SHA256: scim.HashToken(os.Getenv("OKTA_TOKEN_NEXT"))},
//	}
type StaticTokens []StaticToken

// HashToken returns the hex-encoded SHA-256 digest of token, the form
// StaticToken.SHA256 takes.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// errBadToken is the cause logged when a token is missing or unknown.
var errBadToken = errors.New("bearer token missing or not recognised")

// Authenticate implements Authenticator. Every digest is compared, match
// or not, so the time taken does not depend on which token matched.
func (s StaticTokens) Authenticate(r *http.Request) (Principal, error) {
	tok, ok := BearerToken(r)
	if !ok {
		return Principal{}, errBadToken
	}
	sum := sha256.Sum256([]byte(tok))
	found := -1
	for i, t := range s {
		want, ok := decodeDigest(t.SHA256)
		if ok && subtle.ConstantTimeCompare(sum[:], want[:]) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return Principal{}, errBadToken
	}
	t := s[found]
	id := t.ID
	if id == "" {
		id = strings.ToLower(t.SHA256[:8])
	}
	return Principal{Tenant: t.Tenant, Actor: id, ReadOnly: t.ReadOnly}, nil
}

// decodeDigest decodes a hex SHA-256 digest without allocating (it runs
// for every token on every request).
func decodeDigest(s string) (d [sha256.Size]byte, ok bool) {
	if len(s) != 2*sha256.Size {
		return d, false
	}
	for i := range d {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return d, false
		}
		d[i] = hi<<4 | lo
	}
	return d, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// validate checks the tokens once, from New.
func (s StaticTokens) validate() error {
	if len(s) == 0 {
		return errors.New("scim: StaticTokens has no token")
	}
	for i, t := range s {
		if t.Tenant == "" {
			return fmt.Errorf("scim: StaticTokens[%d]: empty Tenant", i)
		}
		if _, ok := decodeDigest(t.SHA256); !ok {
			return fmt.Errorf("scim: StaticTokens[%d] (tenant %q): SHA256 must be 64 hex digits (use HashToken)", i, t.Tenant)
		}
	}
	return nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header (RFC 6750 §2.1; the scheme is case-insensitive). A header holding
// a bare token without a scheme is accepted too, as some IdP admin screens
// produce it.
func BearerToken(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", false
	}
	scheme, tok, found := strings.Cut(h, " ")
	if !found {
		return h, true
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

type principalKey struct{}

// PrincipalFrom returns the Principal of an authenticated request's
// context, for hooks and handlers a gateway wraps around the Handler.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok && ri.authed {
		return ri.principal, true
	}
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}
