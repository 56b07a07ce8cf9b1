package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scimkit/internal/pgtest"
	"github.com/scimkit/scimkit/store/sqlite"
)

// runCmd runs the command line args with env and returns what it printed
// and its exit code.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, int, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), args, func(k string) string { return env[k] }, &out, nil)
	return out.String(), exitCode(err), err
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestStoreTyposNeverCreateFiles: a -store that is no existing file and
// has no SQLite suffix is refused before anything is created.
func TestStoreTyposNeverCreateFiles(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []string{filepath.Join(dir, "scimkit.bd"), filepath.Join(dir, "memroy"), "postgress://u@h/db", "sqlite://x.db"} {
		t.Run(filepath.Base(s), func(t *testing.T) {
			_, code, err := runCmd(t, nil, "-addr", "127.0.0.1:0", "-store", s)
			if err == nil || code == 0 {
				t.Fatalf("-store %s started", s)
			}
			if exists(s) {
				t.Errorf("-store %s created a file", s)
			}
		})
	}
	// A SQLite suffix or -create lets a new file be created.
	for _, args := range [][]string{{"-store", filepath.Join(dir, "new.sqlite3")}, {"-store", filepath.Join(dir, "plain"), "-create"}} {
		startServer(t, args, map[string]string{"SCIMKIT_TOKEN": "s3cret"})
		if !exists(args[1]) {
			t.Errorf("%v did not create the store", args)
		}
	}
}

// TestReadCommandsNeverCreate: list, revoke, rotate, delete and record on
// a store that does not exist fail without creating it.
func TestReadCommandsNeverCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scimkit.db")
	env := map[string]string{"SCIMKIT_STORE": db}
	for _, args := range [][]string{{"token", "list"}, {"tenant", "list"}, {"token", "revoke", "tok_x"},
		{"token", "rotate", "tok_x"}, {"tenant", "delete", "acme"}, {"record"}} {
		_, code, err := runCmd(t, env, args...)
		if code != exitFailure || err == nil {
			t.Errorf("%v on a missing store: exit %d (%v), want %d", args, code, err, exitFailure)
		}
		if exists(db) {
			t.Fatalf("%v created %s", args, db)
		}
	}
}

