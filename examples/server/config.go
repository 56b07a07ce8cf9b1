package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// config is the server's configuration, from flags and environment.
type config struct {
	addr             string
	store            string // "memory", a SQLite path, or a postgres:// DSN
	tenant           string // default tenant
	baseURL          string
	tlsCert          string
	tlsKey           string
	logLevel         slog.Level
	dialect          string
	passwords        string // password policy: drop, argon2id, bcrypt
	pgSchema         string
	publicDis        bool
	retention        time.Duration // provisioning log retention
	eventRetention   time.Duration // outbox retention window (store.Retention.Window)
	logWrites        bool          // record writes in the provisioning log
	uniqueGroupNames bool          // Group displayName unique per tenant
	logReads         bool          // also log GETs and searches
	webhook          string        // URL receiving every event, signed (Standard Webhooks)
	// webhookSecrets sign the webhook's requests ("whsec_<base64>").
	webhookSecrets []string
	google         googleConfig // the Google Workspace connector (google.go)
	ssf            ssfConfig    // -ssf*: Shared Signals transmitter and receiver (ssf.go)
	rate           rateConfig   // -rate-limit, -rate-burst (ratelimit.go)
	create         bool         // -create: a new SQLite file may have any name (storeflag.go)
	obs            obsConfig    // -log-format, -metrics*, OTLP (observe.go)
	adminTokenFile string       // -admin-token-file: the console's credential (console.go)
	dispatchers    *dispatchers // running dispatchers, for the console's replay (console.go)
}

// envFlag describes one flag and its environment variable.
type envFlag struct {
	name, env, def, usage string
	dst                   *string
}

// parseFlags parses the server's command line (flags anywhere; see
// parseArgs) into a config. name is the command ("" for the server).
func parseFlags(name string, args []string, getenv func(string) string, out io.Writer) (config, error) {
	if name == "server" {
		name = ""
	}
	fs := newFlagSet(name, out)
	finish := defineServerFlags(fs, getenv)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return config{}, err
	}
	if len(pos) > 0 {
		return config{}, usagef("", "unexpected argument %q (commands: token, tenant, record, google, help)", pos[0])
	}
	cfg, err := finish()
	if err != nil {
		return cfg, &usageError{msg: err.Error(), help: "server"}
	}
	return cfg, nil
}

// defineServerFlags defines the server's flags on fs; the returned func
// checks their values once fs is parsed.
func defineServerFlags(fs *flag.FlagSet, getenv func(string) string) func() (config, error) {
	cfg := new(config)
	var level string
	var public, retention, eventRetention, writes, reads, secrets, uniqueNames, create string
	flags := []envFlag{
		{"addr", "SCIMKIT_ADDR", "127.0.0.1:8080", "listen address", &cfg.addr},
		{"store", "SCIMKIT_STORE", "scimkit.db", `store: "memory", a SQLite file path (a new one must end in .db, .sqlite or .sqlite3, or use -create), or a PostgreSQL DSN (postgres://... or host=... dbname=...)`, &cfg.store},
		{"create", "SCIMKIT_CREATE", "false", "create the SQLite file -store names even though its name does not end in .db, .sqlite or .sqlite3", &create},
		{"tenant", "SCIMKIT_TENANT", "default", "the default tenant (SCIMKIT_TOKEN and new tokens belong to it)", &cfg.tenant},
		{"base-url", "SCIMKIT_BASE_URL", "", "public SCIM base URL, e.g. https://gw.example.com/scim/v2 (default: from requests)", &cfg.baseURL},
		{"tls-cert", "SCIMKIT_TLS_CERT", "", "TLS certificate file (serve HTTPS when set with -tls-key)", &cfg.tlsCert},
		{"tls-key", "SCIMKIT_TLS_KEY", "", "TLS key file", &cfg.tlsKey},
		{"log-level", "SCIMKIT_LOG_LEVEL", "info", "log level: debug, info, warn, error", &level},
		{"dialect", "SCIMKIT_DIALECT", "default", "PATCH dialect: default (Okta and Entra), okta, entra, strict", &cfg.dialect},
		{"password", "SCIMKIT_PASSWORD", "drop", "what happens to a password an IdP sends: drop (never stored), argon2id or bcrypt (only its hash is stored)", &cfg.passwords},
		{"pg-schema", "SCIMKIT_PG_SCHEMA", "scimkit", "PostgreSQL schema for the tables (postgres store only)", &cfg.pgSchema},
		{"unique-group-names", "SCIMKIT_UNIQUE_GROUP_NAMES", "false", "refuse a second group of an existing displayName with 409 (for IdPs that match groups by name, like Entra ID)", &uniqueNames},
		{"public-discovery", "SCIMKIT_PUBLIC_DISCOVERY", "false", "serve /ServiceProviderConfig, /Schemas, /ResourceTypes without a token", &public},
		{"log-retention", "SCIMKIT_LOG_RETENTION", "720h", "how long the provisioning log keeps entries (0: 30 days, negative: forever)", &retention},
		{"event-retention", "SCIMKIT_EVENT_RETENTION", "168h", "how long events are kept for /events readers that are behind (0: 7 days; negative: only while -webhook needs them); an older cursor gets 410 Gone and must resynchronise", &eventRetention},
		{"log-writes", "SCIMKIT_LOG_WRITES", "auto", "record every write in the provisioning log and log it: true, false, or auto (true, except on the memory store, whose log no other process can read)", &writes},
		{"log-reads", "SCIMKIT_LOG_READS", "false", "also record GETs and searches in the provisioning log (for record; one store write per read)", &reads},
		{"webhook", "SCIMKIT_WEBHOOK", "", "URL to POST every event to, signed per Standard Webhooks, with retries (needs -webhook-secret)", &cfg.webhook},
		{"webhook-secret", "SCIMKIT_WEBHOOK_SECRET", "", `webhook signing secret "whsec_<base64>"; several, comma-separated, while rotating`, &secrets},
		{"admin-token-file", "SCIMKIT_ADMIN_TOKEN_FILE", "", "file holding the web console's admin token (or set SCIMKIT_ADMIN_TOKEN); the console at /admin/ is off without one", &cfg.adminTokenFile},
	}
	flags = append(flags, cfg.google.flags()...)
	for _, f := range flags {
		f.register(fs, getenv)
	}
	fs.Bool("version", false, "print the version and exit")
	sf, rf, of := addSSFFlags(fs, getenv), addRateFlags(fs, getenv), addObsFlags(fs, getenv)
	return func() (config, error) {
		return cfg.check(level, public, retention, eventRetention, writes, reads, secrets, uniqueNames, create, sf, rf, of)
	}
}

