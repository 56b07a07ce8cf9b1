-- 0007: tombstones of soft-deleted resources (store.Tombstones). A
-- tombstone keeps the id, externalId, unique values (JSON object of
-- text, for audit) and deletion time of a resource deleted with
-- DeleteWithTombstone. While it exists, neither its id nor its externalId
-- may be given to a resource of the same tenant and type: the triggers
-- refuse an insert with either, and an update that changes external_id to
-- a tombstoned one (an unchanged externalId is allowed). Their messages
-- start with "scimkit tombstone:", which the store maps to
-- store.ErrConflict.
CREATE TABLE tombstones (
	tenant      TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	external_id TEXT,            -- NULL when absent
	uniq        TEXT    NOT NULL, -- JSON object: attribute path -> value as text
	deleted     INTEGER NOT NULL, -- Unix microseconds
	PRIMARY KEY (tenant, type, id)
) WITHOUT ROWID;
CREATE INDEX tombstones_external_id ON tombstones (tenant, type, external_id) WHERE external_id IS NOT NULL;

CREATE TRIGGER resources_tombstone_id BEFORE INSERT ON resources
WHEN EXISTS (SELECT 1 FROM tombstones t WHERE t.tenant = NEW.tenant AND t.type = NEW.type AND t.id = NEW.id)
BEGIN
	SELECT RAISE(ABORT, 'scimkit tombstone: id belonged to a deleted resource and is never reused');
END;

CREATE TRIGGER resources_tombstone_insert BEFORE INSERT ON resources
WHEN NEW.external_id IS NOT NULL AND EXISTS (SELECT 1 FROM tombstones t
	WHERE t.tenant = NEW.tenant AND t.type = NEW.type AND t.external_id = NEW.external_id)
BEGIN
	SELECT RAISE(ABORT, 'scimkit tombstone: externalId belonged to a deleted resource and is never reused');
END;

CREATE TRIGGER resources_tombstone_update BEFORE UPDATE OF external_id ON resources
WHEN NEW.external_id IS NOT OLD.external_id AND NEW.external_id IS NOT NULL AND EXISTS (SELECT 1 FROM tombstones t
	WHERE t.tenant = NEW.tenant AND t.type = NEW.type AND t.external_id = NEW.external_id)
BEGIN
	SELECT RAISE(ABORT, 'scimkit tombstone: externalId belonged to a deleted resource and is never reused');
END;
