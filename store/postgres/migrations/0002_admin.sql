-- 0002: tenants, bearer tokens and the provisioning log (store.Tenants,
-- store.Tokens, store.ProvisioningLog). Applied with search_path set to the
-- store's schema.

CREATE TABLE tenants (
    id            text        COLLATE "C" PRIMARY KEY,
    name          text        NOT NULL DEFAULT '',
    dialect       text        NOT NULL DEFAULT '',
    delete_policy text        NOT NULL DEFAULT '',
    created       timestamptz NOT NULL
);

CREATE TABLE tokens (
    id        text        COLLATE "C" PRIMARY KEY,
    tenant    text        NOT NULL,
    name      text        NOT NULL DEFAULT '',
    hash      text        COLLATE "C" NOT NULL UNIQUE, -- hex SHA-256 of the secret: the lookup key
    prefix    text        NOT NULL DEFAULT '',
    read_only boolean     NOT NULL DEFAULT false,
    created   timestamptz NOT NULL,
    expires   timestamptz,
    revoked   timestamptz,
    last_used timestamptz
);
CREATE INDEX tokens_tenant ON tokens (tenant, created, id);

CREATE TABLE provisioning_log (
    seq           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time          timestamptz NOT NULL,
    tenant        text        NOT NULL,
    token_id      text        NOT NULL DEFAULT '',
    idp           text        NOT NULL DEFAULT '',
    request_id    text        NOT NULL DEFAULT '',
    method        text        NOT NULL DEFAULT '',
    path          text        NOT NULL DEFAULT '',
    resource_type text        NOT NULL DEFAULT '',
    resource_id   text        COLLATE "C" NOT NULL DEFAULT '',
    external_id   text        NOT NULL DEFAULT '',
    operations    integer     NOT NULL DEFAULT 0,
    outcome       text        NOT NULL DEFAULT '',
    status        integer     NOT NULL DEFAULT 0,
    scim_type     text        NOT NULL DEFAULT '',
    detail        text        NOT NULL DEFAULT '',
    latency_us    bigint      NOT NULL DEFAULT 0,
    body          text        NOT NULL DEFAULT ''
);
CREATE INDEX provisioning_log_tenant ON provisioning_log (tenant, seq);
CREATE INDEX provisioning_log_resource ON provisioning_log (resource_id, seq);
CREATE INDEX provisioning_log_time ON provisioning_log (time);
