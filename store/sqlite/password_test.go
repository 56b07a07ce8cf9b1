package sqlite_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scimkit/password"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
)

// fileBytes returns the database file, its WAL and its shared-memory
// index, concatenated (a missing file counts as empty).
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// holds reports whether the raw bytes hold s as stored: as sent or
// folded to lower case (the fold column).
func holds(raw []byte, s string) bool {
	return bytes.Contains(raw, []byte(s)) || bytes.Contains(raw, []byte(strings.ToLower(s)))
}

// TestPasswordNotAtRest provisions users with a distinctive password
// through the scim handler on a SQLite file, under both policies, and
// reads the database and WAL files' bytes: the password is nowhere, while
// the user's name is (so the reading would see it).
func TestPasswordNotAtRest(t *testing.T) {
	for _, hasher := range []password.Hasher{nil, password.Argon2id{Memory: 64, Time: 1}} {
		const pw, name = "Pw-At-Rest-9f3Kq", "At-Rest-User-7Hc2"
		path := filepath.Join(t.TempDir(), "scim.db")
		st, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
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
		w := send("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","password":"`+pw+`"}`)
		id := w.Header().Get("Location")[strings.LastIndex(w.Header().Get("Location"), "/")+1:]
		send("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","password":"`+pw+`"}`)
		send("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"`+pw+`"}}]}`)
		send("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`-2","password":"`+pw+`"}}]}`)
		if hasher != nil {
			if ok, err := h.VerifyPassword(t.Context(), "t", id, pw); !ok || err != nil {
				t.Fatalf("VerifyPassword = %v, %v; want true (the hash is stored)", ok, err)
			}
		}
		raw := fileBytes(t, path) // with the WAL as the store left it
		if !holds(raw, name) {
			t.Fatalf("the files do not hold the user name %q: the check reads the wrong files", name)
		}
		if holds(raw, pw) {
			t.Errorf("policy %v: the database files hold the clear-text password", hasher)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if holds(fileBytes(t, path), pw) {
			t.Errorf("policy %v: after Close the database file holds the clear-text password", hasher)
		}
	}
}

// TestMigrationRemovesClearPasswords builds the schema of release 0.1.0
// (migrations up to 0010), stores a clear-text password the way it did
// (in the data and fold documents), and reopens: migration 0011 removes
// it from both documents, and VACUUM and the WAL truncation leave no copy
// in the files.
func TestMigrationRemovesClearPasswords(t *testing.T) {
	const pw = "Old-Clear-Pw-4Jd8x"
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "scim.db")
	s, err := sqlite.OpenAt(ctx, sqlite.Config{Path: path}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != 10 {
		t.Fatalf("schema version %d, %v; want 10", v, err)
	}
	u, err := s.Create(ctx, "t", users, user("bjensen"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Exec(ctx, s, `UPDATE resources SET data = json_set(data, '$.password', '`+pw+`'), fold = json_set(fold, '$.password', lower('`+pw+`'))`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !holds(fileBytes(t, path), pw) {
		t.Fatal("the old-format password is not in the files: the test stores it wrongly")
	}

	s, err = sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(ctx, "t", users, u.ID, store.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Attrs["password"]; ok || got.Attrs["userName"] != "bjensen" {
		t.Errorf("after the migration the user is %v; want bjensen without password", got.Attrs)
	}
	if holds(fileBytes(t, path), pw) {
		t.Error("after the migration the database file or WAL still holds the clear-text password")
	}
	// The fold document is what filters read: no password there either.
	var n int
	if err := sqlite.QueryInt(ctx, s, `SELECT count(*) FROM resources WHERE json_type(fold, '$.password') IS NOT NULL OR json_type(data, '$.password') IS NOT NULL`, &n); err != nil || n != 0 {
		t.Errorf("%d rows still have a password (%v)", n, err)
	}
}

var _ http.Handler = (*scim.Handler)(nil)
