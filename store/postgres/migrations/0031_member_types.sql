-- 0031: a membership stores the type of the resource its member names
-- (SQLite 0015). Writes store the type a member's value resolves to (the
-- write algorithm's reference check, store/internal/backend/refs.go),
-- whatever "type" the client sent; earlier versions stored the client's,
-- or none. Rows whose member exists get its type, in the type column and
-- in the fold document filters read (folded as FoldValue folds the
-- caseExact=false "type" sub-attribute: User and Group are ASCII, so
-- lower() is filter.Fold for them). Applied with search_path set to the
-- store's schema.
UPDATE members m
SET type = r.type,
    fold = jsonb_set(m.fold, '{type}', to_jsonb(lower(r.type)), true)
FROM resources r
WHERE r.tenant = m.tenant AND r.id = m.member_id
  AND (m.type IS DISTINCT FROM r.type OR m.fold->'type' IS DISTINCT FROM to_jsonb(lower(r.type)));
