package scim

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
)

// plainStore hides the store.EncodedLister of the store it holds: the
// handler then lists with List and encodes every resource itself.
type plainStore struct{ store.Store }

// headlessStore is an EncodedLister that leaves out encoded heads.
type headlessStore struct{ *memory.Store }

func (s headlessStore) ListEncoded(ctx context.Context, tenant string, rt *schema.ResourceType, q store.Query, buf []byte) (*store.EncodedPage, error) {
	p, err := s.Store.ListEncoded(ctx, tenant, rt, q, buf)
	if p != nil {
		p.Heads = nil
	}
	return p, err
}

// TestListEncodedHeads checks that list pages written with the store's
// encoded heads (store.EncodedPage.Heads) are byte for byte those written
// without them, and the same JSON as those written from List (not the same
// bytes: an encoded page writes the derived groups and members before the
// stored attributes, List's in name order), for users
// with groups, an extension, externalId and strings that need escaping,
// read a first time (heads encoded) and again (heads from the cache).
func TestListEncodedHeads(t *testing.T) {
	s := memory.New()
	h := newTestHandler(t, Config{Store: s})
	var ids []string
	for i, name := range []string{"bjensen", "o'brien <&> \"q\" \u2028 \U0001F600", "jsmith"} {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName":%q,"externalId":%q,"displayName":"tab\tnew\nline <b>",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"R&D"}}`, name, "ext<"+name+">", i)
		res := mustDo(t, h, request{method: "POST", target: "/Users", body: body}, 201)
		ids = append(ids, res.json["id"].(string))
	}
	mustDo(t, h, request{method: "POST", target: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"plain"}`}, 201)
	group := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins & <co>","externalId":"g\"1","members":[{"value":%q},{"value":%q}]}`, ids[0], ids[1])
	mustDo(t, h, request{method: "POST", target: "/Groups", body: group}, 201)
	plain := newTestHandler(t, Config{Store: plainStore{s}})
	headless := newTestHandler(t, Config{Store: headlessStore{s}})
	for _, target := range []string{"/Users", "/Users?startIndex=2&count=2", "/Users?cursor&count=3", "/Groups", `/Users?filter=userName sw "o"`} {
		for _, pass := range []string{"first", "again"} {
			got := mustDo(t, h, request{method: "GET", target: target}, 200)
			if n := len(got.json["Resources"].([]any)); n == 0 {
				t.Fatalf("GET %s: no resources", target)
			}
			want := mustDo(t, headless, request{method: "GET", target: target}, 200)
			if diff := cmp.Diff(string(want.body), string(got.body)); diff != "" {
				t.Errorf("GET %s (%s): with encoded heads (-without +with):\n%s", target, pass, diff)
			}
			fromList := mustDo(t, plain, request{method: "GET", target: target}, 200)
			var listed any
			if err := json.Unmarshal(fromList.body, &listed); err != nil {
				t.Fatal(err)
			}
			var encoded any
			if err := json.Unmarshal(got.body, &encoded); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(listed, encoded); diff != "" {
				t.Errorf("GET %s (%s): encoded page against List's (-List +encoded):\n%s", target, pass, diff)
			}
		}
	}
}