// TestKeywordDSN: a libpq keyword DSN is PostgreSQL; a read command on a
// schema that does not exist fails without creating it, and the password
// is never printed.
func TestKeywordDSN(t *testing.T) {
	if k, err := storeKind("host=db.internal dbname=scim user=app"); k != kindPostgres || err != nil {
		t.Fatalf("storeKind(keyword DSN) = %q, %v", k, err)
	}
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	kw := "host=" + u.Hostname() + " port=" + port + " user=" + u.User.Username() + " dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable password='not the real one'"
	env := map[string]string{"SCIMKIT_STORE": kw, "SCIMKIT_PG_SCHEMA": pgtest.Schema(t, dsn)}
	out, code, err := runCmd(t, env, "token", "list")
	if code != exitFailure || !strings.Contains(err.Error(), "no usable scimkit store") {
		t.Fatalf("token list on a fresh schema: exit %d, %v\n%s", code, err, out)
	}
	if strings.Contains(err.Error(), "not the real one") {
		t.Errorf("the error shows the password: %v", err)
	}
	if out, code, err := runCmd(t, env, "token", "create", "-name", "kw"); code != 0 {
		t.Fatalf("token create with a keyword DSN: %v\n%s", err, out)
	}
	if out, _, err := runCmd(t, env, "token", "list"); err != nil || !strings.Contains(out, "kw") {
		t.Fatalf("token list after create: %v\n%s", err, out)
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/scim?sslmode=require": "postgres://app:***@db:5432/scim?sslmode=require",
		"postgresql://db/scim?password=s3cret&user=app":      "postgresql://db/scim?password=***&user=app",
		"host=db dbname=scim password=s3cret user=app":       "host=db dbname=scim password=*** user=app",
		`host=db password='it\'s s3cret' dbname=scim`:        "host=db password=*** dbname=scim",
		"postgres://app@db/scim":                             "postgres://app@db/scim",
		"scimkit.db":                                         "scimkit.db",
	} {
		if got := redactDSN(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFlagsAnywhere: flags before, between and after arguments, and
// before the command.
func TestFlagsAnywhere(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	for _, args := range [][]string{
		{"tenant", "create", "acme", "-dialect", "entra", "-store", db},
		{"-store", db, "tenant", "create", "-name", "Beta", "beta"},
		{"token", "create", "-store", db, "-tenant", "acme", "-name", "okta"},
	} {
		if out, code, err := runCmd(t, nil, args...); code != 0 {
			t.Fatalf("%v: exit %d %v\n%s", args, code, err, out)
		}
	}
	out, _, err := runCmd(t, nil, "token", "list", "acme", "-store", db)
	if err != nil || !strings.Contains(out, "okta") {
		t.Fatalf("token list TENANT -store: %v\n%s", err, out)
	}
	out, _, _ = runCmd(t, nil, "-store", db, "tenant", "list")
	if !strings.Contains(out, "acme") || !strings.Contains(out, "entra") || !strings.Contains(out, "Beta") {
		t.Fatalf("tenant list:\n%s", out)
	}
}

// TestHelpAndExitCodes: -h on each command shows its synopsis and only
// its own flags, with exit 0; mistakes exit 2, failures 1.
func TestHelpAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		want, avoid string
	}{
		{[]string{"token", "create", "-h"}, "usage: server token create", "-dialect"},
		{[]string{"token", "rotate", "-h"}, "-revoke", "-dialect"},
		{[]string{"tenant", "create", "-h"}, "-delete-policy", "-ttl"},
		{[]string{"tenant", "list", "-h"}, "usage: server tenant list", "-dialect"},
		{[]string{"token", "-h"}, "server token revoke", "-webhook"},
		{[]string{"record", "-h"}, "usage: server record", "-ttl"},
		{[]string{"google", "sync", "-h"}, "-credentials", "-ttl"},
		{[]string{"-h"}, "-rate-limit", "-ttl"},
		{[]string{"help"}, "tenant create", "-addr"},
		{[]string{"help", "token", "list"}, "usage: server token list", "-ttl"},
		{[]string{"-version"}, "scimkit server", "usage"},
		{[]string{"version"}, "scimkit server", "usage"},
	} {
		out, code, err := runCmd(t, nil, tc.args...)
		if code != exitOK || err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: exit %d, %v", tc.args, code, err)
		}
		if !strings.Contains(out, tc.want) || strings.Contains(out, tc.avoid) {
			t.Errorf("%v printed (want %q, not %q):\n%s", tc.args, tc.want, tc.avoid, out)
		}
	}
	env := map[string]string{"SCIMKIT_STORE": filepath.Join(t.TempDir(), "s.db")}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-no-such-flag"}, exitUsage},
		{[]string{"serve"}, exitUsage},
		{[]string{"token"}, exitUsage},
		{[]string{"token", "mint"}, exitUsage},
		{[]string{"token", "revoke"}, exitUsage},
		{[]string{"token", "create", "-ttl", "soon"}, exitUsage},
		{[]string{"tenant", "create", "-dialect", "klingon", "x"}, exitUsage},
		{[]string{"-rate-limit", "fast"}, exitUsage},
		{[]string{"help", "nothing"}, exitUsage},
		{[]string{"token", "list"}, exitFailure}, // no store yet
		{[]string{"token", "create"}, exitOK},
		{[]string{"token", "revoke", "tok_nope"}, exitFailure},
	} {
		if _, code, err := runCmd(t, env, tc.args...); code != tc.code {
			t.Errorf("%v: exit %d (%v), want %d", tc.args, code, err, tc.code)
		}
	}
}

