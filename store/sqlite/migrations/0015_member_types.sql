-- 0015: a membership stores the type of the resource its member names.
-- Writes store the type a member's value resolves to (the write
-- algorithm's reference check, store/internal/backend/refs.go), whatever
-- "type" the client sent; earlier versions stored the client's. Rows whose
-- member exists get its type, so that the stored type is the type a
-- membership change reports (backend.MemberType) and removing a member
-- needs no lookup of the resource it names.
UPDATE members SET type = (SELECT r.type FROM resources r WHERE r.tenant = members.tenant AND r.id = members.member_id)
WHERE EXISTS (SELECT 1 FROM resources r
              WHERE r.tenant = members.tenant AND r.id = members.member_id AND r.type IS NOT members.type);
