package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/scimkit/scimkit/conformance"
)

func main() {
	ctx, stop := interruptible(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	target  conformance.Target
	asJSON  bool
	junit   string
	verbose bool
	list    bool
	replay  string
}

// parse reads the command line. A flag the flag package cannot parse is
// reported with the usage by the flag package itself; a value that is
// wrong (profile, -run, missing -url) is reported with the usage here.
func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("scimconform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: scimconform -url https://host/scim/v2 -token TOKEN [flags]")
		fs.PrintDefaults()
	}
	o := &options{}
	fs.StringVar(&o.target.BaseURL, "url", os.Getenv("SCIMCONFORM_URL"), "SCIM base URL, e.g. https://host/scim/v2 ($SCIMCONFORM_URL)")
	fs.StringVar(&o.target.Token, "token", os.Getenv("SCIMCONFORM_TOKEN"), "bearer token ($SCIMCONFORM_TOKEN)")
	fs.StringVar(&o.target.SecondToken, "token2", os.Getenv("SCIMCONFORM_TOKEN2"), "bearer token of a second tenant, for the isolation cases ($SCIMCONFORM_TOKEN2)")
	profile := fs.String("profile", "all", "cases to run: rfc, okta, entra or all")
	runRE := fs.String("run", "", "run only the cases whose id matches this regular expression")
	fs.IntVar(&o.target.Parallelism, "parallel", 4, "cases run at once")
	fs.IntVar(&o.target.LargeGroupSize, "large-group", 2000, "members of the large-group case")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of one request")
	fs.BoolVar(&o.asJSON, "json", false, "write the report as JSON to stdout")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to this file")
	fs.BoolVar(&o.verbose, "v", false, "show every case and the failing requests and responses")
	fs.BoolVar(&o.list, "list", false, "list the selected cases and exit")
	fs.StringVar(&o.replay, "replay", "", "replay this recorded IdP sequence (a replay file) instead of running the suite")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := o.finish(*profile, *runRE, *timeout); err != nil {
		fmt.Fprintln(stderr, "scimconform:", err)
		fs.Usage()
		return nil, errUsage
	}
	return o, nil
}

// errUsage is a usage error that has been reported already.
var errUsage = errors.New("usage error")

// finish checks the flag values that need more than parsing.
func (o *options) finish(profile, runRE string, timeout time.Duration) error {
	p, ok := conformance.ParseProfile(profile)
	if !ok {
		return fmt.Errorf("unknown -profile %q (rfc, okta, entra, all)", profile)
	}
	o.target.Profile = p
	if runRE != "" {
		re, err := regexp.Compile(runRE)
		if err != nil {
			return fmt.Errorf("-run: %v", err)
		}
		o.target.Run = re
	}
	o.target.Client = &http.Client{Timeout: timeout}
	if o.target.BaseURL == "" && !o.list {
		return errors.New("-url is required")
	}
	return nil
}

// run runs the command with args (without the program name) and returns
// its exit code: 0 when no MUST or IDP case failed (and for -list and
// -h), 1 when one did, a replay differed, or the target is not usable
// (preflight: unreachable, token refused, no ServiceProviderConfig; one
// line on stderr), 2 on usage errors, which are reported on stderr with
// the usage. Cancelling ctx stops the run as an
// interrupt does: running cases end and delete their data.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "grade" {
		return grade(args[1:], stdout, stderr)
	}
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // parse reported it with the usage
	}
	if o.list {
		for _, c := range conformance.Select(o.target) {
			fmt.Fprintf(stdout, "%-48s %-6s %s\n", c.ID, c.Requirement.Level, c.Requirement.Source)
		}
		return 0
	}
	// An interrupt during the check is not the target's fault: the run
	// then reports every case skipped.
	if err := preflight(ctx, o.target, o.target.Client); err != nil && ctx.Err() == nil {
		fmt.Fprintln(stderr, "scimconform:", err)
		return 1
	}
	if o.replay != "" {
		return replay(ctx, o, stdout, stderr)
	}
	r := &conformance.Runner{Target: o.target}
	if !o.asJSON {
		r.OnResult = newProgress(stderr, len(conformance.Select(o.target)), o.verbose).result
	}
	report := r.Run(ctx)
	if err := write(o, report, stdout); err != nil {
		fmt.Fprintln(stderr, "scimconform:", err)
		return 2
	}
	if report.Failed() {
		return 1
	}
	return 0
}

func write(o *options, report *conformance.Report, stdout io.Writer) error {
	if o.junit != "" {
		f, err := os.Create(o.junit)
		if err != nil {
			return err
		}
		if err := conformance.WriteJUnit(f, report); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if o.asJSON {
		return conformance.WriteJSON(stdout, report)
	}
	return conformance.WriteSummary(stdout, report, o.verbose, o.verbose)
}

func replay(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(o.replay)
	if err != nil {
		fmt.Fprintln(stderr, "scimconform:", err)
		return 2
	}
	f, err := conformance.ParseReplayFile(data)
	if err != nil {
		fmt.Fprintln(stderr, "scimconform:", err)
		return 2
	}
	rep := conformance.Replay(ctx, o.target, f)
	for i, s := range rep.Steps {
		status := "ok  "
		if len(s.Differences) > 0 {
			status = "DIFF"
		}
		fmt.Fprintf(stdout, "%s %-40s %s %s → %d\n", status, s.Name, s.Exchange.Method, s.Exchange.URL, s.Exchange.Status)
		for _, d := range s.Differences {
			fmt.Fprintf(stdout, "     %s\n", d)
		}
		if len(s.Differences) > 0 && i < len(f.Steps) && f.Steps[i].Note != "" {
			// e.g. a step the IdP sent concurrently with an earlier one (conformance.Record)
			fmt.Fprintf(stdout, "     note: %s\n", f.Steps[i].Note)
		}
		if o.verbose && len(s.Differences) > 0 {
			fmt.Fprintln(stdout, s.Exchange)
		}
	}
	if rep.Error != "" {
		fmt.Fprintln(stdout, "stopped:", rep.Error)
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// interruptible returns a context cancelled by the first SIGINT; a second
// one exits immediately.
func interruptible(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt)
	go func() {
		<-sig
		fmt.Fprintln(stderr, "\ninterrupted: deleting the data this run created (interrupt again to exit now)")
		cancel()
		<-sig
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(sig); cancel() }
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
