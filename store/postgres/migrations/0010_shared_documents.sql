-- 0010: documents in the form every backend shares (store.Doc).
-- Binary values (base64) are case-exact, so the fold document keeps them
-- as they are (it lower-cased them): the one binary attribute of the core
-- schemas, User x509Certificates.value, is copied back from the data
-- document. A member's "$ref" is derived when rendering and no longer
-- stored. Applied with search_path set to the store's schema.

UPDATE resources r SET fold = jsonb_set(r.fold, '{x509Certificates}', (
        SELECT COALESCE(jsonb_agg(CASE WHEN d ? 'value' THEN f || jsonb_build_object('value', d->'value') ELSE f END ORDER BY n), '[]'::jsonb)
        FROM jsonb_array_elements(r.fold->'x509Certificates') WITH ORDINALITY AS fe(f, n)
        JOIN jsonb_array_elements(r.data->'x509Certificates') WITH ORDINALITY AS de(d, m) ON n = m))
    WHERE r.type = 'User' AND jsonb_typeof(r.fold->'x509Certificates') = 'array' AND jsonb_typeof(r.data->'x509Certificates') = 'array';

UPDATE members SET ref = '', fold = fold - '$ref' WHERE ref <> '' OR fold ? '$ref';
