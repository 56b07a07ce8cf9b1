package conformance

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Case is one check of the suite.
type Case struct {
	// ID is stable and unique, e.g. "users.create.duplicate-409"; the
	// first segment groups related cases.
	ID string
	// Title says what is checked, in one line.
	Title string
	// Requirement is where the check comes from and how strong it is.
	Requirement Requirement
	// Profiles lists the profiles the case belongs to.
	Profiles []Profile
	// Needs lists the features the case needs; when the server does not
	// advertise one, the case is skipped with a note.
	Needs []Feature
	// Func performs the check. It reports through t and must only create
	// data through t (so that it is named uniquely and cleaned up).
	Func func(ctx context.Context, t *T)
}

// In reports whether the case belongs to profile p.
func (c Case) In(p Profile) bool {
	return p == "" || p == ProfileAll || slices.Contains(c.Profiles, p)
}

var (
	registryMu sync.Mutex
	registry   []Case
)

// register adds cases to the suite; it panics on a duplicate or incomplete
// case, since the registry is built at init.
func register(cs ...Case) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, c := range cs {
		if c.ID == "" || c.Func == nil || c.Requirement.Source == "" || c.Requirement.Level == "" || len(c.Profiles) == 0 {
			panic(fmt.Sprintf("conformance: incomplete case %q", c.ID))
		}
		for _, o := range registry {
			if o.ID == c.ID {
				panic("conformance: duplicate case " + c.ID)
			}
		}
		registry = append(registry, c)
	}
}

// Cases returns every case of the suite, in registration order.
func Cases() []Case {
	registryMu.Lock()
	defer registryMu.Unlock()
	return slices.Clone(registry)
}

// Select returns the cases the target selects (profile and Run).
func Select(target Target) []Case {
	var out []Case
	for _, c := range Cases() {
		if c.In(target.Profile) && (target.Run == nil || target.Run.MatchString(c.ID)) {
			out = append(out, c)
		}
	}
	return out
}

// Helpers that keep case tables short.
var (
	rfc   = []Profile{ProfileRFC}
	okta  = []Profile{ProfileOkta}
	entra = []Profile{ProfileEntra}
	idps  = []Profile{ProfileOkta, ProfileEntra}
	every = Profiles()
)

func must(src string) Requirement   { return Requirement{Source: src, Level: MUST} }
func should(src string) Requirement { return Requirement{Source: src, Level: SHOULD} }
func may(src string) Requirement    { return Requirement{Source: src, Level: MAY} }
func idp(src string) Requirement    { return Requirement{Source: src, Level: IDP} }
