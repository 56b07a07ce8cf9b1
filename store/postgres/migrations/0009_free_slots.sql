-- 0009: the counters kept by the count triggers (counts, 0004;
-- page_blocks, 0007) choose a slot or stripe no other running transaction
-- holds (SELECT ... FOR UPDATE SKIP LOCKED over the existing rows of the
-- key) instead of one derived from the backend's pid, so concurrent
-- writers of one tenant and type never wait for each other's commit on a
-- counter row while a free one exists. Only when every row of the key is
-- held does a writer add or wait for the one its pid names, among at most
-- 32: a key has as many rows as writers ever held it at once, one for
-- writers that never overlap, at most 32. Existing rows keep their values.
-- Applied with search_path set to the store's schema, which the functions
-- keep.

-- count_add and block_add lock a free row first and update it by key in a
-- second statement: a single UPDATE ... FROM (SELECT ... FOR UPDATE SKIP
-- LOCKED LIMIT 1) may rescan the subquery, which then skips the row the
-- statement itself just updated and returns another one.
CREATE FUNCTION count_add(t text, ty text, k bigint) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    free smallint;
BEGIN
    SELECT slot INTO free FROM counts WHERE tenant = t AND type = ty LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        UPDATE counts SET n = n + k WHERE tenant = t AND type = ty AND slot = free;
    ELSE
        INSERT INTO counts (tenant, type, slot, n) VALUES (t, ty, pg_backend_pid() % 32, k)
            ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    END IF;
END $$;

CREATE FUNCTION block_add(t text, ty text, b bigint, k bigint) RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    free smallint;
BEGIN
    SELECT stripe INTO free FROM page_blocks WHERE tenant = t AND type = ty AND block = b LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
        UPDATE page_blocks SET n = n + k WHERE tenant = t AND type = ty AND block = b AND stripe = free;
    ELSE
        INSERT INTO page_blocks (tenant, type, block, stripe, n) VALUES (t, ty, b, pg_backend_pid() % 32, k)
            ON CONFLICT (tenant, type, block, stripe) DO UPDATE SET n = page_blocks.n + excluded.n;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM count_add(tenant, type, count(*)) FROM new_rows GROUP BY tenant, type;
    PERFORM block_add(tenant, type, seq >> 10, count(*)) FROM new_rows GROUP BY tenant, type, seq >> 10;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM count_add(tenant, type, -count(*)) FROM old_rows GROUP BY tenant, type;
    PERFORM block_add(tenant, type, seq >> 10, -count(*)) FROM old_rows GROUP BY tenant, type, seq >> 10;
    RETURN NULL;
END $$;
