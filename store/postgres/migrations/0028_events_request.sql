-- scimkit:concurrent-indexes: an upgrade builds these CONCURRENTLY (migrate.go).
-- 0028: find the events of one request (store.RequestEvents), for the
-- console's provisioning log entry, without scanning the outbox.
CREATE INDEX events_request ON events (tenant, (payload->>'RequestID'));
