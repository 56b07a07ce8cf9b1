-- 0012: membership references that resolve (store/refs.go).
-- Member values that name no resource of the group's tenant, and a group
-- listed as its own member, are removed from the membership index: writes
-- no longer let them in, and these are what earlier versions stored. A
-- member of a type its members attribute does not allow is kept: which
-- types are allowed is in the resource type's schema, which SQL does not
-- see. Group documents (resources.data)
-- never hold members, so the index is all there is to clean.
--
-- A member is looked up by tenant and id whatever its type (Resolve, the
-- type a membership change reports, and the DELETE below): an index for
-- that, with statistics in the spirit of 0002 (ids unique in a tenant), so
-- the lookup is one seek however many tenants and types the database holds.
CREATE INDEX IF NOT EXISTS resources_tenant_id ON resources (tenant, id);
DELETE FROM sqlite_stat1 WHERE idx = 'resources_tenant_id';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('resources', 'resources_tenant_id', '1000000 100000 1');
ANALYZE sqlite_schema;

DELETE FROM members
WHERE member_id = group_id
   OR NOT EXISTS (SELECT 1 FROM resources r
                  WHERE r.tenant = members.tenant AND r.id = members.member_id);

-- The provisioning log records the member values a request's writes left
-- out (store.ProvisioningEntry.DroppedMembers, a JSON array; '' when
-- none).
ALTER TABLE provisioning_log ADD COLUMN dropped_members TEXT NOT NULL DEFAULT '';
