package scim

import (
	"strings"
	"testing"

	"github.com/scimkit/scimkit/internal/idptest"
	"github.com/scimkit/scimkit/patch"
)

// replay runs every step of a fixture sequence against h, in order (see
// idptest.Replay), also checking each body's Content-Type.
func replay(t *testing.T, h *Handler, seq *idptest.Sequence) {
	idptest.Replay(t, seq, func(st idptest.Step, r idptest.Request) idptest.Response {
		req := request{method: r.Method, target: r.Path, body: string(r.Body), headers: map[string]string{}}
		for k, v := range r.Headers {
			if strings.EqualFold(k, "Authorization") {
				req.token = "-"
			}
			req.headers[k] = v
		}
		res := do(t, h, req)
		if ct := res.header.Get("Content-Type"); len(res.body) > 0 && ct != "application/scim+json" {
			t.Errorf("%s: Content-Type %q", st.Name, ct)
		}
		return idptest.Response{Status: res.code, Header: res.header, Body: res.body}
	})
}

func TestReplayIdPFixtures(t *testing.T) {
	names := idptest.Names()
	if len(names) == 0 {
		t.Fatal("no fixtures")
	}
	dialects := map[string]patch.Dialect{"okta": patch.DialectOkta, "entra": patch.DialectEntra}
	for _, name := range names {
		seq, err := idptest.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		idp, file, _ := strings.Cut(name, "/")
		for _, mode := range []string{"default", idp} {
			t.Run(idp+"/"+file+"/"+mode, func(t *testing.T) {
				var cfg Config
				if mode != "default" {
					cfg.Defaults.Dialect = dialects[idp]
				}
				replay(t, newTestHandler(t, cfg), seq)
			})
		}
	}
}
