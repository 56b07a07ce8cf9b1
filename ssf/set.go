package ssf

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Event type URIs (CAEP 1.0 §3, RISC 1.0 §2, SSF 1.0 §8.1.4).
const (
	// EventSessionRevoked is CAEP session-revoked: the subject's sessions
	// were ended (CAEP 1.0 §3.1).
	EventSessionRevoked = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	// EventTokenClaimsChange is CAEP token-claims-change: claims of tokens
	// issued to the subject changed (CAEP 1.0 §3.2).
	EventTokenClaimsChange = "https://schemas.openid.net/secevent/caep/event-type/token-claims-change"
	// EventCredentialChange is CAEP credential-change (CAEP 1.0 §3.3).
	EventCredentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	// EventAssuranceLevelChange is CAEP assurance-level-change (CAEP 1.0 §3.4).
	EventAssuranceLevelChange = "https://schemas.openid.net/secevent/caep/event-type/assurance-level-change"
	// EventAccountDisabled is RISC account-disabled (RISC 1.0 §2.3).
	EventAccountDisabled = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	// EventAccountEnabled is RISC account-enabled (RISC 1.0 §2.4).
	EventAccountEnabled = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	// EventAccountPurged is RISC account-purged (RISC 1.0 §2.2).
	EventAccountPurged = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
	// EventVerification is the SSF verification event (SSF 1.0 §8.1.4.1).
	EventVerification = "https://schemas.openid.net/secevent/ssf/event-type/verification"
	// EventStreamUpdated is the SSF stream-updated event (SSF 1.0 §8.1.5).
	EventStreamUpdated = "https://schemas.openid.net/secevent/ssf/event-type/stream-updated"
)

// Delivery method URNs (SSF 1.0 §8.1.1).
const (
	DeliveryPush = "urn:ietf:rfc:8935"
	DeliveryPoll = "urn:ietf:rfc:8936"
)

// setType is the JWS "typ" header of a SET (RFC 8417 §2.3).
const setType = "secevent+jwt"

// SET is the claims set of a Security Event Token (RFC 8417 §2.2) as SSF
// 1.0 §4 profiles it: one event per SET, the subject at top level in
// sub_id (RFC 9493).
type SET struct {
	// Issuer (iss) is the transmitter's issuer.
	Issuer string `json:"iss"`
	// ID (jti) identifies the SET; scimkit derives it from the outbox event
	// id, so a redelivery carries the same jti.
	ID string `json:"jti"`
	// IssuedAt (iat), Unix seconds.
	IssuedAt int64 `json:"iat"`
	// Audience (aud): one string or several.
	Audience Audience `json:"aud,omitempty"`
	// Expiry (exp), Unix seconds; SSF SETs usually have none.
	Expiry int64 `json:"exp,omitempty"`
	// TxnID (txn) ties SETs of one transaction (RFC 8417 §2.2).
	TxnID string `json:"txn,omitempty"`
	// Subject (sub_id) is the principal the event is about.
	Subject *Subject `json:"sub_id,omitempty"`
	// Events maps event type URIs to their payloads.
	Events map[string]json.RawMessage `json:"events"`
}

// Audience is the aud claim: a string or an array of strings (RFC 7519
// §4.1.3); it marshals as a string when it has one value.
type Audience []string

// MarshalJSON implements json.Marshaler.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Audience{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = ss
	return nil
}

// Event returns the SET's one event: its type URI and payload. A SET
// with no event or several is refused (CAEP interoperability profile
// §2.8: exactly one event per SET).
func (s *SET) Event() (string, json.RawMessage, error) {
	if len(s.Events) != 1 {
		return "", nil, fmt.Errorf("%w: the SET has %d events, want exactly one", ErrMalformed, len(s.Events))
	}
	for k, v := range s.Events {
		return k, v, nil
	}
	panic("unreachable")
}

// Reason is a localized text (CAEP 1.0 §2: reason_admin and reason_user
// map language tags to strings).
type Reason map[string]string

// EventCommon holds the claims every CAEP event may carry (CAEP 1.0 §2).
type EventCommon struct {
	// EventTimestamp is when the event happened, Unix seconds.
	EventTimestamp int64 `json:"event_timestamp,omitempty"`
	// InitiatingEntity is "admin", "user", "policy" or "system".
	InitiatingEntity string `json:"initiating_entity,omitempty"`
	// ReasonAdmin is the reason shown to administrators.
	ReasonAdmin Reason `json:"reason_admin,omitempty"`
	// ReasonUser is the reason shown to the user.
	ReasonUser Reason `json:"reason_user,omitempty"`
	// Subject is the legacy in-event subject (SSF drafts); SSF 1.0 uses
	// the SET's sub_id. Receivers accept either.
	Subject *Subject `json:"subject,omitempty"`
}

// Time returns EventTimestamp as a time, or fallback when it is absent.
// Some transmitters send milliseconds: values beyond year 5000 in seconds
// are read as milliseconds.
func (e EventCommon) Time(fallback time.Time) time.Time {
	switch ts := e.EventTimestamp; {
	case ts <= 0:
		return fallback
	case ts > 95_617_584_000: // year 5000 in seconds: it must be milliseconds
		return time.UnixMilli(ts)
	default:
		return time.Unix(ts, 0)
	}
}

// SessionRevoked is the CAEP session-revoked payload (CAEP 1.0 §3.1).
type SessionRevoked struct {
	EventCommon
}

// TokenClaimsChange is the CAEP token-claims-change payload (CAEP 1.0 §3.2).
type TokenClaimsChange struct {
	EventCommon
	// Claims are the claims' new values.
	Claims map[string]any `json:"claims"`
}

