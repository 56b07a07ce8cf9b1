package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/scimkit/scimkit/scim"
)

// tokenPrefix marks scimkit bearer tokens so secret scanners can recognise
// a leaked one.
const tokenPrefix = "scimkit_"

// tokenRecord is one token in the token file. Only the digest is kept.
type tokenRecord struct {
	ID      string     `json:"id"`
	Tenant  string     `json:"tenant"`
	Name    string     `json:"name,omitempty"`
	SHA256  string     `json:"sha256"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

type tokenFile struct {
	Tokens []tokenRecord `json:"tokens"`
}

func (r tokenRecord) active(now time.Time) bool {
	return r.Revoked == nil && (r.Expires == nil || now.Before(*r.Expires))
}

func loadTokens(path string) (tokenFile, error) {
	var tf tokenFile
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return tf, nil
	}
	if err != nil {
		return tf, err
	}
	if err := json.Unmarshal(data, &tf); err != nil {
		return tf, fmt.Errorf("token file %s: %w", path, err)
	}
	return tf, nil
}

// saveTokens writes the file atomically (temp file + rename), readable by
// the owner only.
func saveTokens(path string, tf tokenFile) error {
	data, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// newToken returns a fresh secret and its record. The secret has 256 bits
// of entropy.
func newToken(tenant, name string, now time.Time, ttl time.Duration) (string, tokenRecord) {
	var b [32]byte
	rand.Read(b[:])
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	var id [6]byte
	rand.Read(id[:])
	rec := tokenRecord{ID: "tok_" + base64.RawURLEncoding.EncodeToString(id[:]), Tenant: tenant, Name: name,
		SHA256: scim.HashToken(secret), Created: now.UTC()}
	if ttl > 0 {
		exp := now.Add(ttl).UTC()
		rec.Expires = &exp
	}
	return secret, rec
}

// runToken implements "server token create|list|revoke".
func runToken(args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: server token create|list|revoke [flags]")
	}
	sub, args := args[0], args[1:]
	cfg, rest, err := tokenFlags(sub, args, getenv, out)
	if err != nil {
		return err
	}
	tf, err := loadTokens(cfg.tokens)
	if err != nil {
		return err
	}
	now := time.Now()
	switch sub {
	case "create":
		secret, rec := newToken(cfg.tenant, cfg.name, now, cfg.ttl)
		tf.Tokens = append(tf.Tokens, rec)
		if err := saveTokens(cfg.tokens, tf); err != nil {
			return err
		}
		fmt.Fprintf(out, "Created token %s for tenant %q. It is shown only now:\n\n  %s\n\n", rec.ID, rec.Tenant, secret)
		fmt.Fprintf(out, "Paste it into the IdP, then revoke the old one with: server token revoke <id>\n")
	case "list":
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tTENANT\tNAME\tCREATED\tEXPIRES\tSTATE")
		for _, r := range tf.Tokens {
			state, exp := "active", "-"
			if r.Expires != nil {
				exp = r.Expires.Format(time.RFC3339)
			}
			if !r.active(now) {
				state = "revoked/expired"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Tenant, r.Name, r.Created.Format(time.RFC3339), exp, state)
		}
		return w.Flush()
	case "revoke":
		if len(rest) != 1 {
			return fmt.Errorf("usage: server token revoke ID")
		}
		found := false
		for i := range tf.Tokens {
			if tf.Tokens[i].ID == rest[0] && tf.Tokens[i].Revoked == nil {
				t := now.UTC()
				tf.Tokens[i].Revoked, found = &t, true
			}
		}
		if !found {
			return fmt.Errorf("no active token %q", rest[0])
		}
		if err := saveTokens(cfg.tokens, tf); err != nil {
			return err
		}
		fmt.Fprintf(out, "Revoked %s. A running server stops accepting it within a second.\n", rest[0])
	default:
		return fmt.Errorf("unknown token subcommand %q (create, list, revoke)", sub)
	}
	return nil
}

type tokenConfig struct {
	tokens, tenant, name string
	ttl                  time.Duration
}

func tokenFlags(sub string, args []string, getenv func(string) string, out io.Writer) (tokenConfig, []string, error) {
	var c tokenConfig
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(out)
	store := getenv("SCIMKIT_STORE")
	if store == "" {
		store = "scimkit.db"
	}
	def := getenv("SCIMKIT_TOKENS")
	if def == "" {
		def = defaultTokenFile(store)
	}
	tenant := getenv("SCIMKIT_TENANT")
	if tenant == "" {
		tenant = "default"
	}
	fs.StringVar(&c.tokens, "tokens", def, "token file ($SCIMKIT_TOKENS)")
	fs.StringVar(&c.tenant, "tenant", tenant, "tenant of the new token ($SCIMKIT_TENANT)")
	fs.StringVar(&c.name, "name", "", "a label for the token, e.g. okta or entra")
	fs.DurationVar(&c.ttl, "ttl", 0, "expire the token after this long (0: never)")
	err := fs.Parse(args)
	return c, fs.Args(), err
}

// fileAuthenticator accepts the active tokens of a token file, re-read at
// most once a second (so created, revoked and expired tokens take effect
// within a second without a restart), plus optional extra tokens
// (SCIMKIT_TOKEN). It is safe for concurrent use.
type fileAuthenticator struct {
	path  string
	extra scim.StaticTokens

	mu      sync.Mutex
	checked time.Time
	tokens  scim.StaticTokens
}

func (a *fileAuthenticator) Authenticate(r *http.Request) (scim.Principal, error) {
	return a.current().Authenticate(r)
}

func (a *fileAuthenticator) current() scim.StaticTokens {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if a.tokens != nil && now.Sub(a.checked) < time.Second {
		return a.tokens
	}
	a.checked = now
	tf, err := loadTokens(a.path)
	if err != nil && a.tokens != nil {
		// Keep the last good set: a half-written file must not lock
		// everyone out, and can never let anyone in.
		return a.tokens
	}
	tokens := append(scim.StaticTokens{}, a.extra...)
	for _, rec := range tf.Tokens {
		if rec.active(now) {
			tokens = append(tokens, scim.StaticToken{Tenant: rec.Tenant, ID: rec.ID, SHA256: rec.SHA256})
		}
	}
	a.tokens = tokens
	return tokens
}
