-- 0024: membership references that resolve (store/refs.go).
-- Member values that name no resource of the group's tenant, and a group
-- listed as its own member, are removed from the membership index: writes
-- no longer let them in, and these are what earlier versions stored. A
-- member of a type its members attribute does not allow is kept: which
-- types are allowed is in the resource type's schema, which SQL does not
-- see. Group documents
-- (resources.data) never hold members, so the index is all there is to
-- clean. Applied with search_path set to the store's schema.
DELETE FROM members m
WHERE m.member_id = m.group_id
   OR NOT EXISTS (SELECT 1 FROM resources r
                  WHERE r.tenant = m.tenant AND r.id = m.member_id);

-- The provisioning log records the member values a request's writes left
-- out (store.ProvisioningEntry.DroppedMembers, a JSON array; '' when
-- none).
ALTER TABLE provisioning_log ADD COLUMN dropped_members text NOT NULL DEFAULT '';
