-- scimkit:concurrent-indexes: an upgrade builds these CONCURRENTLY (migrate.go).
-- 0029: the console's provisioning log filters that select few entries
-- (failures by outcome or status, one request) read an index instead of
-- every entry of the tenant. Filters that match many entries (IdP, method,
-- resource type) stop early on the tenant index and need none.
CREATE INDEX provisioning_log_outcome ON provisioning_log (tenant, outcome, seq);
CREATE INDEX provisioning_log_status ON provisioning_log (tenant, status, seq);
CREATE INDEX provisioning_log_request ON provisioning_log (request_id);
