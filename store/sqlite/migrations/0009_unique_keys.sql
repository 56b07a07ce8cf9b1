-- 0009: unique values are stored in the form every backend shares
-- (store.UniqueKeys): the comparison form of a string, the decimal text of
-- a number, true or false; no longer tagged with a type prefix, since the
-- attribute, which has one type, is part of the key.
UPDATE uniques SET value = substr(value, 3) WHERE substr(value, 1, 2) IN ('s:', 'n:', 'b:');

-- A member's "$ref" is derived when rendering and no longer stored.
UPDATE members SET ref = '' WHERE ref <> '';
