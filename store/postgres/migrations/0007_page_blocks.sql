-- 0007: the number of resources per tenant, type and block of 1024
-- creation sequence numbers (block = seq >> 10), kept by the same
-- statement triggers as counts (0004), in the writing transaction, so an
-- unfiltered page in creation order finds the block holding its first row
-- by summing block counts (about N/1024 rows) instead of skipping startIndex
-- index entries with OFFSET. A block's count is split over 8 stripes
-- chosen by the writing backend, like the slots of counts, so concurrent
-- creates (whose sequence numbers fall in the same block) rarely wait for
-- each other's commit on a counter row; a block's count is the sum of its
-- stripes, any of which may be negative (a delete by another backend).
-- Existing rows are counted here. Applied with search_path set to the
-- store's schema, which the functions keep.

CREATE TABLE page_blocks (
    tenant text     NOT NULL,
    type   text     NOT NULL,
    block  bigint   NOT NULL,
    stripe smallint NOT NULL,
    n      bigint   NOT NULL,
    PRIMARY KEY (tenant, type, block, stripe)
);
INSERT INTO page_blocks (tenant, type, block, stripe, n)
    SELECT tenant, type, seq >> 10, 0, count(*) FROM resources GROUP BY tenant, type, seq >> 10;

CREATE OR REPLACE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO counts (tenant, type, slot, n)
        SELECT tenant, type, pg_backend_pid() % 16, count(*) FROM new_rows GROUP BY tenant, type
        ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    INSERT INTO page_blocks (tenant, type, block, stripe, n)
        SELECT tenant, type, seq >> 10, pg_backend_pid() % 8, count(*) FROM new_rows GROUP BY tenant, type, seq >> 10
        ON CONFLICT (tenant, type, block, stripe) DO UPDATE SET n = page_blocks.n + excluded.n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO counts (tenant, type, slot, n)
        SELECT tenant, type, pg_backend_pid() % 16, -count(*) FROM old_rows GROUP BY tenant, type
        ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    INSERT INTO page_blocks (tenant, type, block, stripe, n)
        SELECT tenant, type, seq >> 10, pg_backend_pid() % 8, -count(*) FROM old_rows GROUP BY tenant, type, seq >> 10
        ON CONFLICT (tenant, type, block, stripe) DO UPDATE SET n = page_blocks.n + excluded.n;
    RETURN NULL;
END $$;

-- Updates never change tenant, type or seq (seq is an identity column
-- GENERATED ALWAYS; the store never rewrites tenant or type), so no
-- update trigger is needed; this one refuses such an update rather than
-- let the counts drift.
CREATE FUNCTION page_key_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the tenant, type and seq of a resource never change';
END $$;
CREATE TRIGGER resources_page_key_update BEFORE UPDATE OF tenant, type, seq ON resources
    FOR EACH ROW WHEN (NEW.tenant IS DISTINCT FROM OLD.tenant OR NEW.type IS DISTINCT FROM OLD.type OR NEW.seq IS DISTINCT FROM OLD.seq)
    EXECUTE FUNCTION page_key_fixed();
