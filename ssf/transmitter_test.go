package ssf_test

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/ssf"
	"github.com/scimkit/scimkit/store"
)

func TestMetadata(t *testing.T) {
	n := newNode(t, newStore(), nil)
	var md ssf.Metadata
	n.must(200, "GET", "/.well-known/ssf-configuration", "", "", &md)
	o := n.srv.URL
	want := ssf.Metadata{SpecVersion: "1_0", Issuer: o, JWKSURI: o + "/ssf/jwks",
		DeliveryMethodsSupported: []string{"urn:ietf:rfc:8935", "urn:ietf:rfc:8936"},
		ConfigurationEndpoint:    o + "/ssf/stream", StatusEndpoint: o + "/ssf/status",
		AddSubjectEndpoint: o + "/ssf/subjects:add", RemoveSubjectEndpoint: o + "/ssf/subjects:remove",
		VerificationEndpoint: o + "/ssf/verify",
		AuthorizationSchemes: []ssf.AuthorizationScheme{{SpecURN: "urn:ietf:rfc:6750"}, {SpecURN: "urn:ietf:rfc:6749"}},
		DefaultSubjects:      "ALL"}
	if diff := cmp.Diff(want, md); diff != "" {
		t.Errorf("default tenant metadata (-want +got):\n%s", diff)
	}
	// SSF 1.0 §7.2.1: the issuer https://host/ssf/t/acme has its metadata
	// at https://host/.well-known/ssf-configuration/ssf/t/acme.
	n.must(200, "GET", "/.well-known/ssf-configuration/ssf/t/acme", "", "", &md)
	if md.Issuer != o+"/ssf/t/acme" || md.ConfigurationEndpoint != o+"/ssf/t/acme/stream" || md.JWKSURI != o+"/ssf/t/acme/jwks" {
		t.Errorf("acme metadata: %+v", md)
	}
	if got := n.tx.ConfigurationURL("acme"); got != o+"/.well-known/ssf-configuration/ssf/t/acme" {
		t.Errorf("ConfigurationURL = %s", got)
	}
}

func TestJWKSAndRotation(t *testing.T) {
	n := newNode(t, newStore(), nil)
	set := n.jwks("/ssf/jwks")
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 2048 || k.Algorithm != "RS256" || k.Use != "sig" || k.KeyID == "" || !k.IsPublic() {
		t.Fatalf("key: %+v", k)
	}
	if again := n.jwks("/ssf/jwks"); again.Keys[0].KeyID != k.KeyID {
		t.Error("the key changed between two reads")
	}
	acme := n.jwks("/ssf/t/acme/jwks")
	if acme.Keys[0].KeyID == k.KeyID {
		t.Error("two tenants share a signing key")
	}
	if err := n.tx.RotateKeys(t.Context(), "default"); err != nil {
		t.Fatal(err)
	}
	rotated := n.jwks("/ssf/jwks")
	if len(rotated.Keys) != 2 || rotated.Keys[1].KeyID != k.KeyID || rotated.Keys[0].KeyID == k.KeyID {
		t.Fatalf("after rotation: want the new key then the old one, got %d keys", len(rotated.Keys))
	}
	n.tx.RotateKeys(t.Context(), "default")
	if third := n.jwks("/ssf/jwks"); len(third.Keys) != 2 || third.Keys[1].KeyID != rotated.Keys[0].KeyID {
		t.Fatalf("after a second rotation: want two keys, the oldest dropped")
	}
}

// TestKeysSealed: the private keys never reach the store in clear text,
// and another KEK cannot open them.
func TestKeysSealed(t *testing.T) {
	st := newStore()
	n := newNode(t, st, nil)
	n.jwks("/ssf/jwks")
	raw, err := st.GetState(t.Context(), "default", "ssf/keys")
	if err != nil {
		t.Fatal(err)
	}
	// PEM, a JWK's private members, or PKCS #8 DER in base64 (whose bytes
	// 3 to 26 are the same for every RSA-2048 key; a short prefix such as
	// "MII" also turns up in random ciphertext, now and then).
	for _, leak := range []string{"PRIVATE KEY", `"d":`, `"p":`, "ADANBgkqhkiG9w0BAQEFAASC"} {
		if strings.Contains(string(raw.Value), leak) {
			t.Errorf("stored keys contain %q", leak)
		}
	}
	other := newNode(t, st, func(c *ssf.Config) { c.KEK = []byte("another key of thirty-two bytes!") })
	if code, _ := other.do("GET", "/ssf/jwks", "", ""); code != 500 {
		t.Errorf("JWKS with the wrong KEK = %d, want 500", code)
	}
	if _, err := ssf.NewTransmitter(ssf.Config{Store: st, Authenticator: tokens, Origin: "https://x", KEK: []byte("short")}); err == nil {
		t.Error("a 5-byte KEK was accepted")
	}
}

