package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/internal/idptest"
	"github.com/scimkit/scimkit/patch"
	"github.com/scimkit/scimkit/scim"
)

// encodeQuery percent-encodes a fixture's raw query string ('filter=userName
// eq "x"') the way an HTTP client must put it on the wire, keeping what is
// already encoded.
func encodeQuery(path string) string {
	p, rawQ, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	var parts []string
	for _, pair := range strings.Split(rawQ, "&") {
		k, v, hasV := strings.Cut(pair, "=")
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if hasV {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		} else {
			parts = append(parts, url.QueryEscape(k))
		}
	}
	return p + "?" + strings.Join(parts, "&")
}

// withFlag appends Entra's aadOptscim062020 flag, which arrives as a query
// parameter because admins append it to the tenant URL.
func withFlag(path string) string {
	if strings.Contains(path, "?") {
		return path + "&aadOptscim062020"
	}
	return path + "?aadOptscim062020"
}

// replayOverHTTP runs a fixture against s through real HTTP (see
// idptest.Replay): queries percent-encoded, the flagged Entra steps
// carrying ?aadOptscim062020, headers as recorded (so Okta's User-Agent
// and missing Content-Type).
func replayOverHTTP(t *testing.T, s *Server, name string, flagAll bool) {
	seq, err := idptest.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	idptest.Replay(t, seq, func(st idptest.Step, r idptest.Request) idptest.Response {
		path := encodeQuery(r.Path)
		if flagAll || st.Dialect == "entra-aadOptscim062020" {
			path = withFlag(path)
		}
		req := Request{Method: r.Method, Path: path, Body: string(r.Body), Header: map[string]string{}}
		if _, hasCT := r.Headers["Content-Type"]; req.Body != "" && !hasCT && seq.IdP == "okta" {
			req.Header["Content-Type"] = "" // Okta's reference shows none
		}
		for k, v := range r.Headers {
			req.Header[k] = v
		}
		res := s.Do(t, req)
		return idptest.Response{Status: res.Status, Header: res.Header, Body: res.Body}
	})
}

// Every fixture over HTTP, in the default dialect and in the IdP's own,
// and the Entra ones with the flag on every request (one tenant URL).
func TestIdPSequencesOverHTTP(t *testing.T) { Each(t, testIdPSequencesOverHTTP) }

func testIdPSequencesOverHTTP(t *testing.T, b Backend) {
	dialects := map[string]patch.Dialect{"okta": patch.DialectOkta, "entra": patch.DialectEntra}
	for _, name := range idptest.Names() {
		idp, _, _ := strings.Cut(name, "/")
		for _, mode := range []string{"default", idp, "flag-everywhere"} {
			if mode == "flag-everywhere" && idp != "entra" {
				continue
			}
			t.Run(name+"/"+mode, func(t *testing.T) {
				s := b.Start(t, func(c *scim.Config) {
					if mode == idp {
						c.Defaults.Dialect = dialects[idp]
					}
				})
				replayOverHTTP(t, s, name, mode == "flag-everywhere")
			})
		}
	}
}
