package googleworkspace

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
)

// defaultTokenURI is Google's OAuth 2.0 token endpoint, used when a key
// file has no token_uri.
const defaultTokenURI = "https://oauth2.googleapis.com/token"

// serviceAccountKey is the JSON key file of a Google service account (the
// file the Cloud console's "Keys → Add key → JSON" downloads).
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	ClientID     string `json:"client_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	TokenURI     string `json:"token_uri"`
}

// parseKey reads and checks a service account key file. Its errors never
// quote the private key.
func parseKey(b []byte) (*serviceAccountKey, error) {
	var k serviceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("credentials: not a JSON key file (syntax error at offset %d)", se.Offset)
		}
		return nil, errors.New("credentials: not a service account JSON key file")
	}
	switch {
	case k.Type != "service_account":
		return nil, fmt.Errorf("credentials: type is %q, want \"service_account\" (a service account's JSON key, not an OAuth client secret)", k.Type)
	case k.ClientEmail == "":
		return nil, errors.New("credentials: client_email is missing")
	case k.PrivateKey == "":
		return nil, errors.New("credentials: private_key is missing")
	}
	if k.TokenURI == "" {
		k.TokenURI = defaultTokenURI
	}
	if u, err := url.Parse(k.TokenURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("credentials: token_uri %q is not an http(s) URL", k.TokenURI)
	}
	blk, _ := pem.Decode([]byte(k.PrivateKey))
	if blk == nil {
		return nil, errors.New("credentials: private_key is not PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
		if _, err1 := x509.ParsePKCS1PrivateKey(blk.Bytes); err1 != nil {
			return nil, errors.New("credentials: private_key is not an RSA private key (PKCS #8 or PKCS #1)")
		}
	}
	return &k, nil
}
