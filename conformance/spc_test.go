package conformance_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/conformance"
)

// rfcSPC is RFC 7643 §8.5's /ServiceProviderConfig example, which a strict
// reading of §5 must accept.
const rfcSPC = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  "documentationUri": "http://example.com/help/scim.html",
  "patch": {"supported": true},
  "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1048576},
  "filter": {"supported": true, "maxResults": 200},
  "changePassword": {"supported": true},
  "sort": {"supported": true},
  "etag": {"supported": true},
  "authenticationSchemes": [
    {"name": "OAuth Bearer Token", "description": "Authentication scheme using the OAuth Bearer Token Standard",
     "specUri": "http://www.rfc-editor.org/info/rfc6750", "documentationUri": "http://example.com/help/oauth.html",
     "type": "oauthbearertoken", "primary": true},
    {"name": "HTTP Basic", "description": "Authentication scheme using the HTTP Basic Standard",
     "specUri": "http://www.rfc-editor.org/info/rfc2617", "documentationUri": "http://example.com/help/httpBasic.html",
     "type": "httpbasic"}
  ],
  "meta": {"location": "https://example.com/v2/ServiceProviderConfig", "resourceType": "ServiceProviderConfig",
    "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff594\""}
}`

// TestSPCProblems: RFC 7643 §8.5's example passes; each departure from a
// strict reading of §5 is reported, naming the member.
func TestSPCProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   string // a substring of the one problem; "" means none
	}{
		{"RFC 7643 §8.5 example", func(map[string]any) {}, ""},
		{"no schemas", func(m map[string]any) { delete(m, "schemas") }, "schemas"},
		{"no etag", func(m map[string]any) { delete(m, "etag") }, "etag"},
		{"supported as a string", func(m map[string]any) { m["patch"] = map[string]any{"supported": "true"} }, "patch.supported"},
		{"maxOperations as a string", func(m map[string]any) { bulk(m)["maxOperations"] = "1000" }, "bulk.maxOperations"},
		{"maxPayloadSize missing", func(m map[string]any) { delete(bulk(m), "maxPayloadSize") }, "bulk.maxPayloadSize"},
		{"fractional maxResults", func(m map[string]any) { m["filter"].(map[string]any)["maxResults"] = 1.5 }, "filter.maxResults"},
		{"zero limit of a supported feature", func(m map[string]any) { bulk(m)["maxOperations"] = 0 }, "advertise the real limit"},
		{"zero limit of an unsupported feature", func(m map[string]any) {
			m["bulk"] = map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0}
		}, ""},
		{"no authenticationSchemes", func(m map[string]any) { delete(m, "authenticationSchemes") }, "authenticationSchemes"},
		{"unknown scheme type", func(m map[string]any) { scheme(m)["type"] = "bearer" }, "authenticationSchemes[0].type"},
		{"scheme without description", func(m map[string]any) { delete(scheme(m), "description") }, "authenticationSchemes[0].description"},
		{"relative specUri", func(m map[string]any) { scheme(m)["specUri"] = "/rfc6750" }, "authenticationSchemes[0].specUri"},
		{"primary as a string", func(m map[string]any) { scheme(m)["primary"] = "true" }, "authenticationSchemes[0].primary"},
		{"relative documentationUri", func(m map[string]any) { m["documentationUri"] = "help.html" }, "documentationUri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(rfcSPC), &m); err != nil {
				t.Fatal(err)
			}
			tt.change(m)
			// Numbers set by change are ints; a decoded body has float64.
			data, _ := json.Marshal(m)
			m = nil
			json.Unmarshal(data, &m)
			got := conformance.SPCProblems(m)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("problems %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q, want one naming %q", got, tt.want)
			}
		})
	}
}

func bulk(m map[string]any) map[string]any { return m["bulk"].(map[string]any) }

func scheme(m map[string]any) map[string]any {
	return m["authenticationSchemes"].([]any)[0].(map[string]any)
}