// check converts and checks the flag values parsed into c's fields and
// the raw strings.
func (c *config) check(level, public, retention, eventRetention, writes, reads, secrets, uniqueNames, create string,
	sf *ssfFlags, rf *rateFlags, of *obsFlags) (config, error) {
	cfg := *c
	if err := cfg.google.check(); err != nil {
		return cfg, err
	}
	if err := cfg.logLevel.UnmarshalText([]byte(level)); err != nil {
		return cfg, fmt.Errorf("-log-level: %w", err)
	}
	var err error
	if cfg.create, err = parseBool("-create", create); err != nil {
		return cfg, err
	}
	if cfg.publicDis, err = parseBool("-public-discovery", public); err != nil {
		return cfg, err
	}
	if cfg.logReads, err = parseBool("-log-reads", reads); err != nil {
		return cfg, err
	}
	if cfg.uniqueGroupNames, err = parseBool("-unique-group-names", uniqueNames); err != nil {
		return cfg, err
	}
	switch strings.ToLower(writes) {
	case "auto", "":
		cfg.logWrites = cfg.store != "memory" || cfg.logReads
	default:
		if cfg.logWrites, err = parseBool("-log-writes", writes); err != nil {
			return cfg, err
		}
		if cfg.logReads && !cfg.logWrites {
			return cfg, fmt.Errorf("-log-reads needs the provisioning log: drop -log-writes=false")
		}
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return cfg, fmt.Errorf("-tls-cert and -tls-key go together")
	}
	if cfg.webhook != "" {
		if cfg.webhookSecrets, err = webhookSecrets(secrets); err != nil {
			return cfg, err
		}
	} else if secrets != "" {
		return cfg, fmt.Errorf("-webhook-secret without -webhook")
	}
	d, err := time.ParseDuration(retention)
	if err != nil {
		return cfg, fmt.Errorf("-log-retention: %w", err)
	}
	cfg.retention = d
	if cfg.ssf, err = sf.config(cfg.store); err != nil {
		return cfg, err
	}
	if cfg.eventRetention, err = time.ParseDuration(eventRetention); err != nil {
		return cfg, fmt.Errorf("-event-retention: %w", err)
	}
	if cfg.rate, err = rf.config(); err != nil {
		return cfg, err
	}
	if cfg.obs, err = of.config(); err != nil {
		return cfg, err
	}
	if _, err := storeKind(cfg.store); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not a boolean", name, v)
}

// register defines the flag with its environment variable's value, when
// set, as the default.
func (f envFlag) register(fs *flag.FlagSet, getenv func(string) string) {
	def := f.def
	if v := getenv(f.env); v != "" {
		def = v
	}
	if f.def == "true" || f.def == "false" {
		*f.dst = def
		fs.Var(boolString{f.dst}, f.name, f.usage+" ($"+f.env+")")
		return
	}
	fs.StringVar(f.dst, f.name, def, f.usage+" ($"+f.env+")")
	if f.name == "store" { // -h shows the default, which may be a DSN from $SCIMKIT_STORE
		fs.Lookup(f.name).DefValue = redactDSN(def)
	}
}
