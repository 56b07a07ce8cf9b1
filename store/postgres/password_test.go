package postgres_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

// rowsHolding counts the rows of every table of the store's schema whose
// text (the whole row, every column) contains s in any case.
func rowsHolding(t *testing.T, s *postgres.Store, schemaName, needle string) int64 {
	t.Helper()
	ctx := t.Context()
	var tables []string
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schemaName)
	if err != nil || n < 5 {
		t.Fatalf("%d tables in schema %s (%v)", n, schemaName, err)
	}
	names, err := s.Strings(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, schemaName)
	if err != nil {
		t.Fatal(err)
	}
	tables = names
	var total int64
	for _, tb := range tables {
		c, err := s.QueryInt(ctx, `SELECT count(*) FROM {s}."`+tb+`" t WHERE strpos(lower(t::text), lower($1)) > 0`, needle)
		if err != nil {
			t.Fatalf("table %s: %v", tb, err)
		}
		if c > 0 {
			t.Logf("table %s: %d rows hold %q", tb, c, needle)
		}
		total += c
	}
	return total
}

// relationBytes returns the bytes of the files of every table, TOAST
// table and index of the schema, or false when the server does not let
// this role read them (pg_read_binary_file needs superuser or
// pg_read_server_files). Pages still in shared buffers may not be there
// yet (a CHECKPOINT would flush them, but on a shared server it can take
// longer than the statement timeout): the WAL has every committed change.
func relationBytes(t *testing.T, s *postgres.Store, schemaName string) ([]byte, bool) {
	t.Helper()
	ctx := t.Context()
	paths, err := s.Strings(ctx, `SELECT pg_relation_filepath(c.oid) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE (n.nspname = $1 OR c.oid IN (SELECT reltoastrelid FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE rn.nspname = $1))
		AND c.relkind IN ('r', 't', 'i') AND pg_relation_filepath(c.oid) IS NOT NULL`, schemaName)
	if err != nil || len(paths) == 0 {
		t.Fatalf("relation files: %v (%d)", err, len(paths))
	}
	var all []byte
	for _, p := range paths {
		b, err := s.Bytes(ctx, `SELECT coalesce(pg_read_binary_file($1::text, 0, 67108864, true), ''::bytea)`, p)
		if err != nil {
			t.Logf("pg_read_binary_file refused (%v): relation files not read", err)
			return nil, false
		}
		all = append(all, b...)
	}
	return all, true
}

// walBytes returns the WAL segments written since the segment first, or
// false when the server does not let this role read them.
func walBytes(t *testing.T, s *postgres.Store, first string) ([]byte, bool) {
	t.Helper()
	ctx := t.Context()
	names, err := s.Strings(ctx, `SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' AND name >= $1
		AND name <= pg_walfile_name(pg_current_wal_lsn()) ORDER BY name`, first)
	if err != nil || len(names) == 0 || len(names) > 8 {
		t.Logf("WAL not read (%v, %d segments)", err, len(names))
		return nil, false
	}
	var all []byte
	for _, n := range names {
		b, err := s.Bytes(ctx, `SELECT coalesce(pg_read_binary_file('pg_wal/' || $1::text, 0, 67108864, true), ''::bytea)`, n)
		if err != nil {
			t.Logf("WAL segment %s not read: %v", n, err)
			return nil, false
		}
		all = append(all, b...)
	}
	return all, true
}

