package ssf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

// Example: a receiver creates a poll stream with the tenant's bearer
// token, the IdP deactivates a user, and the next poll returns the signed
// CAEP session-revoked SET.
func Example() {
	ctx := context.Background()
	st := newStore() // a store with store.Outbox and States, e.g. memory.New()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tx, err := ssf.NewTransmitter(ssf.Config{Store: st, Origin: srv.URL, KEK: kek,
		Authenticator: scim.StaticTokens{{Tenant: "default", SHA256: scim.HashToken("secret")}}})
	if err != nil {
		panic(err)
	}
	mux.Handle("/", tx)

	call := func(method, url, body string, out any) {
		req, _ := http.NewRequest(method, url, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(out)
	}
	var stream ssf.StreamConfig
	call("POST", srv.URL+"/ssf/stream", `{"aud":"https://rp.example.com","delivery":{"method":"urn:ietf:rfc:8936"}}`, &stream)

	// The IdP deactivates a user (here straight in the store).
	users := schema.UserResourceType()
	u, _ := st.Create(ctx, "default", users, &schema.Resource{Attrs: map[string]any{"userName": "bjensen"}})
	st.Update(ctx, "default", users, u.ID, store.Update{Apply: func(cur *schema.Resource) (*schema.Resource, error) {
		next := cur.Clone()
		next.Attrs["active"] = false
		return next, nil
	}})

	var page ssf.PollResponse
	call("POST", stream.Delivery.EndpointURL, `{"returnImmediately":true}`, &page)
	for _, token := range page.Sets {
		_, set, _ := ssf.ParseSET(token, nil)
		typ, _, _ := set.Event()
		fmt.Println(typ)
		fmt.Println(set.Subject.Format, set.Subject.Sub == u.ID)
	}
	// Output:
	// https://schemas.openid.net/secevent/caep/event-type/session-revoked
	// iss_sub true
}
