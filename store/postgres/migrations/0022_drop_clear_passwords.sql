-- 0022: remove the clear-text passwords earlier versions stored (issue 12).
-- RFC 7643 §4.1.1: a password a service provider keeps SHOULD be hashed.
-- Before this version a User's "password" was stored as the client sent
-- it, in the data document and, folded, in the fold document. A migration
-- cannot hash (that needs the tenant's password policy), so it removes
-- them: the IdP sets a password again when it next pushes one.
--
-- The old row versions stay in the table's files as dead tuples until
-- VACUUM reclaims them, and in WAL segments and backups taken before:
-- run VACUUM (FULL) on the resources table after upgrading, and expire
-- older backups, to have no copy left (see CHANGELOG). Applied with
-- search_path set to the store's schema.
UPDATE resources
   SET data = data - 'password',
       fold = fold - 'password'
 WHERE data ? 'password' OR fold ? 'password';