// TestBoolFlags: boolean flags work bare, with =value and, as before,
// with the value as the next argument.
func TestBoolFlags(t *testing.T) {
	for _, args := range [][]string{{"-public-discovery"}, {"-public-discovery=true"}, {"-public-discovery", "true"}} {
		cfg, err := parseFlags("", args, func(string) string { return "" }, io.Discard)
		if err != nil || !cfg.publicDis {
			t.Errorf("%v: publicDis=%v, %v", args, cfg.publicDis, err)
		}
	}
	cfg, err := parseFlags("", []string{"-public-discovery=false"}, func(k string) string { return map[string]string{"SCIMKIT_PUBLIC_DISCOVERY": "true"}[k] }, io.Discard)
	if err != nil || cfg.publicDis {
		t.Errorf("-public-discovery=false over the environment's true: %v, %v", cfg.publicDis, err)
	}
}

// TestRotateKeepsExpiry: the new token has the old one's lifetime.
func TestRotateKeepsExpiry(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	env := map[string]string{"SCIMKIT_STORE": db}
	out, _, err := runCmd(t, env, "token", "create", "-ttl", "48h")
	if err != nil {
		t.Fatal(err)
	}
	id := idRE.FindString(out)
	if _, _, err = runCmd(t, env, "token", "rotate", id); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), sqlite.Config{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	all, err := st.ListTokens(t.Context(), "")
	if err != nil || len(all) != 2 {
		t.Fatalf("tokens: %v %v", all, err)
	}
	for _, tok := range all {
		if life := tok.Expires.Sub(tok.Created); life < 47*time.Hour || life > 49*time.Hour {
			t.Errorf("token %s lives %s, want 48h", tok.ID, life)
		}
	}
}

// TestFailedStartMintsNoToken: when the address is taken or the TLS
// files are bad, the server stops before creating the first token, and
// the next good start prints one.
func TestFailedStartMintsNoToken(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	for _, args := range [][]string{{"-addr", ln.Addr().String()}, {"-addr", "127.0.0.1:0", "-tls-cert", bad, "-tls-key", bad}} {
		out, code, err := runCmd(t, nil, append(args, "-store", db)...)
		if code != exitFailure || tokenRE.MatchString(out) {
			t.Fatalf("%v: exit %d (%v), printed:\n%s", args, code, err, out)
		}
	}
	if exists(db) {
		list, _, err := runCmd(t, nil, "token", "list", "-store", db)
		if err != nil || strings.Contains(list, "first-start") {
			t.Fatalf("a failed start left a token: %v\n%s", err, list)
		}
	}
	_, banner := startServer(t, []string{"-store", db}, nil)
	if !tokenRE.MatchString(banner.String()) {
		t.Fatalf("the first good start printed no token:\n%s", banner)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"off": 0, "0": 0, "": 0, "50/s": 50, "50": 50, "600/m": 10, "3600/h": 1, "2.5/sec": 2.5} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"fast", "-1/s", "10/d", "1/"} {
		if _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) accepted", in)
		}
	}
}

// TestHelpHidesDSNPassword: -h shows -store's default, which may be a
// DSN with a password from $SCIMKIT_STORE, without the password; so do
// the hints printed after a command.
func TestHelpHidesDSNPassword(t *testing.T) {
	env := map[string]string{"SCIMKIT_STORE": "postgres://app:hunter2@db.invalid/scim"}
	for _, args := range [][]string{{"-h"}, {"token", "list", "-h"}, {"record", "-h"}} {
		out, _, _ := runCmd(t, env, args...)
		if strings.Contains(out, "hunter2") || !strings.Contains(out, "app:***@db.invalid") {
			t.Errorf("%v shows the password or no DSN:\n%s", args, out)
		}
	}
	if h := storeHint(config{store: env["SCIMKIT_STORE"]}); strings.Contains(h, "hunter2") {
		t.Errorf("storeHint shows the password: %s", h)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:80": true, "localhost:1": true,
		"0.0.0.0:8080": false, "[::]:8080": false, "10.0.0.5:443": false, "nonsense": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
