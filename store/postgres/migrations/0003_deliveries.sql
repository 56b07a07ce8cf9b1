-- 0003: delivery progress of outbox consumers (store.Deliveries). Applied
-- with search_path set to the store's schema.

-- One row per consumer: the lease (owner until lease_until, judged by the
-- server's clock) and the checkpoint (the Seq up to which the consumer
-- has finished every event).
CREATE TABLE deliveries (
    consumer    text        COLLATE "C" PRIMARY KEY,
    owner       text        NOT NULL DEFAULT '',
    lease_until timestamptz NOT NULL DEFAULT '-infinity',
    checkpoint  bigint      NOT NULL DEFAULT 0
);

-- Events a consumer gave up on (dead letters), until replayed.
CREATE TABLE parked (
    consumer   text        COLLATE "C" NOT NULL,
    event_id   text        COLLATE "C" NOT NULL,
    seq        bigint      NOT NULL,
    payload    jsonb       NOT NULL, -- store.Event, Seq included
    attempts   integer     NOT NULL,
    last_error text        NOT NULL,
    parked_at  timestamptz NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX parked_seq ON parked (consumer, seq);