// CredentialChange is the CAEP credential-change payload (CAEP 1.0 §3.3).
type CredentialChange struct {
	EventCommon
	// CredentialType is e.g. "password", "fido2-roaming", "x509".
	CredentialType string `json:"credential_type"`
	// ChangeType is "create", "revoke", "update" or "delete".
	ChangeType string `json:"change_type"`
}

// AssuranceLevelChange is the CAEP assurance-level-change payload (CAEP
// 1.0 §3.4).
type AssuranceLevelChange struct {
	EventCommon
	// Namespace names the scheme of the levels, e.g. "NIST-AAL" or
	// "RFC8176".
	Namespace string `json:"namespace"`
	// CurrentLevel is the level now; PreviousLevel the one before.
	CurrentLevel string `json:"current_level"`
	// PreviousLevel: see CurrentLevel.
	PreviousLevel string `json:"previous_level,omitempty"`
	// ChangeDirection is "increase" or "decrease".
	ChangeDirection string `json:"change_direction,omitempty"`
}

// Verification is the SSF verification payload (SSF 1.0 §8.1.4.1).
type Verification struct {
	// State is the opaque value the receiver sent in its verification
	// request, echoed back.
	State string `json:"state,omitempty"`
}

// StreamUpdated is the SSF stream-updated payload (SSF 1.0 §8.1.5).
type StreamUpdated struct {
	// Status is the stream's new status: "enabled", "paused" or
	// "disabled".
	Status string `json:"status"`
	// Reason says why, when the transmitter gives one.
	Reason string `json:"reason,omitempty"`
}

// Errors of ParseSET and of the receiver; test with errors.Is. Each maps
// to an RFC 8935 §2.4 error code (see ErrorCode).
var (
	// ErrMalformed: not a compact JWS, not JSON, or missing claims
	// (invalid_request).
	ErrMalformed = errors.New("malformed SET")
	// ErrSignature: the signature does not verify with any key of the
	// issuer, the key is unknown, or the algorithm is not allowed
	// (invalid_key).
	ErrSignature = errors.New("SET signature invalid")
	// ErrIssuer: the issuer is not trusted (invalid_issuer).
	ErrIssuer = errors.New("SET issuer not trusted")
	// ErrAudience: the SET is not addressed to this receiver
	// (invalid_audience).
	ErrAudience = errors.New("SET audience mismatch")
	// ErrExpired: exp is past, or iat is older than the receiver's
	// MaxAge or in the future (invalid_request).
	ErrExpired = errors.New("SET expired")
	// ErrReplay: a SET with this issuer and jti was already received
	// (invalid_request).
	ErrReplay = errors.New("SET already received")
	// ErrAuthentication: the push request's credentials are missing or
	// wrong (authentication_failed).
	ErrAuthentication = errors.New("transmitter authentication failed")
)

// ErrorCode returns the RFC 8935 §2.4 error code for err.
func ErrorCode(err error) string {
	switch {
	case errors.Is(err, ErrSignature):
		return "invalid_key"
	case errors.Is(err, ErrIssuer):
		return "invalid_issuer"
	case errors.Is(err, ErrAudience):
		return "invalid_audience"
	case errors.Is(err, ErrAuthentication):
		return "authentication_failed"
	}
	return "invalid_request"
}

// DefaultAlgorithms is the signature algorithm allow-list of a receiver
// that configures none: RS256 (required by the CAEP interoperability
// profile) and the other asymmetric algorithms transmitters use. "none"
// and HMAC are never accepted.
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// MaxSETSize bounds a SET the parser accepts (64 KiB).
const MaxSETSize = 64 << 10

// ParseSET parses a compact JWS SET without verifying it and returns its
// JWS and claims, for the receiver to pick the key by iss and kid. algs is
// the allow-list (DefaultAlgorithms when empty; "none" and HMAC
// algorithms are always refused). Errors wrap ErrMalformed or ErrSignature
// (an algorithm not allowed).
func ParseSET(token string, algs []string) (*jose.JSONWebSignature, *SET, error) {
	if len(token) > MaxSETSize {
		return nil, nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, MaxSETSize)
	}
	allowed := allowedAlgs(algs)
	jws, err := jose.ParseSignedCompact(token, allowed)
	if err != nil {
		if isAlgError(token, allowed) {
			return nil, nil, fmt.Errorf("%w: signature algorithm not allowed", ErrSignature)
		}
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, nil, fmt.Errorf("%w: want one signature", ErrMalformed)
	}
	var s SET
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &s); err != nil {
		return nil, nil, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	if s.Issuer == "" || s.ID == "" || s.IssuedAt == 0 || len(s.Events) == 0 {
		return nil, nil, fmt.Errorf("%w: iss, jti, iat and events are required (RFC 8417 §2.2)", ErrMalformed)
	}
	if _, _, err := s.Event(); err != nil {
		return nil, nil, err
	}
	return jws, &s, nil
}

func allowedAlgs(algs []string) []jose.SignatureAlgorithm {
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	out := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		if a == "none" || a == "HS256" || a == "HS384" || a == "HS512" {
			continue
		}
		out = append(out, jose.SignatureAlgorithm(a))
	}
	return out
}

// isAlgError reports whether token is a well-formed JWS whose alg is not
// in allowed (so the error is about the key or algorithm, not the format).
func isAlgError(token string, allowed []jose.SignatureAlgorithm) bool {
	h, ok := jwsHeader(token)
	return ok && h.Alg != "" && !slices.Contains(allowed, jose.SignatureAlgorithm(h.Alg))
}
