// Package password hashes and verifies passwords for storage, in the PHC
// string format (https://github.com/P-H-C/phc-string-format): argon2id
// (RFC 9106) as "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", or bcrypt
// in its own modular crypt format ("$2a$10$..."), both from
// golang.org/x/crypto.
//
//	hash, err := password.Argon2id{}.Hash("correct horse battery staple") // zero fields: the defaults
//	if err != nil {
//		return err
//	}
//	ok, err := password.Verify(hash, "correct horse battery staple") // true, nil
//
// A gateway rarely calls it directly: it names a Hasher as a tenant's
// policy and lets package scim hash what clients send, then checks a
// sign-in with scim.Handler.VerifyPassword:
//
//	h, err := scim.New(scim.Config{Store: st, Authenticator: tokens,
//		Defaults: scim.TenantConfig{Password: password.Argon2id{}}})
//	...
//	ok, err := h.VerifyPassword(ctx, "acme", userID, pw)
//
// Example runs the first snippet with its output.
//
// RFC 7643 §4.1.1 says a service provider that keeps a User's password
// SHOULD keep it hashed and MUST never return it. Package scim uses a
// Hasher as a tenant's password policy (scim.TenantConfig.Password): a
// password a client sends is replaced by its hash before it reaches the
// store, or dropped when the tenant has no Hasher. Verify, and
// scim.Handler.VerifyPassword on top of it, let an embedder check a
// password against what is stored.
//
// A value that looks like a hash is never taken as one: Hash hashes its
// argument whatever it looks like, so a client that sends
// "$argon2id$v=19$..." as a password sets the password to that text. A
// hash chosen by a client could name a weak algorithm or cost parameters
// that make every later Verify expensive, and a server cannot tell a
// hash from a password that happens to look like one.
package password