func TestStreamManagement(t *testing.T) { forEachBackend(t, testStreamManagement) }

func testStreamManagement(t *testing.T, st store.Store) {
	n := newNode(t, st, nil)
	c := n.createStream(tokDefault, `{"aud":"https://rp.example.com","delivery":{"method":"urn:ietf:rfc:8936"},"events_requested":["`+ssf.EventSessionRevoked+`","urn:example:unknown"],"description":"rp"}`)
	if c.StreamID == "" || c.Iss != n.srv.URL || c.Delivery.Method != ssf.DeliveryPoll ||
		c.Delivery.EndpointURL != n.srv.URL+"/ssf/poll/"+c.StreamID || len(c.Aud) != 1 {
		t.Fatalf("created: %+v", c)
	}
	if diff := cmp.Diff([]string{ssf.EventSessionRevoked}, c.EventsDelivered); diff != "" {
		t.Errorf("events_delivered (-want +got):\n%s", diff)
	}
	var got ssf.StreamConfig
	n.must(200, "GET", "/ssf/stream?stream_id="+c.StreamID, tokDefault, "", &got)
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	var list []ssf.StreamConfig
	n.must(200, "GET", "/ssf/stream", tokDefault, "", &list)
	if len(list) != 1 {
		t.Errorf("list: %d streams", len(list))
	}
	// PATCH changes only what it names.
	n.must(200, "PATCH", "/ssf/stream", tokDefault, `{"stream_id":"`+c.StreamID+`","description":"changed"}`, &got)
	if got.Description != "changed" || len(got.EventsRequested) != 2 {
		t.Errorf("patched: %+v", got)
	}
	// PUT replaces: events_requested absent means the default set.
	got = ssf.StreamConfig{}
	n.must(200, "PUT", "/ssf/stream", tokDefault, `{"stream_id":"`+c.StreamID+`","aud":["a","b"],"delivery":{"method":"urn:ietf:rfc:8936"}}`, &got)
	if got.Description != "" || len(got.Aud) != 2 || len(got.EventsDelivered) != 2 {
		t.Errorf("replaced: %+v", got)
	}
	n.must(400, "PATCH", "/ssf/stream", tokDefault, `{"stream_id":"`+c.StreamID+`","iss":"https://evil"}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935"}}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"smtp"}}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"http://rp.example.com/events"}}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"http://8.8.8.8/events"}}`, nil)
	n.must(201, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"http://receiver:8080/events"}}`, nil)
	n.must(201, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"http://10.1.2.3/events"}}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"https://user:pw@rp.example.com/events"}}`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"aud":`, nil)
	n.must(400, "POST", "/ssf/stream", tokDefault, `{"format":"phone_number"}`, nil)

	// Status.
	var status ssf.StreamStatus
	n.must(200, "GET", "/ssf/status?stream_id="+c.StreamID, tokDefault, "", &status)
	if status.Status != "enabled" {
		t.Errorf("status %q", status.Status)
	}
	n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"paused","reason":"maintenance"}`, &status)
	n.must(200, "GET", "/ssf/status?stream_id="+c.StreamID, tokDefault, "", &status)
	if status.Status != "paused" || status.Reason != "maintenance" {
		t.Errorf("status after pause: %+v", status)
	}
	n.must(400, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"sleeping"}`, nil)

	// Subjects.
	n.must(200, "POST", "/ssf/subjects:add", tokDefault, `{"stream_id":"`+c.StreamID+`","subject":{"format":"email","email":"a@example.com"},"verified":true}`, nil)
	n.must(204, "POST", "/ssf/subjects:remove", tokDefault, `{"stream_id":"`+c.StreamID+`","subject":{"format":"email","email":"a@example.com"}}`, nil)
	n.must(400, "POST", "/ssf/subjects:add", tokDefault, `{"stream_id":"`+c.StreamID+`"}`, nil)

	// Tenant isolation: acme neither sees nor touches the default tenant's stream.
	n.must(403, "GET", "/ssf/stream?stream_id="+c.StreamID, tokAcme, "", nil)
	n.must(404, "GET", "/ssf/t/acme/stream?stream_id="+c.StreamID, tokAcme, "", nil)
	n.must(200, "GET", "/ssf/t/acme/stream", tokAcme, "", &list)
	if len(list) != 0 {
		t.Errorf("acme sees %d streams", len(list))
	}
	n.must(404, "DELETE", "/ssf/t/acme/stream?stream_id="+c.StreamID, tokAcme, "", nil)
	n.must(401, "GET", "/ssf/stream", "", "", nil)
	n.must(401, "GET", "/ssf/stream", "wrong", "", nil)

	// Delete.
	n.must(204, "DELETE", "/ssf/stream?stream_id="+c.StreamID, tokDefault, "", nil)
	n.must(404, "GET", "/ssf/stream?stream_id="+c.StreamID, tokDefault, "", nil)
}

func TestPollDelivery(t *testing.T) { forEachBackend(t, testPollDelivery) }

func testPollDelivery(t *testing.T, st store.Store) {
	n := newNode(t, st, nil)
	before := n.createUser(tokDefault, "early", "early@example.com")
	n.deactivate(tokDefault, before) // before the stream: never delivered
	c := n.createStream(tokDefault, `{"aud":"https://rp.example.com","events_requested":["`+ssf.EventSessionRevoked+`","`+ssf.EventAccountDisabled+`"]}`)
	id := n.createUser(tokDefault, "bjensen", "bjensen@example.com")
	acmeID := n.createUser(tokAcme, "other", "other@example.com")
	n.deactivate(tokAcme, acmeID) // another tenant's: never delivered
	n.deactivate(tokDefault, id)

	resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true})
	if len(resp.Sets) != 2 {
		t.Fatalf("poll: %d SETs, want session-revoked and account-disabled: %v", len(resp.Sets), resp.Sets)
	}
	keys := n.jwks("/ssf/jwks")
	var types []string
	for jti, tok := range resp.Sets {
		s := verify(t, tok, keys)
		if s.ID != jti || s.Issuer != n.srv.URL || len(s.Audience) != 1 || s.Audience[0] != "https://rp.example.com" {
			t.Errorf("claims: %+v", s)
		}
		if s.Subject == nil || s.Subject.Format != "iss_sub" || s.Subject.Iss != n.srv.URL || s.Subject.Sub != id {
			t.Errorf("sub_id: %+v", s.Subject)
		}
		typ, payload, err := s.Event()
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
		if typ == ssf.EventSessionRevoked {
			var ev ssf.SessionRevoked
			json.Unmarshal(payload, &ev)
			if ev.ReasonAdmin["en"] == "" || ev.InitiatingEntity == "" || ev.EventTimestamp == 0 {
				t.Errorf("session-revoked: %s", payload)
			}
		}
	}
	if !(strings.Contains(strings.Join(types, " "), ssf.EventSessionRevoked) && strings.Contains(strings.Join(types, " "), ssf.EventAccountDisabled)) {
		t.Errorf("types: %v", types)
	}
	// Not acknowledged: handed out again, with the same jti.
	again := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true})
	if len(again.Sets) != 2 {
		t.Fatalf("unacknowledged SETs not redelivered: %v", again.Sets)
	}
	for jti := range resp.Sets {
		if _, ok := again.Sets[jti]; !ok {
			t.Errorf("jti %s changed on redelivery", jti)
		}
	}
	var ack []string
	for jti := range resp.Sets {
		ack = append(ack, jti)
	}
	done := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true, Ack: ack})
	if len(done.Sets) != 0 || done.MoreAvailable {
		t.Fatalf("after ack: %v", done)
	}
	// maxEvents bounds the answer; moreAvailable says there is more.
	for _, name := range []string{"u1", "u2", "u3"} {
		n.deactivate(tokDefault, n.createUser(tokDefault, name, name+"@example.com"))
	}
	one := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true, MaxEvents: ptr(1)})
	if len(one.Sets) != 1 || !one.MoreAvailable {
		t.Fatalf("maxEvents 1: %d SETs, moreAvailable %v", len(one.Sets), one.MoreAvailable)
	}
	seen := map[string]bool{}
	for range 10 {
		var ack []string
		for jti := range one.Sets {
			seen[jti] = true
			ack = append(ack, jti)
		}
		one = n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true, MaxEvents: ptr(1), Ack: ack})
		if len(one.Sets) == 0 {
			break
		}
	}
	if len(seen) != 6 {
		t.Errorf("one at a time: %d distinct SETs, want 6", len(seen))
	}
	// Another tenant cannot poll the stream.
	n.must(403, "POST", c.Delivery.EndpointURL, tokAcme, `{}`, nil)
	n.must(404, "POST", n.srv.URL+"/ssf/t/acme/poll/"+c.StreamID, tokAcme, `{}`, nil)
}

func TestVerificationEvent(t *testing.T) {
	n := newNode(t, newStore(), nil)
	c := n.createStream(tokDefault, `{}`)
	n.must(204, "POST", "/ssf/verify", tokDefault, `{"stream_id":"`+c.StreamID+`","state":"xyz"}`, nil)
	n.must(429, "POST", "/ssf/verify", tokDefault, `{"stream_id":"`+c.StreamID+`","state":"again"}`, nil)
	resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true})
	if len(resp.Sets) != 1 {
		t.Fatalf("poll: %v", resp.Sets)
	}
	for _, tok := range resp.Sets {
		s := verify(t, tok, n.jwks("/ssf/jwks"))
		typ, payload, _ := s.Event()
		if typ != ssf.EventVerification || string(payload) != `{"state":"xyz"}` || s.Subject.Format != "opaque" || s.Subject.ID != c.StreamID {
			t.Errorf("verification SET: %s %s %+v", typ, payload, s.Subject)
		}
	}
}

// TestStreamStatus: a paused poll stream holds its events until enabled; a
// disabled one drops them; each change is announced by a stream-updated
// SET.
func TestStreamStatus(t *testing.T) {
	n := newNode(t, newStore(), nil)
	c := n.createStream(tokDefault, `{"aud":"https://rp.example.com"}`)
	set := func(status string) {
		n.must(200, "POST", "/ssf/status", tokDefault, `{"stream_id":"`+c.StreamID+`","status":"`+status+`"}`, nil)
	}
	drain := func() (types []string) {
		var ack []string
		for range 10 {
			resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true, Ack: ack})
			if len(resp.Sets) == 0 {
				return types
			}
			ack = nil
			for jti, tok := range resp.Sets {
				_, s, err := ssf.ParseSET(tok, nil)
				if err != nil {
					t.Fatal(err)
				}
				typ, _, _ := s.Event()
				types = append(types, typ)
				ack = append(ack, jti)
			}
		}
		t.Fatal("the stream never ran dry")
		return nil
	}
	set("paused")
	n.deactivate(tokDefault, n.createUser(tokDefault, "held", "held@example.com"))
	if got := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true}); len(got.Sets) != 0 {
		t.Fatalf("a paused stream delivered %d SETs", len(got.Sets))
	}
	set("enabled")
	got := strings.Join(drain(), " ")
	if strings.Count(got, ssf.EventStreamUpdated) != 2 || !strings.Contains(got, ssf.EventSessionRevoked) {
		t.Errorf("after pause and enable: %s; want two stream-updated and the held session-revoked", got)
	}
	set("disabled")
	n.deactivate(tokDefault, n.createUser(tokDefault, "dropped", "dropped@example.com"))
	set("enabled")
	got = strings.Join(drain(), " ")
	if strings.Contains(got, ssf.EventSessionRevoked) {
		t.Errorf("an event from while the stream was disabled was delivered: %s", got)
	}
}

// TestTokenClaimsChange: a change of a user's groups becomes a CAEP
// token-claims-change carrying the user's groups after it.
func TestTokenClaimsChange(t *testing.T) {
	n := newNode(t, newStore(), nil)
	c := n.createStream(tokDefault, `{"aud":"x","events_requested":["`+ssf.EventTokenClaimsChange+`"]}`)
	id := n.createUser(tokDefault, "bjensen", "bjensen@example.com")
	n.must(201, "POST", "/scim/v2/Groups", tokDefault, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Admins","members":[{"value":"`+id+`"}]}`, nil)
	resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true})
	if len(resp.Sets) != 1 {
		t.Fatalf("poll: %v", resp.Sets)
	}
	for _, tok := range resp.Sets {
		s := verify(t, tok, n.jwks("/ssf/jwks"))
		typ, payload, _ := s.Event()
		var ev ssf.TokenClaimsChange
		json.Unmarshal(payload, &ev)
		if typ != ssf.EventTokenClaimsChange || s.Subject.Sub != id || fmt.Sprint(ev.Claims["groups"]) != "[Admins]" || ev.ReasonAdmin["en"] == "" {
			t.Errorf("%s: %s", typ, payload)
		}
	}
}

