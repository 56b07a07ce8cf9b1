-- 0008: an outbox without a global counter (doc.go, "Ordered events
-- without a global lock"). Writers no longer update the one-row event_seq
-- and hold its lock until their commit is durable; they insert events with
-- a provisional position pseq from the sequence event_pseq (nextval, taken
-- by the events statement after the transaction's other writes) and seq
-- NULL. Readers assign the final, gapless seq in pseq order with
-- sequence_events, but only up to a watermark below which every
-- transaction that took a pseq has ended.
--
-- Existing events keep their seq (pseq = seq), and event_pseq continues
-- after the last one. Replicas must run this version together: an older
-- binary writes event_seq, which no longer exists, and fails.
-- Applied with search_path set to the store's schema, which the function
-- keeps.

CREATE SEQUENCE event_pseq AS bigint; -- CACHE 1: last_value is exact

ALTER TABLE events ADD COLUMN pseq bigint;
UPDATE events SET pseq = seq;
ALTER TABLE events ALTER COLUMN pseq SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (pseq);
ALTER TABLE events ADD CONSTRAINT events_seq_key UNIQUE (seq);

-- The sequencer's state, one row. Every event with pseq <= pseq has its
-- final seq (the last one is seq); every transaction that took a pseq <=
-- ready has ended, so those events may be numbered. pending is a later
-- watermark read from event_pseq, and waiting the virtual transactions
-- that held a lock on events when it was read: once none of them holds
-- one any more, pending becomes ready.
CREATE TABLE event_sequencer (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq     bigint  NOT NULL,
    pseq    bigint  NOT NULL,
    ready   bigint  NOT NULL,
    pending bigint,
    waiting text[]
);
INSERT INTO event_sequencer (one, seq, pseq, ready) SELECT true, last, last, last FROM event_seq;
SELECT setval('event_pseq', GREATEST(last, 1), last > 0) FROM event_seq;
DROP TABLE event_seq;

-- sequence_events numbers up to batch committed events (events.seq) in
-- pseq order and returns done, the pseq up to which every event is
-- numbered, and target, the last pseq handed out when it was called: a
-- caller that wants every event committed before its call waits until a
-- later call returns done >= its first target. Only one caller at a time
-- sequences (a transaction-scoped advisory lock, tried without waiting);
-- the others only read done.
--
-- Correctness rests on two facts: a statement that inserts into events
-- holds a lock on the table from before it calls nextval until its
-- transaction ends (relation locks are taken before execution and kept
-- to the end), and a transaction's commit is visible before its locks are
-- released. So, reading target first and pg_locks second, every
-- transaction that took a pseq <= target and has not ended appears in
-- pg_locks; once none of those does, every event with pseq <= target is
-- committed (and visible) or rolled back, and none can appear later.
CREATE FUNCTION sequence_events(batch integer, OUT done bigint, OUT target bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    h       event_sequencer%ROWTYPE;
    was     event_sequencer%ROWTYPE;
    holders text[];
    n       bigint;
    top     bigint;
BEGIN
    SELECT last_value - (NOT is_called)::int INTO target FROM event_pseq;
    IF NOT pg_try_advisory_xact_lock(hashtextextended('scimkit.outbox:' || current_schema(), 0)) THEN
        SELECT e.pseq INTO done FROM event_sequencer e;
        RETURN;
    END IF;
    SELECT * INTO h FROM event_sequencer;
    was := h;
    IF h.pending IS NOT NULL OR target > h.ready THEN
        SELECT array_agg(DISTINCT l.virtualtransaction) INTO holders FROM pg_locks l
        WHERE l.locktype = 'relation' AND l.granted AND l.mode <> 'AccessShareLock'
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.relation = 'events'::regclass AND l.pid IS DISTINCT FROM pg_backend_pid();
        IF h.pending IS NOT NULL AND NOT (h.waiting && coalesce(holders, '{}')) THEN
            h.ready := h.pending;
            h.pending := NULL;
            h.waiting := NULL;
        END IF;
        IF h.pending IS NULL AND target > h.ready THEN
            IF holders IS NULL THEN
                h.ready := target;
            ELSE
                h.pending := target;
                h.waiting := holders;
            END IF;
        END IF;
    END IF;
    IF h.ready > h.pseq THEN
        WITH todo AS (
            SELECT e.pseq, row_number() OVER (ORDER BY e.pseq) AS rn FROM events e
            WHERE e.pseq > h.pseq AND e.pseq <= h.ready ORDER BY e.pseq LIMIT batch),
        numbered AS (
            UPDATE events e SET seq = h.seq + todo.rn FROM todo WHERE e.pseq = todo.pseq RETURNING e.pseq)
        SELECT count(*), max(numbered.pseq) INTO n, top FROM numbered;
        h.seq := h.seq + n;
        h.pseq := CASE WHEN n < batch THEN h.ready ELSE top END;
    END IF;
    IF h IS DISTINCT FROM was THEN -- a call that changes nothing writes nothing (and commits without a WAL flush)
        UPDATE event_sequencer SET seq = h.seq, pseq = h.pseq, ready = h.ready, pending = h.pending, waiting = h.waiting;
    END IF;
    done := h.pseq;
END
$$;
