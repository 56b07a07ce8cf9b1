-- 0004: the number of resources per tenant and type, kept by triggers in
-- the writing transaction, so an unfiltered list answers its exact
-- totalResults (RFC 7644 §3.4.2) without counting the tenant's rows. The
-- count is split over 16 slots chosen by the writing backend, so
-- concurrent creates in one tenant rarely wait for each other's commit on
-- a counter row; the total is the sum of the slots. Applied with
-- search_path set to the store's schema, which the functions keep.

CREATE TABLE counts (
    tenant text     NOT NULL,
    type   text     NOT NULL,
    slot   smallint NOT NULL,
    n      bigint   NOT NULL,
    PRIMARY KEY (tenant, type, slot)
);
INSERT INTO counts (tenant, type, slot, n) SELECT tenant, type, 0, count(*) FROM resources GROUP BY tenant, type;

CREATE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO counts (tenant, type, slot, n)
        SELECT tenant, type, pg_backend_pid() % 16, count(*) FROM new_rows GROUP BY tenant, type
        ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION count_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO counts (tenant, type, slot, n)
        SELECT tenant, type, pg_backend_pid() % 16, -count(*) FROM old_rows GROUP BY tenant, type
        ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    RETURN NULL;
END $$;

CREATE TRIGGER resources_count_insert AFTER INSERT ON resources
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_inserted();
CREATE TRIGGER resources_count_delete AFTER DELETE ON resources
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_deleted();
