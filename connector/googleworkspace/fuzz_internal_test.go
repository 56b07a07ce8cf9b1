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

// TestParseErrorShapes: the reason of Google's error bodies, old and new
// shape, and which of them are rate limits (retried) rather than refusals.
func TestParseErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		reason     string
		rateLimit  bool
	}{
		{"errors[] userRateLimitExceeded", `{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded","message":"User Rate Limit Exceeded"}]}}`, 403, "userRateLimitExceeded", true},
		{"errors[] quotaExceeded", `{"error":{"code":403,"message":"Quota exceeded","errors":[{"domain":"usageLimits","reason":"quotaExceeded"}]}}`, 403, "quotaExceeded", true},
		{"errors[] forbidden", `{"error":{"code":403,"message":"Not Authorized to access this resource/api","errors":[{"domain":"global","reason":"forbidden"}]}}`, 403, "forbidden", false},
		{"ErrorInfo RATE_LIMIT_EXCEEDED", `{"error":{"code":403,"message":"Quota exceeded for quota metric","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com"}]}}`, 403, "RATE_LIMIT_EXCEEDED", true},
		{"status only", `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`, 403, "PERMISSION_DENIED", false},
		{"429 without reason", `{"error":{"code":429,"message":"Too many requests","status":"RESOURCE_EXHAUSTED"}}`, 429, "RESOURCE_EXHAUSTED", true},
		{"not JSON", `<html>Bad Gateway</html>`, 502, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseError("members.list", tc.status, []byte(tc.body))
			if e.Reason != tc.reason || e.rateLimited() != tc.rateLimit {
				t.Errorf("reason %q, rate limit %v; want %q, %v", e.Reason, e.rateLimited(), tc.reason, tc.rateLimit)
			}
		})
	}
}
