-- 0005: the number of resources per tenant and type, kept by triggers in
-- the writing transaction, so an unfiltered list answers its exact
-- totalResults (RFC 7644 §3.4.2) without counting the tenant's rows.
CREATE TABLE counts (
	tenant TEXT    NOT NULL,
	type   TEXT    NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (tenant, type)
) WITHOUT ROWID;
INSERT INTO counts (tenant, type, n) SELECT tenant, type, count(*) FROM resources GROUP BY tenant, type;
CREATE TRIGGER resources_count_insert AFTER INSERT ON resources BEGIN
	INSERT INTO counts (tenant, type, n) VALUES (NEW.tenant, NEW.type, 1)
		ON CONFLICT (tenant, type) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER resources_count_delete AFTER DELETE ON resources BEGIN
	UPDATE counts SET n = n - 1 WHERE tenant = OLD.tenant AND type = OLD.type;
END;
