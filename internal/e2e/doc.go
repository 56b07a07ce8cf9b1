// Package e2e is a black-box test suite for the reference server: it mounts
// scim.New over store/memory exactly as examples/server does (under
// "/scim/v2", with static bearer tokens) behind httptest, and checks what an
// RFC 7643/7644/9865-literate tester and the Okta and Entra request sequences
// of internal/idptest expect. Every response is checked for the invariants
// that hold whatever the request: no 5xx, a JSON body with the SCIM media
// type, and SCIM error bodies (RFC 7644 §3.12) for every 4xx.
package e2e
