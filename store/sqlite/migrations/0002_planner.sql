-- 0002: list in creation order without a sort step; a covering index for
-- the groups of a member; and fixed planner statistics describing a large
-- tenant (many resources per tenant and type, unique ids and userNames, a
-- few groups per member), so the planner drives lookups from the selective
-- index instead of walking a tenant in creation order.
CREATE INDEX resources_order ON resources (tenant, type, seq);
DROP INDEX members_member;
CREATE INDEX members_member ON members (tenant, member_id, group_id);
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
	('resources', 'resources_id',           '1000000 100000 50000 1'),
	('resources', 'resources_order',        '1000000 100000 50000 1'),
	('resources', 'resources_external_id',  '1000000 100000 50000 2'),
	('resources', 'resources_user_name',    '1000000 100000 50000 2'),
	('resources', 'resources_display_name', '1000000 100000 50000 2'),
	('uniques',   'sqlite_autoindex_uniques_1',               '1000000 100000 50000 25000 1'),
	('uniques',   'uniques_owner',          '1000000 100000 50000 1'),
	('members',   'members_pk',             '1000000 100000 100 1'),
	('members',   'members_group_order',    '1000000 100000 100 1'),
	('members',   'members_member',         '1000000 100000 5 1');
ANALYZE sqlite_schema;
