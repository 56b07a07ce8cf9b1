package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/scimkit/scimkit/hooks"
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

// trustEntry is one transmitter of -ssf-trust (the reference server's
// format, without its tenant: the gateway has one).
type trustEntry struct {
	Issuer            string   `json:"issuer"`
	Audience          []string `json:"audience"`
	JWKSURI           string   `json:"jwks_uri"`
	ConfigurationURL  string   `json:"configuration_url"`
	PushAuthorization string   `json:"push_authorization"`
	PollURL           string   `json:"poll_url"`
	PollAuthorization string   `json:"poll_authorization"`
	Algorithms        []string `json:"algorithms"`
}

// parseTrust reads -ssf-trust: a JSON array of transmitters, or @file.
func parseTrust(v string) ([]ssf.TrustedTransmitter, error) {
	if v == "" {
		return nil, nil
	}
	data := []byte(v)
	if name, ok := strings.CutPrefix(v, "@"); ok {
		var err error
		if data, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("-ssf-trust: %w", err)
		}
	}
	var entries []trustEntry
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("-ssf-trust: not a JSON array of transmitters: %w", err)
	}
	out := make([]ssf.TrustedTransmitter, 0, len(entries))
	for i, e := range entries {
		if e.Issuer == "" || len(e.Audience) == 0 {
			return nil, fmt.Errorf("-ssf-trust: transmitter #%d needs issuer and audience", i+1)
		}
		out = append(out, ssf.TrustedTransmitter{Issuer: e.Issuer, Audience: e.Audience, JWKSURI: e.JWKSURI,
			ConfigurationURL: e.ConfigurationURL, PushAuthorization: e.PushAuthorization, PollURL: e.PollURL,
			PollAuthorization: e.PollAuthorization, Algorithms: e.Algorithms})
	}
	return out, nil
}
