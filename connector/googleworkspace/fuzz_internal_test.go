package googleworkspace

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseKey: any key file is accepted or refused without a panic, and
// a refusal never quotes the private key.
func FuzzParseKey(f *testing.F) {
	f.Add([]byte(`{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n","token_uri":"https://oauth2.googleapis.com/token"}`))
	f.Add([]byte(`{"installed":{"client_id":"x"}}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"type":"service_account","client_email":"a","private_key":"secretsecretsecretsecret","token_uri":"ftp://x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := parseKey(b)
		if err == nil {
			return
		}
		var k struct {
			PrivateKey string `json:"private_key"`
		}
		if json.Unmarshal(b, &k) == nil && len(k.PrivateKey) >= 16 && strings.Contains(err.Error(), k.PrivateKey) {
			t.Fatalf("the error quotes the private key: %v", err)
		}
	})
}

// FuzzParseError: any error body gives an *Error with the status.
func FuzzParseError(f *testing.F) {
	f.Add(403, []byte(`{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded"}]}}`))
	f.Add(404, []byte(`{"error":{"code":404,"message":"Resource Not Found: userKey","errors":[{"reason":"notFound"}],"status":"NOT_FOUND"}}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		e := parseError("users.list", status, b)
		if e.Status != status || e.Op != "users.list" {
			t.Fatalf("got %+v for status %d", e, status)
		}
		_ = e.Error()
		_ = e.rateLimited()
	})
}