// TestPasswordNotAtRest provisions users with a distinctive password
// through the scim handler, under both policies: no row of any table of
// the schema holds it, nor (when the server lets the test read them) the
// tables' files or the WAL written meanwhile, while the user's name is
// found each way.
func TestPasswordNotAtRest(t *testing.T) {
	for _, hasher := range []password.Hasher{nil, password.Argon2id{Memory: 64, Time: 1}} {
		const pw, name = "Pg-Pw-At-Rest-2Lm7", "Pg-At-Rest-User-5Tz1"
		d := pgtest.DSN(t)
		schemaName := pgtest.Schema(t, d)
		st := open(t, postgres.Config{DSN: d, Schema: schemaName})
		firstWAL, _ := st.Strings(t.Context(), `SELECT pg_walfile_name(pg_current_wal_lsn())`)
		h, err := scim.New(scim.Config{Store: st, ProvisioningLog: st, Logger: slog.New(slog.DiscardHandler),
			Authenticator: scim.StaticTokens{{Tenant: "t", ID: "tok", SHA256: scim.HashToken("secret-token")}},
			Defaults:      scim.TenantConfig{Password: hasher}})
		if err != nil {
			t.Fatal(err)
		}
		send := func(method, target, body string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer secret-token")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code >= 300 {
				t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
			}
			return w
		}
		loc := send("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","password":"`+pw+`"}`).Header().Get("Location")
		id := loc[strings.LastIndex(loc, "/")+1:]
		send("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","password":"`+pw+`"}`)
		send("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"`+pw+`"}]}`)
		send("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`-2","password":"`+pw+`"}}]}`)
		if ok, err := h.VerifyPassword(t.Context(), "t", id, pw); ok != (hasher != nil) || err != nil {
			t.Errorf("VerifyPassword = %v, %v", ok, err)
		}
		if rowsHolding(t, st, schemaName, name) == 0 {
			t.Fatal("no row holds the user name: the scan reads the wrong tables")
		}
		if n := rowsHolding(t, st, schemaName, pw); n != 0 {
			t.Errorf("policy %v: %d rows hold the clear-text password", hasher, n)
		}
		if raw, ok := relationBytes(t, st, schemaName); ok {
			if !bytes.Contains(raw, []byte(name)) {
				t.Log("the relation files do not hold the user name yet (not flushed): the WAL check stands for them")
			}
			if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(pw))) {
				t.Errorf("policy %v: the relation files hold the clear-text password", hasher)
			}
		}
		if len(firstWAL) == 1 {
			if raw, ok := walBytes(t, st, firstWAL[0]); ok {
				if !bytes.Contains(raw, []byte(name)) {
					t.Fatal("the WAL does not hold the user name: the check reads the wrong segments")
				}
				if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(pw))) {
					t.Errorf("policy %v: the WAL holds the clear-text password", hasher)
				}
			}
		}
	}
}

// TestMigrationRemovesClearPasswords stores a clear-text password the
// way versions before migration 0022 did (in data and fold), marks 0022
// as not applied and reopens: the migration removes it from every row.
func TestMigrationRemovesClearPasswords(t *testing.T) {
	const pw = "Pg-Old-Clear-Pw-8Wq3"
	ctx := t.Context()
	d := pgtest.DSN(t)
	schemaName := pgtest.Schema(t, d)
	s := open(t, postgres.Config{DSN: d, Schema: schemaName})
	u, err := s.Create(ctx, "t", storetest.UserType(), storetest.TypicalUser(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `UPDATE {s}.resources SET data = data || jsonb_build_object('password', $1::text),
		fold = fold || jsonb_build_object('password', lower($1::text))`, pw); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `DELETE FROM {s}.schema_migrations WHERE version = 22`); err != nil {
		t.Fatal(err)
	}
	if rowsHolding(t, s, schemaName, pw) == 0 {
		t.Fatal("the old-format password is in no row: the test stores it wrongly")
	}
	s.Close()

	s = open(t, postgres.Config{DSN: d, Schema: schemaName})
	if n := rowsHolding(t, s, schemaName, pw); n != 0 {
		t.Errorf("after the migration %d rows hold the clear-text password", n)
	}
	got, err := s.Get(ctx, "t", storetest.UserType(), u.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Attrs["password"]; ok || got.Attrs["userName"] != u.Attrs["userName"] {
		t.Errorf("after the migration the user is %v", got.Attrs)
	}
}
