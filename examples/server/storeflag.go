package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// Store kinds named by -store.
const (
	kindMemory   = "memory"
	kindSQLite   = "sqlite"
	kindPostgres = "postgres"
)

// libpqKeyword matches a libpq keyword/value connection string
// ("host=db dbname=scim user=app"), which PostgreSQL clients accept as
// well as postgres:// URLs.
var libpqKeyword = regexp.MustCompile(`^\s*(host|hostaddr|port|dbname|user|password|sslmode|service|passfile|connect_timeout|application_name|options|target_session_attrs|sslrootcert|sslcert|sslkey)\s*=`)

// sqliteSuffixes are the file name endings that let -store create a new
// SQLite file without -create.
var sqliteSuffixes = []string{".db", ".sqlite", ".sqlite3"}

// storeKind says which backend -store s names.
func storeKind(s string) (string, error) {
	switch {
	case s == "memory":
		return kindMemory, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"), libpqKeyword.MatchString(s):
		return kindPostgres, nil
	case strings.Contains(s, "://"):
		scheme, _, _ := strings.Cut(s, "://")
		return "", fmt.Errorf("-store: unknown scheme %q: use memory, a SQLite file path, or a PostgreSQL DSN (postgres://... or host=... dbname=...)", scheme)
	case s == "":
		return "", errors.New("-store is empty: use memory, a SQLite file path, or a PostgreSQL DSN")
	}
	return kindSQLite, nil
}

// storeMode says whether opening may create a new store.
type storeMode int

const (
	// mayCreate: a missing SQLite file is created when its name ends in
	// .db, .sqlite or .sqlite3 (or with -create); PostgreSQL tables are
	// created or migrated.
	mayCreate storeMode = iota
	// mustExist: the store must have been created before (read commands,
	// and commands that change what is there); nothing is created.
	mustExist
)

// checkStore refuses what would create a store by mistake: a SQLite path
// that does not exist and has no SQLite suffix (a typo such as -store
// scimkit.bd or -store memroy), unless create; any missing SQLite file in
// mustExist mode.
func checkStore(s string, mode storeMode, create bool) (string, error) {
	kind, err := storeKind(s)
	if err != nil || kind != kindSQLite {
		return kind, err
	}
	fi, err := os.Stat(s)
	switch {
	case err == nil && fi.IsDir():
		return "", fmt.Errorf("-store %s is a directory, not a SQLite file", s)
	case err == nil:
		return kind, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("-store: %w", err)
	case mode == mustExist:
		return "", fmt.Errorf("no store at %s: check -store (or SCIMKIT_STORE); the server creates the file at its first start", s)
	case create || hasSQLiteSuffix(s):
		return kind, nil
	}
	return "", fmt.Errorf("-store %s does not exist: a new SQLite file's name must end in .db, .sqlite or .sqlite3, or pass -create (so that a mistyped -store never starts an empty store)", s)
}

func hasSQLiteSuffix(s string) bool {
	for _, suf := range sqliteSuffixes {
		if strings.HasSuffix(strings.ToLower(s), suf) {
			return true
		}
	}
	return false
}

// openStore opens the store cfg.store names (see checkStore); in
// mustExist mode a PostgreSQL schema is neither created nor migrated.
func openStore(ctx context.Context, cfg config, mode storeMode) (store.Store, error) {
	kind, err := checkStore(cfg.store, mode, cfg.create)
	if err != nil {
		return nil, err
	}
	ret := store.Retention{Window: cfg.eventRetention}
	switch kind {
	case kindMemory:
		return memory.New(memory.Config{Retention: ret}), nil
	case kindPostgres:
		st, err := postgres.Open(ctx, postgres.Config{DSN: cfg.store, Schema: cfg.pgSchema, Retention: ret, SkipMigrations: mode == mustExist})
		if err != nil && mode == mustExist {
			return nil, fmt.Errorf("no usable scimkit store in schema %q of %s (start the server once, or check -store and -pg-schema): %w",
				cfg.pgSchema, redactDSN(cfg.store), err)
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redactDSN(cfg.store), err)
		}
		return st, nil
	}
	return sqlite.Open(ctx, sqlite.Config{Path: cfg.store, Retention: ret})
}

// keywordPassword matches password=VALUE in a libpq keyword DSN, the value
// bare or single-quoted (with \' escapes).
var keywordPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactDSN hides the password of a PostgreSQL DSN: in a URL's user
// information or password= query parameter, or in a keyword DSN.
func redactDSN(s string) string {
	kind, _ := storeKind(s)
	if kind != kindPostgres {
		return s
	}
	if !strings.Contains(s, "://") {
		return keywordPassword.ReplaceAllString(s, "${1}***")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://***" // unparsable: show nothing that might be secret
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "***")
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.String(), "%2A%2A%2A", "***", -1)
}

// storeHint is the -store argument to repeat in a hint to run another
// command on the same store: "" for the default, the DSN without its
// password otherwise.
func storeHint(cfg config) string {
	if cfg.store == "scimkit.db" {
		return ""
	}
	s := redactDSN(cfg.store)
	if s != cfg.store {
		return " -store '" + s + "' (with the password)"
	}
	if strings.ContainsAny(s, " '\"") {
		return " -store '" + s + "'"
	}
	return " -store " + s
}
