// Package ssf speaks the OpenID Shared Signals Framework (SSF 1.0, CAEP
// 1.0, RISC 1.0): it turns the deprovisioning a scimkit store records
// into signed Security Event Tokens (RFC 8417) other relying parties
// subscribe to, and turns the session revocations an identity provider
// sends into the same revocation a SCIM deactivation causes.
//
//	st := memory.New() // the gateway's store: any store with store.Outbox and States
//	tx, err := ssf.NewTransmitter(ssf.Config{
//		Store:         st,
//		Authenticator: tokens, // the SCIM bearer tokens (a scim.Authenticator)
//		Origin:        "https://gw.example.com",
//		KEK:           kek, // 32 bytes from a secret store; seals the signing keys
//	})
//	if err != nil {
//		return err
//	}
//	mux.Handle("/", tx) // metadata, JWKS, streams, poll
//	d, err := hooks.NewDispatcher(hooks.Config{Store: st,
//		Handlers: map[string]hooks.Handler{"ssf-push": tx, "access": access}})
//	if err != nil {
//		return err
//	}
//	go d.Run(ctx) // push delivery, with retries and per-user order
//
//	rx, err := ssf.NewReceiver(ssf.ReceiverConfig{
//		Store: st,
//		Trusted: map[string][]ssf.TrustedTransmitter{"default": {{
//			Issuer:   "https://example.okta.com",
//			Audience: []string{"https://gw.example.com"},
//		}}},
//		Revoker: access, // the gateway's *hooks.Access: revocations follow its policy
//	})
//	if err != nil {
//		return err
//	}
//	mux.Handle("/ssf/receive", rx)
//
// Here mux is the gateway's http.ServeMux and access its *hooks.Access
// (see package hooks). Example runs a transmitter and a receiver end to
// end with its output.
//
// # Transmitter
//
// A Transmitter serves, per tenant:
//
//   - the transmitter configuration metadata (SSF 1.0 §7.1) at
//     /.well-known/ssf-configuration for the default tenant, whose issuer
//     is the server's origin, and at
//     /.well-known/ssf-configuration/ssf/t/{tenant} for the others (the
//     §7.2.1 path form: their issuer is origin/ssf/t/{tenant});
//   - a JWKS with the tenant's RSA-2048 signing keys: created on first
//     use, sealed with AES-256-GCM under Config.KEK before they reach the
//     store (States), rotated by RotateKeys or Config.KeyRotation with the
//     previous key still published;
//   - stream management (SSF 1.0 §8.1): create, read, update, replace,
//     delete, status (enabled, paused, disabled), subjects add and remove
//     (all subjects by default), verification; authenticated with the
//     tenant's credentials (a scim.Authenticator: the SCIM bearer tokens),
//     a stream never visible to another tenant;
//   - poll delivery (RFC 8936) from the store's outbox.
//
// Each outbox event becomes SETs, one event per SET (CAEP
// interoperability profile): user.deactivated and user.deleted become
// CAEP session-revoked (with reason_admin, initiating_entity and
// event_timestamp) and RISC account-disabled or account-purged;
// user.reactivated RISC account-enabled; user.groups_changed CAEP
// token-claims-change with the user's groups. A stream receives those of
// its events_requested (session-revoked and token-claims-change when it
// requests none), about users with the stream's subject format (iss_sub
// with the SCIM id, or email), for events committed after it was created.
// The jti derives from the stream, the outbox event and the event type,
// so every redelivery carries the same jti.
//
// Push delivery (RFC 8935) goes through the hooks package: the
// Transmitter is a hooks.Handler; register it with a hooks.Dispatcher and
// it POSTs each SET to the push streams, with the dispatcher's at least
// once delivery, retries, parked events and per-user order.
//
// # Receiver
//
// A Receiver accepts SETs by push (its ServeHTTP) or by polling
// transmitters (RunPollers), from the transmitters each tenant trusts. It
// verifies the JWS against the transmitter's JWKS (cached, refreshed on
// an unknown kid; RS256 and other asymmetric algorithms, never "none" or
// HMAC), checks iss, aud, iat and exp and drops replayed jti. It resolves
// the subject (email, iss_sub, opaque, phone_number, account, aliases, or
// the user of a complex subject) to users of the tenant through the
// store's indexes, and calls the Revoker for session-revoked (and RISC
// account-disabled, account-purged) and the Reauthenticator for
// credential-change and assurance-level-change. Give it the gateway's
// *hooks.Access as Revoker: the revocation then follows the tenant's
// policy and records a receipt, exactly as a SCIM deactivation. A subject
// that names no user is recorded (Unresolved), not an error.
package ssf
