package conformance

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Profile selects a family of cases.
type Profile string

// Profiles. ProfileAll selects every case.
const (
	// ProfileRFC is RFC 7643/7644 core behaviour.
	ProfileRFC Profile = "rfc"
	// ProfileOkta is the published Okta SCIM 2.0 test sequence and its user
	// and group-push flows.
	ProfileOkta Profile = "okta"
	// ProfileEntra is Microsoft Entra ID's provisioning sequence in its
	// default and aadOptscim062020 PATCH dialects, plus the checks of
	// Microsoft's SCIM validator.
	ProfileEntra Profile = "entra"
	// ProfileAuthentik is authentik's SCIM provider: its strict reading of
	// /ServiceProviderConfig, one-member PATCHes chunked by
	// bulk.maxOperations, removal by value, path-less group replaces.
	ProfileAuthentik Profile = "authentik"
	// ProfileJumpCloud is JumpCloud's connection test (a test user and
	// group created and deleted) and its provisioning requests.
	ProfileJumpCloud Profile = "jumpcloud"
	// ProfilePingFederate is PingFederate's SCIM outbound provisioner:
	// users replaced with PUT, groups found by paging all of /Groups.
	ProfilePingFederate Profile = "pingfederate"
	// ProfilePingOne is PingOne's SCIM outbound connector with its
	// admin-written filters (capitalised operators).
	ProfilePingOne Profile = "pingone"
	// ProfileOneLogin is OneLogin's SCIM provisioner with admin-templated
	// user bodies.
	ProfileOneLogin Profile = "onelogin"
	// ProfileRippling is Rippling's SCIM app, which probes
	// /ServiceProviderConfig on connect.
	ProfileRippling Profile = "rippling"
	// ProfileAll is every profile.
	ProfileAll Profile = "all"
)

// ParseProfile parses a profile name ("" means ProfileAll).
func ParseProfile(s string) (Profile, bool) {
	p := Profile(strings.ToLower(strings.TrimSpace(s)))
	if p == "" || p == ProfileAll {
		return ProfileAll, true
	}
	if slices.Contains(Profiles(), p) {
		return p, true
	}
	return "", false
}

// Profiles returns every profile but ProfileAll: the RFC's, then the
// IdPs', in a fixed order.
func Profiles() []Profile {
	return []Profile{ProfileRFC, ProfileOkta, ProfileEntra, ProfileAuthentik, ProfileJumpCloud,
		ProfilePingFederate, ProfilePingOne, ProfileOneLogin, ProfileRippling}
}

// Target is the server under test and how to run the suite against it.
type Target struct {
	// BaseURL is the SCIM base URL, e.g. "https://host/scim/v2" (no
	// trailing slash needed). Required.
	BaseURL string
	// Token is the bearer token (RFC 6750) of the tenant under test.
	Token string
	// SecondToken, when set, is a token of a different tenant of the same
	// server; it enables the tenant isolation cases.
	SecondToken string
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
	// Profile selects the cases; "" means ProfileAll.
	Profile Profile
	// Run, when set, selects the cases whose ID it matches.
	Run *regexp.Regexp
	// Parallelism is how many cases run at once; 0 means 4. Cases that
	// measure concurrency start their own goroutines on top of it.
	Parallelism int
	// LargeGroupSize is the member count of the large-group case; 0 means
	// 2000 (added in PATCH requests of 100 members).
	LargeGroupSize int
	// Prefix overrides the unique prefix of the data the run creates
	// ("scimconform-<random>-"); tests set it for stable names.
	Prefix string
}

func (t Target) parallelism() int {
	if t.Parallelism > 0 {
		return t.Parallelism
	}
	return 4
}

func (t Target) largeGroupSize() int {
	if t.LargeGroupSize > 0 {
		return t.LargeGroupSize
	}
	return 2000
}

func (t Target) baseURL() string { return strings.TrimRight(t.BaseURL, "/") }

func (t Target) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return defaultClient
}

// Level is the strength of a requirement (RFC 2119), or IDP for behaviour
// an identity provider depends on although no RFC mandates it.
type Level string

// Levels. A failed MUST or IDP case fails the run; a failed SHOULD or MAY
// case is reported as a warning.
const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	MAY    Level = "MAY"
	IDP    Level = "IDP"
)

// Fatal reports whether a failure at this level fails the run.
func (l Level) Fatal() bool { return l == MUST || l == IDP }

// Requirement is what a case checks and where that comes from.
type Requirement struct {
	// Source cites the requirement: "RFC 7644 §3.4.2.2", or an IdP
	// document such as "Okta SCIM 2.0 SPEC test".
	Source string
	// Level is how strong the requirement is: MUST, SHOULD, MAY or IDP.
	Level Level
}

// String returns the level and the source, e.g. "MUST RFC 7644 §3.4.2.2".
func (r Requirement) String() string { return string(r.Level) + " " + r.Source }
