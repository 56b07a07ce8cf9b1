package main

import (
	"fmt"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/internal/ssftrust"
	"github.com/scimkit/scimkit/ssf"
)

// mountSSF makes the gateway an SSF receiver for options.SSF: a CAEP
// session-revoked from a trusted transmitter goes through g.access, the
// same policy-checked, receipted path as a SCIM deactivation, and ends the
// user's sessions; credential-change and assurance-level-change ask for a
// new login.
func (g *gateway) mountSSF() error {
	if len(g.opts.SSF) == 0 {
		return nil
	}
	rx, err := ssf.NewReceiver(ssf.ReceiverConfig{Store: g.opts.Store, Users: g.users, Groups: g.groups,
		Trusted: map[string][]ssf.TrustedTransmitter{g.opts.Tenant: g.opts.SSF}, DefaultTenant: g.opts.Tenant,
		Revoker: g.access, Reauthenticator: hooks.ReauthenticatorFunc(g.reauthenticate), Logger: g.logger})
	if err != nil {
		return err
	}
	g.receiver = rx
	g.mux.Handle("POST /ssf/receive", rx)
	return nil
}

// parseTrust reads -ssf-trust (the reference server's format; the
// gateway has one tenant, so entries name none).
func parseTrust(v, tenant string) ([]ssf.TrustedTransmitter, error) {
	byTenant, err := ssftrust.Parse(v, tenant)
	if err != nil {
		return nil, err
	}
	for t := range byTenant {
		if t != tenant {
			return nil, fmt.Errorf("-ssf-trust: the gateway serves one tenant; remove \"tenant\": %q", t)
		}
	}
	return byTenant[tenant], nil
}
