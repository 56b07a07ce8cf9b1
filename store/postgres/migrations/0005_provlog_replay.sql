-- 0005: what a replay of a provisioning log entry needs
-- (store.ProvisioningEntry): the query string, the User-Agent,
-- Content-Type and If-Match headers as sent, the version and redacted body
-- of the response, and the per-operation results of a /Bulk request (a
-- JSON array of store.BulkResult, '' when none). Existing entries get
-- empty values. Applied with search_path set to the store's schema.
ALTER TABLE provisioning_log
    ADD COLUMN query        text NOT NULL DEFAULT '',
    ADD COLUMN user_agent   text NOT NULL DEFAULT '',
    ADD COLUMN content_type text NOT NULL DEFAULT '',
    ADD COLUMN if_match     text NOT NULL DEFAULT '',
    ADD COLUMN version      text NOT NULL DEFAULT '',
    ADD COLUMN response     text NOT NULL DEFAULT '',
    ADD COLUMN bulk_results text NOT NULL DEFAULT '';
