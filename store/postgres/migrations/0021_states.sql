-- 0021: per-tenant state documents (store.States): a connector's progress,
-- a Shared Signals stream and its keys. Values are opaque to the store.
-- Keyed by tenant first, like every table.
CREATE TABLE states (
    tenant  text        COLLATE "C" NOT NULL,
    key     text        COLLATE "C" NOT NULL,
    value   bytea       NOT NULL,
    version bigint      NOT NULL,
    updated timestamptz NOT NULL,
    PRIMARY KEY (tenant, key)
);
