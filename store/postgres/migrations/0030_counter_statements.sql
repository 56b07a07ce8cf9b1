-- 0030: the count triggers (0004, 0007, 0009) do the same work with fewer
-- statements, since they run in every create and delete: one pass over
-- the transition table, grouped by tenant, type and block, and for each
-- group one UPDATE of counts and one of page_blocks, each adding to a row
-- of the key that no running transaction holds, chosen and locked by a
-- scalar subquery (SELECT ctid ... FOR UPDATE SKIP LOCKED LIMIT 1). A
-- scalar subquery runs once, before the UPDATE reads any row, so it is
-- never rescanned (the reason 0009 used two statements). When no row is
-- free, or the row locked was changed by a transaction that committed
-- after the UPDATE's snapshot (the UPDATE then changes nothing), the group
-- adds to the row its backend names, as 0009 did. The count of a tenant
-- and type is added once per block rather than once in all; the sums are
-- the same. Measured in one transaction on a 2-core machine: about
-- 0.05 ms of server CPU per single-row insert instead of 0.09. Both
-- triggers add through count_group; count_add and block_add are no longer
-- used.

CREATE OR REPLACE FUNCTION count_group(g_tenant text, g_type text, g_block bigint, k bigint) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE counts SET n = n + k
        WHERE ctid = (SELECT ctid FROM counts WHERE tenant = g_tenant AND type = g_type LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        INSERT INTO counts (tenant, type, slot, n) VALUES (g_tenant, g_type, pg_backend_pid() % 32, k)
            ON CONFLICT (tenant, type, slot) DO UPDATE SET n = counts.n + excluded.n;
    END IF;
    UPDATE page_blocks SET n = n + k
        WHERE ctid = (SELECT ctid FROM page_blocks WHERE tenant = g_tenant AND type = g_type AND block = g_block
            LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        INSERT INTO page_blocks (tenant, type, block, stripe, n) VALUES (g_tenant, g_type, g_block, pg_backend_pid() % 32, k)
            ON CONFLICT (tenant, type, block, stripe) DO UPDATE SET n = page_blocks.n + excluded.n;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT tenant, type, seq >> 10 AS block, count(*) AS k FROM new_rows GROUP BY 1, 2, 3 LOOP
        PERFORM count_group(r.tenant, r.type, r.block, r.k);
    END LOOP;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT tenant, type, seq >> 10 AS block, -count(*) AS k FROM old_rows GROUP BY 1, 2, 3 LOOP
        PERFORM count_group(r.tenant, r.type, r.block, r.k);
    END LOOP;
    RETURN NULL;
END $$;
