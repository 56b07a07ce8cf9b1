-- 0001: resources, uniqueness index, membership index and outbox.
-- Applied with search_path set to the store's schema.

CREATE TABLE resources (
    tenant        text        NOT NULL,
    id            text        COLLATE "C" NOT NULL,
    type          text        NOT NULL,
    seq           bigint      GENERATED ALWAYS AS IDENTITY,
    version       bigint      NOT NULL,
    created       timestamptz NOT NULL,
    last_modified timestamptz NOT NULL,
    external_id   text        COLLATE "C",
    data          jsonb       NOT NULL, -- attributes and schemas, never members or groups
    fold          jsonb       NOT NULL, -- data with non-caseExact strings folded in Go, dateTimes normalised
    PRIMARY KEY (tenant, id)
);
-- Creation order within a type: the default sort, list tiebreak and cursor key.
CREATE UNIQUE INDEX resources_type_seq ON resources (tenant, type, seq);
CREATE INDEX resources_external_id ON resources (tenant, type, external_id);
CREATE INDEX resources_user_name ON resources (tenant, type, ((fold->>'userName') COLLATE "C"));
CREATE INDEX resources_display_name ON resources (tenant, type, ((fold->>'displayName') COLLATE "C"));

-- Uniqueness (RFC 7643 §7): one row per unique attribute value.
CREATE TABLE uniques (
    tenant text NOT NULL,
    type   text NOT NULL,
    attr   text NOT NULL,
    value  text COLLATE "C" NOT NULL,
    id     text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, type, attr, value),
    FOREIGN KEY (tenant, id) REFERENCES resources (tenant, id) ON DELETE CASCADE
);
CREATE INDEX uniques_id ON uniques (tenant, id);

-- Membership index: a group's members in insertion order (ord).
CREATE TABLE members (
    tenant    text   NOT NULL,
    group_id  text   COLLATE "C" NOT NULL,
    member_id text   COLLATE "C" NOT NULL,
    type      text   NOT NULL DEFAULT '',
    display   text   NOT NULL DEFAULT '',
    ref       text   NOT NULL DEFAULT '',
    fold      jsonb  NOT NULL, -- the member value as filters see it (folded like resources.fold)
    ord       bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES resources (tenant, id) ON DELETE CASCADE
);
CREATE INDEX members_member ON members (tenant, member_id);
CREATE INDEX members_order ON members (tenant, group_id, ord);

-- Outbox. seq comes from event_seq, whose single row each writing
-- transaction updates last: gapless and in commit order.
CREATE TABLE event_seq (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    last bigint  NOT NULL
);
INSERT INTO event_seq (one, last) VALUES (true, 0);

CREATE TABLE events (
    seq           bigint      PRIMARY KEY,
    id            text        NOT NULL,
    tenant        text        NOT NULL,
    type          text        NOT NULL,
    resource_type text        NOT NULL,
    resource_id   text        NOT NULL,
    created       timestamptz NOT NULL,
    payload       jsonb       NOT NULL
);
