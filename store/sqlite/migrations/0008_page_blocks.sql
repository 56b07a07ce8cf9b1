-- 0008: page blocks, so that an unfiltered page in creation order
-- (RFC 7644 §3.4.2.4 startIndex/count) costs the same at any startIndex
-- and tenant size. The resources of each tenant and type, in seq order,
-- are cut into consecutive blocks: a block (tenant, type, start) holds the
-- n resources with start <= seq < the start of the next block of the same
-- tenant and type (the last block is open-ended). The triggers below keep
-- n exact in the writing transaction and maintain:
--   * 1 <= n <= 1024 for every block (a tenant and type without resources
--     has no block), so a page skips fewer than 1024 index entries inside
--     its first block;
--   * the n of any two neighbouring blocks sum to more than 1024, so a
--     tenant and type of N resources has fewer than 2*N/1024 + 1 blocks,
--     however its inserts interleave with other tenants' and however many
--     resources were deleted.
-- Row k (0-based) of creation order is found by summing the n of the
-- blocks in order (list.go, pageQuery) and skipping the remainder inside
-- the block that holds it. seq is AUTOINCREMENT, so a new resource always
-- belongs to the last block of its tenant and type.
CREATE TABLE page_blocks (
	tenant TEXT    NOT NULL,
	type   TEXT    NOT NULL,
	start  INTEGER NOT NULL, -- seq of the block's first resource when it was started
	n      INTEGER NOT NULL, -- resources in [start, next block's start)
	PRIMARY KEY (tenant, type, start)
) WITHOUT ROWID;

-- Backfill: blocks of 1024 in seq order (neighbours sum to > 1024).
INSERT INTO page_blocks (tenant, type, start, n)
SELECT tenant, type, min(seq), count(*) FROM (
	SELECT tenant, type, seq, (row_number() OVER (PARTITION BY tenant, type ORDER BY seq) - 1) / 1024 AS b FROM resources
) GROUP BY tenant, type, b;

-- Insert: into the last block while it has room, else a new block.
CREATE TRIGGER resources_block_insert AFTER INSERT ON resources BEGIN
	INSERT INTO page_blocks (tenant, type, start, n)
	SELECT NEW.tenant, NEW.type, coalesce((
		SELECT l.start FROM (SELECT b.start, b.n FROM page_blocks b
			WHERE b.tenant = NEW.tenant AND b.type = NEW.type ORDER BY b.start DESC LIMIT 1) l
		WHERE l.n < 1024), NEW.seq), 1
	WHERE true
	ON CONFLICT (tenant, type, start) DO UPDATE SET n = n + 1;
END;

-- Delete: decrement the block X holding OLD (the last block starting at or
-- before OLD.seq); then merge X into its predecessor P when they fit in
-- 1024 together; then merge the successor S of the surviving block C (X,
-- or P after a merge) into C when they fit; finally drop C if it is empty
-- (it is then the only block). A block to merge is marked first by
-- storing -n-1 (trigger statements have no variables), added to its
-- neighbour, and deleted.
CREATE TRIGGER resources_block_delete AFTER DELETE ON resources BEGIN
	UPDATE page_blocks SET n = n - 1
	WHERE tenant = OLD.tenant AND type = OLD.type AND start = (SELECT max(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq);

	-- X into P.
	UPDATE page_blocks SET n = -n - 1
	WHERE tenant = OLD.tenant AND type = OLD.type AND start = (SELECT max(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq)
	AND n + (SELECT p.n FROM page_blocks p WHERE p.tenant = OLD.tenant AND p.type = OLD.type
		AND p.start < page_blocks.start ORDER BY p.start DESC LIMIT 1) <= 1024;
	UPDATE page_blocks SET n = n + (SELECT -x.n - 1 FROM page_blocks x WHERE x.tenant = OLD.tenant AND x.type = OLD.type
		AND x.start = (SELECT max(start) FROM page_blocks WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq))
	WHERE tenant = OLD.tenant AND type = OLD.type AND start = (SELECT max(p.start) FROM page_blocks p
		WHERE p.tenant = OLD.tenant AND p.type = OLD.type AND p.start < (SELECT max(start) FROM page_blocks
			WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq))
	AND EXISTS (SELECT 1 FROM page_blocks x WHERE x.tenant = OLD.tenant AND x.type = OLD.type AND x.n < 0
		AND x.start = (SELECT max(start) FROM page_blocks WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq));
	DELETE FROM page_blocks
	WHERE tenant = OLD.tenant AND type = OLD.type AND n < 0 AND start = (SELECT max(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq);

	-- S into C (C is now the last block starting at or before OLD.seq).
	UPDATE page_blocks SET n = -n - 1
	WHERE tenant = OLD.tenant AND type = OLD.type AND start = (SELECT min(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start > OLD.seq)
	AND n + (SELECT c.n FROM page_blocks c WHERE c.tenant = OLD.tenant AND c.type = OLD.type
		AND c.start = (SELECT max(start) FROM page_blocks WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq)) <= 1024;
	UPDATE page_blocks SET n = n + (SELECT -s.n - 1 FROM page_blocks s WHERE s.tenant = OLD.tenant AND s.type = OLD.type
		AND s.start = (SELECT min(start) FROM page_blocks WHERE tenant = OLD.tenant AND type = OLD.type AND start > OLD.seq))
	WHERE tenant = OLD.tenant AND type = OLD.type AND start = (SELECT max(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq)
	AND EXISTS (SELECT 1 FROM page_blocks s WHERE s.tenant = OLD.tenant AND s.type = OLD.type AND s.n < 0
		AND s.start = (SELECT min(start) FROM page_blocks WHERE tenant = OLD.tenant AND type = OLD.type AND start > OLD.seq));
	DELETE FROM page_blocks
	WHERE tenant = OLD.tenant AND type = OLD.type AND n < 0 AND start = (SELECT min(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start > OLD.seq);

	DELETE FROM page_blocks
	WHERE tenant = OLD.tenant AND type = OLD.type AND n = 0 AND start = (SELECT max(start) FROM page_blocks
		WHERE tenant = OLD.tenant AND type = OLD.type AND start <= OLD.seq);
END;

-- The blocks (like the counts of 0005) assume a resource never changes
-- tenant, type or seq; no statement of the store does, and this keeps it so.
CREATE TRIGGER resources_block_fixed BEFORE UPDATE OF tenant, type, seq ON resources
WHEN NEW.tenant IS NOT OLD.tenant OR NEW.type IS NOT OLD.type OR NEW.seq IS NOT OLD.seq
BEGIN
	SELECT RAISE(ABORT, 'scimkit: a resource never changes tenant, type or seq');
END;
