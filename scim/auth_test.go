package scim

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStaticTokens(t *testing.T) {
	tokens := StaticTokens{
		{Tenant: "acme", ID: "okta", SHA256: HashToken("s3cret-1")},
		{Tenant: "acme", ID: "okta-next", SHA256: HashToken("s3cret-2")},
		{Tenant: "globex", SHA256: HashToken("other"), ReadOnly: true},
	}
	if err := tokens.validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		header string
		want   Principal
		ok     bool
	}{
		{"Bearer s3cret-1", Principal{Tenant: "acme", Actor: "okta"}, true},
		{"bearer   s3cret-2 ", Principal{Tenant: "acme", Actor: "okta-next"}, true},
		{"Bearer other", Principal{Tenant: "globex", Actor: HashToken("other")[:8], ReadOnly: true}, true},
		{"s3cret-1", Principal{Tenant: "acme", Actor: "okta"}, true},
		{"", Principal{}, false},
		{"Bearer ", Principal{}, false},
		{"Bearer nope", Principal{}, false},
		{"Basic czNjcmV0LTE=", Principal{}, false},
		{"non-token", Principal{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/Users", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := tokens.Authenticate(r)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStaticTokensValidate(t *testing.T) {
	for name, s := range map[string]StaticTokens{
		"empty":      {},
		"no tenant":  {{SHA256: HashToken("x")}},
		"raw token":  {{Tenant: "a", SHA256: "x"}},
		"short hash": {{Tenant: "a", SHA256: HashToken("x")[:62]}},
	} {
		if err := s.validate(); err == nil {
			t.Errorf("%s: validate() = nil, want an error", name)
		}
	}
}
