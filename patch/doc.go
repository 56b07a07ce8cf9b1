// Package patch applies SCIM PATCH requests (RFC 7644 §3.5.2).
package patch
