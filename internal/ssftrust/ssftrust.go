// Package ssftrust reads the -ssf-trust setting of the reference server
// and the gateway example: the Shared Signals transmitters a receiver
// trusts, as a JSON array (or @file naming one).
package ssftrust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/scimkit/scimkit/ssf"
)

// entry is one transmitter of -ssf-trust.
type entry struct {
	Tenant            string   `json:"tenant"`
	Issuer            string   `json:"issuer"`
	Audience          []string `json:"audience"`
	JWKSURI           string   `json:"jwks_uri"`
	ConfigurationURL  string   `json:"configuration_url"`
	PushAuthorization string   `json:"push_authorization"`
	PollURL           string   `json:"poll_url"`
	PollAuthorization string   `json:"poll_authorization"`
	Algorithms        []string `json:"algorithms"`
}

// Parse reads v, a JSON array of transmitters or "@" and the name of a
// file holding one, into the trusted transmitters of each tenant; an
// entry without "tenant" belongs to defaultTenant. Unknown fields, an
// entry without issuer or audience and anything but an array are errors
// that name the flag. An empty v trusts nobody.
func Parse(v, defaultTenant string) (map[string][]ssf.TrustedTransmitter, error) {
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
	var entries []entry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("-ssf-trust: not a JSON array of transmitters: %w", err)
	}
	out := map[string][]ssf.TrustedTransmitter{}
	for i, e := range entries {
		if e.Issuer == "" || len(e.Audience) == 0 {
			return nil, fmt.Errorf("-ssf-trust: transmitter #%d needs issuer and audience", i+1)
		}
		tenant := e.Tenant
		if tenant == "" {
			tenant = defaultTenant
		}
		out[tenant] = append(out[tenant], ssf.TrustedTransmitter{Issuer: e.Issuer, Audience: e.Audience, JWKSURI: e.JWKSURI,
			ConfigurationURL: e.ConfigurationURL, PushAuthorization: e.PushAuthorization, PollURL: e.PollURL,
			PollAuthorization: e.PollAuthorization, Algorithms: e.Algorithms})
	}
	return out, nil
}
