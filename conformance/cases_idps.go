package conformance

// Replays of the IdPs beyond Okta and Entra (internal/idptest/testdata,
// QUIRKS.md there cites each source).
func init() {
	needGroups := []Feature{FeatureGroups, FeaturePatch}
	register(
		replayCase("authentik.replay.sync", "authentik-sync.json", []Profile{ProfileAuthentik}, []Feature{FeatureGroups, FeaturePatch, FeatureFilter},
			"authentik SCIM provider (goauthentik/authentik authentik/providers/scim/clients)"),
		replayCase("jumpcloud.replay.connect", "jumpcloud-connect.json", []Profile{ProfileJumpCloud}, needGroups,
			"JumpCloud Custom SCIM Identity Management integration (jumpcloud.com/support)"),
		replayCase("pingfederate.replay.provisioner", "pingfederate-provisioner.json", []Profile{ProfilePingFederate}, []Feature{FeatureGroups, FeaturePatch, FeatureFilter},
			"PingFederate SCIM Provisioner (docs.pingidentity.com/integrations/scim)"),
		replayCase("pingone.replay.provisioner", "pingone-provisioner.json", []Profile{ProfilePingOne}, []Feature{FeatureGroups, FeaturePatch, FeatureFilter, FeatureEnterprise},
			"PingOne SCIM provisioner (docs.pingidentity.com/pingone/integrations)"),
		replayCase("onelogin.replay.provisioner", "onelogin-provisioner.json", []Profile{ProfileOneLogin}, []Feature{FeatureGroups, FeaturePatch, FeatureFilter, FeatureEnterprise},
			"OneLogin SCIM Provisioner with SAML connectors (onelogin KB0013904)"),
		replayCase("rippling.replay.connect", "rippling-connect.json", []Profile{ProfileRippling}, []Feature{FeatureGroups, FeaturePatch, FeatureEnterprise},
			"Rippling custom SCIM app (setup guides of WorkOS, Kombo, authn.sh)"),
	)
}
