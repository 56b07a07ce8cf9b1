package schema_test

import (
	"testing"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// provisionedUser is a user as Okta and Entra push them (the shape
// examples/bench creates): name, emails, phone and the enterprise
// extension.
const provisionedUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
	`"userName":"user0000042@example.com","externalId":"00uabc0000042","name":{"givenName":"Given42","familyName":"Family42","formatted":"Given42 Family42"},` +
	`"displayName":"Given42 Family42","title":"Software Engineer","locale":"en-US","active":true,` +
	`"emails":[{"value":"user0000042@example.com","type":"work","primary":true}],"phoneNumbers":[{"value":"+1 555 0000042","type":"work"}],` +
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"42","department":"Engineering","organization":"Example Corp"}}`

// benchUser decodes data as a User and gives it what a store and the
// HTTP layer add: id and a full meta.
func benchUser(b *testing.B, data []byte) *schema.Resource {
	b.Helper()
	r, err := schema.UserResourceType().Decode(data, schema.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	t := time.Date(2026, 11, 27, 1, 2, 3, 456e6, time.UTC)
	r.ID = "2819c223-7f76-453a-919d-413861904646"
	r.Meta = schema.Meta{ResourceType: "User", Created: t, LastModified: t.Add(time.Hour),
		Location: "https://example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", Version: `W/"3"`}
	return r
}

// BenchmarkMarshalUser encodes a stored user: the per-resource cost of
// every GET, list page and write response. "reference" is the encoder
// AppendJSON replaced (one json.Marshal per member), for a same-run
// ratio; "AppendJSON" reuses its buffer as the HTTP layer does.
func BenchmarkMarshalUser(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"provisioned", []byte(provisionedUser)},
		{"rfc7643-8.2", fixture(b, "rfc7643-8.2.json")},
	} {
		r := benchUser(b, c.data)
		b.Run(c.name+"/reference", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := marshalReference(r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/MarshalJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/AppendJSON", func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = r.AppendJSON(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
