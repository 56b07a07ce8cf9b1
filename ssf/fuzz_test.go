package ssf_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/scimkit/scimkit/ssf"
)

// FuzzParseSET: the SET parser never panics, refuses with ErrMalformed or
// ErrSignature, and what it accepts has the claims RFC 8417 requires and
// exactly one event.
func FuzzParseSET(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	key := rsaKeys(nil)[0]
	for _, file := range files {
		b, _ := os.ReadFile(file)
		sg, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
		obj, _ := sg.Sign(b)
		tok, _ := obj.CompactSerialize()
		f.Add(tok)
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString(b) + ".")
	}
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		jws, set, err := ssf.ParseSET(token, nil)
		if err != nil {
			if !errors.Is(err, ssf.ErrMalformed) && !errors.Is(err, ssf.ErrSignature) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrSignature", err)
			}
			return
		}
		if jws == nil || set.Issuer == "" || set.ID == "" || set.IssuedAt == 0 {
			t.Fatalf("accepted without iss, jti or iat: %+v", set)
		}
		if _, _, err := set.Event(); err != nil {
			t.Fatal(err)
		}
		if alg := jws.Signatures[0].Header.Algorithm; alg == "none" || alg == "HS256" {
			t.Fatalf("accepted alg %s", alg)
		}
		if _, err := json.Marshal(set); err != nil {
			t.Fatal(err)
		}
	})
}
