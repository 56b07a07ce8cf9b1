-- 0006: what a replay of a provisioning log entry needs
-- (store.ProvisioningEntry): the query string, the User-Agent,
-- Content-Type and If-Match headers as sent, the version and redacted body
-- of the response, and the per-operation results of a /Bulk request (a
-- JSON array of store.BulkResult, '' when none). Existing entries get
-- empty values.
ALTER TABLE provisioning_log ADD COLUMN query        TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN user_agent   TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN content_type TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN if_match     TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN version      TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN response     TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_log ADD COLUMN bulk_results TEXT NOT NULL DEFAULT '';
