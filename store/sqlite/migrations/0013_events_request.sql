-- 0013: find the events of one request (store.RequestEvents), for the
-- console's provisioning log entry, without scanning the outbox.
CREATE INDEX IF NOT EXISTS events_request ON events (json_extract(body, '$.RequestID'));