// TestDeletedUserEmailSubject: the session-revoked of a user deleted
// outright (no deactivation first) names the user by email on an email
// stream when the deletion left a tombstone (soft delete), though the user
// can no longer be read.
func TestDeletedUserEmailSubject(t *testing.T) {
	st := newStore()
	n := newNode(t, st, nil)
	c := n.createStream(tokDefault, `{"aud":"x","format":"email","events_requested":["`+ssf.EventSessionRevoked+`"]}`)
	id := n.createUser(tokDefault, "bjensen@example.com", "")
	if err := st.DeleteWithTombstone(t.Context(), "default", schema.UserResourceType(), id, ""); err != nil {
		t.Fatal(err)
	}
	resp := n.poll(c.Delivery.EndpointURL, tokDefault, ssf.PollRequest{ReturnImmediately: true})
	if len(resp.Sets) != 1 {
		t.Fatalf("poll: %d SETs, want the session-revoked", len(resp.Sets))
	}
	for _, tok := range resp.Sets {
		s := verify(t, tok, n.jwks("/ssf/jwks"))
		if diff := cmp.Diff(&ssf.Subject{Format: "email", Email: "bjensen@example.com"}, s.Subject); diff != "" {
			t.Errorf("sub_id of the deleted user (-want +got):\n%s", diff)
		}
	}
}
