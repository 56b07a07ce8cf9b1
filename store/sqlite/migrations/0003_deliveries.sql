-- 0003: delivery progress of outbox consumers (store.Deliveries).

-- One row per consumer: its lease and its checkpoint (the Seq up to which
-- it has finished every event). Times are Unix microseconds.
CREATE TABLE deliveries (
	consumer    TEXT    PRIMARY KEY,
	owner       TEXT    NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	checkpoint  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Events a consumer gave up on (dead letters), until replayed.
CREATE TABLE parked (
	consumer   TEXT    NOT NULL,
	event_id   TEXT    NOT NULL,
	seq        INTEGER NOT NULL,
	body       TEXT    NOT NULL, -- JSON of store.Event, Seq included
	attempts   INTEGER NOT NULL,
	last_error TEXT    NOT NULL,
	parked_at  INTEGER NOT NULL,
	PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX parked_seq ON parked (consumer, seq);
