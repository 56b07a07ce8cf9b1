-- 0010: per-tenant state documents (store.States): a connector's progress,
-- a Shared Signals stream and its keys. Values are opaque to the store.
CREATE TABLE IF NOT EXISTS states (
    tenant  TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    value   BLOB    NOT NULL,
    version INTEGER NOT NULL,
    updated INTEGER NOT NULL, -- Unix microseconds
    PRIMARY KEY (tenant, key)
) WITHOUT ROWID;
