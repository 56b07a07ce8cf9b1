package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// allWorkloads are the workloads in the order they run. create always runs:
// every other workload needs its users.
var allWorkloads = []string{"create", "lookup", "page", "group-fill", "member-remove", "member-add", "group-get", "member-mix", "concurrent-add", "create-clients"}

// config is the command line.
type config struct {
	url, token     string
	self, pgSchema string
	users, members []int // sizes, ascending: each is a stage of the run
	clients        int
	scaleClients   int
	duration       time.Duration
	requests       int
	rounds         int
	timeout        time.Duration
	workloads      map[string]bool
	json           bool
	pid            int
	ceiling        bool
	ceilingProcess bool
	cpuprofile     string
	memprofile     string
}

func parseFlags(args []string, out io.Writer, getenv func(string) string) (config, error) {
	var c config
	var users, members, workloads string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { usage(fs, out) }
	fs.StringVar(&c.url, "url", "", "SCIM base URL of the server under test, e.g. http://127.0.0.1:8080/scim/v2")
	fs.StringVar(&c.token, "token", getenv("SCIMKIT_TOKEN"), "bearer token ($SCIMKIT_TOKEN)")
	fs.StringVar(&c.self, "self", "", `serve the reference handler in this process on a loopback port, on this store: "memory", a SQLite path or a postgres:// DSN (instead of -url)`)
	fs.StringVar(&c.pgSchema, "pg-schema", "scimkit_bench", "PostgreSQL schema for -self postgres://…")
	fs.StringVar(&users, "users", "1000", "users N to create; a list (1k,100k) runs the user workloads at each size, for flatness")
	fs.StringVar(&members, "members", "1000", "members M of the big group; a list (1k,100k) runs the member workloads at each size")
	fs.IntVar(&c.clients, "clients", 8, "concurrent clients C")
	fs.IntVar(&c.scaleClients, "scale-clients", 32, "clients of create-clients' many-client run, whose req/s is divided by that of one client")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each timed workload (and its ceiling) runs")
	fs.IntVar(&c.requests, "requests", 0, "requests per timed workload instead of -duration")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds each workload and its ceiling alternate in, so drifting machine load hits both alike")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "timeout of one request")
	fs.StringVar(&workloads, "workloads", "all", "comma-separated workloads: "+strings.Join(allWorkloads, ","))
	fs.BoolVar(&c.json, "json", false, "print the report as JSON instead of a table")
	fs.IntVar(&c.pid, "pid", 0, "server process id, for peak RSS (VmHWM) and bytes per user (VmRSS); default with -self: this process")
	fs.BoolVar(&c.ceiling, "ceiling", true, "measure each workload against a trivial in-process handler too and report the ratio")
	fs.BoolVar(&c.ceilingProcess, "ceiling-process", false, "serve the ceilings from a child process of their own rather than this one, so that a -url server and the ceiling each have a process (fairer when the machine is loaded)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this file (with -self, samples carry labels role, workload and at=role/workload, e.g. at=server/page)")
	fs.StringVar(&c.memprofile, "memprofile", "", "with -self, write a heap profile to this file after the creates (what each stored user costs)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.users, err = parseSizes("-users", users); err != nil {
		return c, err
	}
	if c.members, err = parseSizes("-members", members); err != nil {
		return c, err
	}
	if c.workloads, err = parseWorkloads(workloads); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *config) validate() error {
	switch {
	case (c.url == "") == (c.self == ""):
		return errors.New("give exactly one of -url (a running server) and -self (serve the reference handler here)")
	case c.clients < 1:
		return errors.New("-clients must be at least 1")
	case c.scaleClients < 1:
		return errors.New("-scale-clients must be at least 1")
	case c.requests < 0 || (c.requests == 0 && c.duration <= 0):
		return errors.New("give a positive -duration or -requests")
	case c.url != "" && c.token == "":
		return errors.New("-url needs -token (or $SCIMKIT_TOKEN)")
	}
	c.url = strings.TrimSuffix(c.url, "/")
	return nil
}

// wants reports whether workload w was selected.
func (c *config) wants(w string) bool { return c.workloads[w] }

// parseSizes parses "1000", "1k,100k" or "2m" into ascending sizes.
func parseSizes(flagName, s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "m"):
			mult, f = 1000000, strings.TrimSuffix(f, "m")
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive size (like 1000, 1k or 100k)", flagName, f)
		}
		out = append(out, n*mult)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseWorkloads(s string) (map[string]bool, error) {
	m := map[string]bool{"create": true}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "all":
			for _, w := range allWorkloads {
				m[w] = true
			}
		case slices.Contains(allWorkloads, f):
			m[f] = true
		default:
			return nil, fmt.Errorf("-workloads: unknown workload %q (%s)", f, strings.Join(allWorkloads, ", "))
		}
	}
	if m["member-remove"] || m["member-add"] || m["group-get"] || m["member-mix"] {
		m["group-fill"] = true // they run on the filled group
	}
	return m, nil
}

func usage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprint(out, `bench: a load test for any SCIM 2.0 server, with a same-run ceiling.

  go run ./examples/bench -self memory -users 1k,100k -members 1k,100k
  go run ./examples/bench -url http://127.0.0.1:8080/scim/v2 -token T -pid 1234

Flags:
`)
	fs.PrintDefaults()
}
