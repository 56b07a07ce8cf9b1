// Package redact holds the secret detection shared by scim's provisioning
// log and conformance's replay recorder: which member names and PATCH
// paths (RFC 7644 §3.5.2) name a secret attribute (RFC 7643 §7, returned
// "never" or mutability "writeOnly", such as §4.1.1 password), which
// strings look like a credential (a bearer token, a JWT, a long random
// secret), which members are identifiers kept in clear, and a walker that
// removes all of these from a decoded JSON body.
package redact
