-- 0011: remove the clear-text passwords earlier versions stored (issue 12).
-- RFC 7643 §4.1.1: a password a service provider keeps SHOULD be hashed.
-- Before this version a User's "password" was stored as the client sent
-- it, in the data document and, folded, in the fold document. A migration
-- cannot hash (that needs the tenant's password policy), so it removes
-- them: the IdP sets a password again when it next pushes one. The
-- scrub_pending row asks the store to run VACUUM and truncate the WAL
-- (migrate.go) so that neither the database file's free pages nor the WAL
-- keep the text; it is removed only once that succeeded, so a crash or a
-- full disk in between makes the next Open try again.
UPDATE resources
   SET data = json_remove(data, '$.password'),
       fold = json_remove(fold, '$.password')
 WHERE json_type(data, '$.password') IS NOT NULL
    OR json_type(fold, '$.password') IS NOT NULL;

CREATE TABLE IF NOT EXISTS scrub_pending (reason TEXT NOT NULL);
INSERT INTO scrub_pending (reason) VALUES ('0011: clear-text passwords removed');
