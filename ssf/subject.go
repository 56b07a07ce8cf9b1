package ssf

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Subject identifier formats (RFC 9493 §3.2) and the SSF complex subject
// (SSF 1.0 §3.2).
const (
	FormatAccount = "account"
	FormatEmail   = "email"
	FormatIssSub  = "iss_sub"
	FormatOpaque  = "opaque"
	FormatPhone   = "phone_number"
	FormatURI     = "uri"
	FormatAliases = "aliases"
	FormatComplex = "complex"
)

// Subject is a subject identifier (RFC 9493 §3): a format and the members
// that format defines. A complex subject (SSF 1.0 §3.2) names its parts
// (user, session, tenant, ...) each with a simple subject; aliases lists
// several identifiers of one subject.
type Subject struct {
	// Format is the identifier format (FormatEmail, FormatIssSub, ...),
	// which says which members below are set.
	Format string `json:"format,omitempty"`
	// Email (email), URI (account: "acct:...", uri), Phone (phone_number).
	Email string `json:"email,omitempty"`
	URI   string `json:"uri,omitempty"`
	Phone string `json:"phone_number,omitempty"`
	// Iss and Sub (iss_sub).
	Iss string `json:"iss,omitempty"`
	Sub string `json:"sub,omitempty"`
	// ID (opaque).
	ID string `json:"id,omitempty"`
	// URL (did); JTI with Iss (jwt_id); Issuer and AssertionID
	// (saml_assertion_id): formats a receiver cannot map to a user, kept
	// so a subject round-trips.
	URL         string `json:"url,omitempty"`
	JTI         string `json:"jti,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
	AssertionID string `json:"assertion_id,omitempty"`
	// Identifiers (aliases).
	Identifiers []Subject `json:"identifiers,omitempty"`
	// User, Session, Tenant, ... (complex).
	User        *Subject `json:"user,omitempty"`
	Device      *Subject `json:"device,omitempty"`
	Session     *Subject `json:"session,omitempty"`
	Application *Subject `json:"application,omitempty"`
	Tenant      *Subject `json:"tenant,omitempty"`
	OrgUnit     *Subject `json:"org_unit,omitempty"`
	Group       *Subject `json:"group,omitempty"`
}

// key returns a canonical string for comparing subjects (stream subject
// lists): the format and its identifying members, emails lowercased.
func (s Subject) key() string {
	b, _ := json.Marshal(s.normal())
	return string(b)
}

func (s Subject) normal() Subject {
	s.Email = strings.ToLower(s.Email)
	if s.Format == "" && s.User != nil {
		s.Format = FormatComplex
	}
	return s
}

// userIdentifiers returns the identifiers naming the user of s, in order
// of preference: for a complex subject its user part, for aliases each
// identifier, else s itself. Formats that cannot name a user (a session
// alone, a tenant) yield nothing.
func (s *Subject) userIdentifiers() []Subject {
	if s == nil {
		return nil
	}
	switch {
	case s.User != nil:
		return s.User.userIdentifiers()
	case s.Format == FormatAliases:
		var out []Subject
		for i := range s.Identifiers {
			out = append(out, s.Identifiers[i].userIdentifiers()...)
		}
		return out
	case s.Format == FormatComplex:
		return nil
	}
	return []Subject{*s}
}

// jwsHeader decodes the protected header of a compact JWS without
// verifying anything.
func jwsHeader(token string) (h struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}, ok bool) {
	head, _, found := strings.Cut(token, ".")
	if !found {
		return h, false
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return h, false
	}
	return h, json.Unmarshal(b, &h) == nil
}
