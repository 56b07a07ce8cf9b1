-- 0004: tenants, bearer tokens and the provisioning log (store.Tenants,
-- store.Tokens, store.ProvisioningLog). Times are Unix microseconds, 0 for
-- none.
CREATE TABLE tenants (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL DEFAULT '',
	dialect       TEXT NOT NULL DEFAULT '',
	delete_policy TEXT NOT NULL DEFAULT '',
	created       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
	id        TEXT PRIMARY KEY,
	tenant    TEXT NOT NULL,
	name      TEXT NOT NULL DEFAULT '',
	hash      TEXT NOT NULL UNIQUE, -- hex SHA-256 of the secret: the lookup key
	prefix    TEXT NOT NULL DEFAULT '',
	read_only INTEGER NOT NULL DEFAULT 0,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL DEFAULT 0,
	revoked   INTEGER NOT NULL DEFAULT 0,
	last_used INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX tokens_tenant ON tokens (tenant, created, id);

CREATE TABLE provisioning_log (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	time          INTEGER NOT NULL,
	tenant        TEXT NOT NULL,
	token_id      TEXT NOT NULL DEFAULT '',
	idp           TEXT NOT NULL DEFAULT '',
	request_id    TEXT NOT NULL DEFAULT '',
	method        TEXT NOT NULL DEFAULT '',
	path          TEXT NOT NULL DEFAULT '',
	resource_type TEXT NOT NULL DEFAULT '',
	resource_id   TEXT NOT NULL DEFAULT '',
	external_id   TEXT NOT NULL DEFAULT '',
	operations    INTEGER NOT NULL DEFAULT 0,
	outcome       TEXT NOT NULL DEFAULT '',
	status        INTEGER NOT NULL DEFAULT 0,
	scim_type     TEXT NOT NULL DEFAULT '',
	detail        TEXT NOT NULL DEFAULT '',
	latency_us    INTEGER NOT NULL DEFAULT 0,
	body          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant, seq);
CREATE INDEX provisioning_log_resource ON provisioning_log (resource_id, seq);
CREATE INDEX provisioning_log_time ON provisioning_log (time);
