-- 0006: tombstones of soft-deleted resources (store.Tombstones). A
-- tombstone keeps the id, externalId, unique values (JSON object of text,
-- for audit) and deletion time of a resource deleted with
-- DeleteWithTombstone. While it exists its id is never given to another
-- resource of the tenant, and its externalId to no other resource of the
-- tenant and type: tombstone_check refuses such an insert, and an update
-- that changes external_id to a tombstoned one (an unchanged externalId is
-- allowed), with SQLSTATE 23505 on table "tombstones", which the store
-- maps to store.ErrConflict naming the attribute. Applied with search_path
-- set to the store's schema, which the function keeps.

CREATE TABLE tombstones (
    tenant      text        NOT NULL,
    id          text        COLLATE "C" NOT NULL,
    type        text        NOT NULL,
    external_id text        COLLATE "C",
    uniq        jsonb       NOT NULL, -- attribute path -> value as text
    deleted     timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX tombstones_external_id ON tombstones (tenant, type, external_id) WHERE external_id IS NOT NULL;

CREATE FUNCTION tombstone_check() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM tombstones t WHERE t.tenant = NEW.tenant AND t.id = NEW.id) THEN
        RAISE EXCEPTION 'id % belonged to a deleted resource and is never reused', NEW.id
            USING ERRCODE = 'unique_violation', TABLE = 'tombstones', COLUMN = 'id';
    END IF;
    IF NEW.external_id IS NOT NULL AND EXISTS (SELECT 1 FROM tombstones t
            WHERE t.tenant = NEW.tenant AND t.type = NEW.type AND t.external_id = NEW.external_id) THEN
        RAISE EXCEPTION 'externalId "%" belonged to a deleted % and is never reused', NEW.external_id, NEW.type
            USING ERRCODE = 'unique_violation', TABLE = 'tombstones', COLUMN = 'external_id';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER resources_tombstone_insert BEFORE INSERT ON resources
    FOR EACH ROW EXECUTE FUNCTION tombstone_check();
CREATE TRIGGER resources_tombstone_update BEFORE UPDATE OF external_id ON resources
    FOR EACH ROW WHEN (NEW.external_id IS DISTINCT FROM OLD.external_id) EXECUTE FUNCTION tombstone_check();
