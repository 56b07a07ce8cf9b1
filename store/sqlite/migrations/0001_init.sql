-- 0001: initial schema of the scimkit SQLite store.
CREATE TABLE resources (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order, never reused
	tenant        TEXT NOT NULL,
	type          TEXT NOT NULL,
	id            TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created       TEXT NOT NULL, -- fixed-width UTC, sorts chronologically
	last_modified TEXT NOT NULL,
	external_id   TEXT,          -- NULL when absent
	schemas       TEXT NOT NULL, -- JSON array
	data          TEXT NOT NULL, -- JSON object of the attributes, members left out
	fold          TEXT NOT NULL  -- data with non-caseExact strings folded, dateTimes normalised
);
CREATE UNIQUE INDEX resources_id ON resources (tenant, type, id);
CREATE INDEX resources_external_id ON resources (tenant, type, external_id);
CREATE INDEX resources_user_name ON resources (tenant, type, json_extract(fold, '$.userName'));
CREATE INDEX resources_display_name ON resources (tenant, type, json_extract(fold, '$.displayName'));

CREATE TABLE uniques (
	tenant TEXT NOT NULL,
	type   TEXT NOT NULL,
	attr   TEXT NOT NULL,
	value  TEXT NOT NULL, -- type-tagged, folded unless caseExact
	id     TEXT NOT NULL,
	PRIMARY KEY (tenant, type, attr, value)
) WITHOUT ROWID;
CREATE INDEX uniques_owner ON uniques (tenant, type, id);

CREATE TABLE members (
	ord        INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order
	tenant     TEXT NOT NULL,
	group_type TEXT NOT NULL,
	group_id   TEXT NOT NULL,
	member_id  TEXT NOT NULL,
	type       TEXT NOT NULL DEFAULT '',
	display    TEXT NOT NULL DEFAULT '',
	ref        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX members_pk ON members (tenant, group_id, member_id);
CREATE INDEX members_group_order ON members (tenant, group_id, ord);
CREATE INDEX members_member ON members (tenant, member_id);

CREATE TABLE events (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	body   TEXT NOT NULL -- JSON of store.Event without Seq
);
