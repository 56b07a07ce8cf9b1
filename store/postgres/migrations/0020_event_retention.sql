-- 0020: retention of the outbox (store.Retention). Applied with
-- search_path set to the store's schema. Numbered high: it depends on no
-- other migration after 0003.

-- The highest Seq no longer kept (store.ExpiredError.Pruned): pruning
-- deletes the oldest events first and raises it in the same transaction,
-- holding this row's lock, which also orders it against the registration
-- of a new consumer (which starts there).
CREATE TABLE event_horizon (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    pruned bigint  NOT NULL
);
INSERT INTO event_horizon (one, pruned) VALUES (true, 0);
