package conformance

import secret "github.com/scimkit/scimkit/internal/redact"

// redactedValue replaces a string that looks like a credential.
const redactedValue = secret.Redacted

// secretNames are attributes whose values must never be disclosed (RFC
// 7643 §4.1.1 password, returned "never"; §7).
var secretNames = secret.Names{"password": true}

// recordTokens are the credentials a replay recording redacts: a random
// run of 20 (scim's provisioning log needs 24) catches more secrets.
var recordTokens = secret.Tokens{Prefix: "scimkit_", MinRun: 20}

// recordRules drops every PATCH operation on a secret whole, since an
// operation without its value cannot be replayed.
var recordRules = secret.Rules{
	Name:           secretNames.Has,
	Path:           secretNames.AnyPart,
	Token:          recordTokens.LooksLikeToken,
	DropOperations: true,
}

// redactBody removes secrets from a decoded request or response body, as a
// second line of defence behind the provisioning log's own redaction:
// every member named password (any case, also URN-qualified, at any
// depth), every PATCH operation whose path names password (dropped whole,
// since an operation without its value cannot be replayed), and every
// string that looks like a bearer token, a JWT or a long random secret,
// except identifiers, which the log keeps in clear too (userName,
// displayName, externalId, id and bulkId members, and the value of a PATCH
// operation on one of them). It returns how many values it removed or
// replaced.
func redactBody(v any) (any, int) { return recordRules.Value(v) }
