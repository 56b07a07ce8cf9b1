package recordcmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/scimkit/scimkit/conformance"
	"github.com/scimkit/scimkit/store"
)

// Flags are the command's flags besides those naming the store.
type Flags struct {
	// Query selects the entries to record: Register fills Tenant and IdP, Resolve fills Since and Until.
	Query        conformance.RecordQuery
	since, until string
	// Out is the output file, "-" for stdout.
	Out string
}

// Register defines -tenant (default tenant), -since, -until, -idp and -o
// on fs.
func (f *Flags) Register(fs *flag.FlagSet, tenant string) {
	fs.StringVar(&f.Query.Tenant, "tenant", tenant, "tenant whose traffic is recorded")
	fs.StringVar(&f.since, "since", "1h", "start: a duration before now (1h) or an RFC 3339 time; empty for the whole log")
	fs.StringVar(&f.until, "until", "", "end (exclusive): a duration before now or an RFC 3339 time; empty for now")
	fs.StringVar(&f.Query.IdP, "idp", "", "keep only the requests of this client: okta, entra or unknown")
	fs.StringVar(&f.Out, "o", "-", "output file (- for stdout)")
}

// Resolve turns -since and -until into Query's times, relative to now.
func (f *Flags) Resolve(now time.Time) error {
	var err error
	if f.Query.Since, err = ParseWhen(f.since, now); err != nil {
		return fmt.Errorf("-since: %w", err)
	}
	if f.Query.Until, err = ParseWhen(f.until, now); err != nil {
		return fmt.Errorf("-until: %w", err)
	}
	return nil
}

// ParseWhen reads a duration before now or an RFC 3339 time ("" is zero).
func ParseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d.Abs()), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (1h) nor an RFC 3339 time", s)
	}
	return t, nil
}

// Run records q from st's provisioning log (with the tenant's dialect when
// st keeps tenant records) and writes the replay file to out ("-" is
// stdout), then a one-line summary to stderr prefixed by prog.
func Run(ctx context.Context, st store.Store, q conformance.RecordQuery, out string, stdout, stderr io.Writer, prog string) error {
	log, ok := st.(store.ProvisioningLog)
	if !ok {
		return fmt.Errorf("store %T has no provisioning log", st)
	}
	if ts, ok := st.(store.Tenants); ok && q.Dialect == "" {
		if rec, err := ts.GetTenant(ctx, q.Tenant); err == nil {
			q.Dialect = rec.Dialect
		}
	}
	f, err := conformance.Record(ctx, log, q)
	if err != nil {
		return err
	}
	if err := write(out, stdout, f); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d steps from tenant %q (%s)\n", prog, len(f.Steps), q.Tenant, f.Source)
	return nil
}

// CheckStore refuses what cannot hold a recording: the memory store
// (it lives in the server's process) and a SQLite file that does not
// exist (opening it would create an empty database).
func CheckStore(s string) error {
	switch {
	case s == "memory":
		return errors.New("-store memory: the memory store lives in the server's process; record from its SQLite file or PostgreSQL database")
	case isPostgres(s):
		return nil
	}
	if _, err := os.Stat(s); err != nil {
		return fmt.Errorf("-store %s: %w", s, err)
	}
	return nil
}

func isPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func write(path string, stdout io.Writer, f *conformance.ReplayFile) error {
	w, file := stdout, (*os.File)(nil)
	if path != "-" {
		var err error
		if file, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		w = file
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(f)
	if file != nil {
		err = errors.Join(err, file.Close())
	}
	return err
}
