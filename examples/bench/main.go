// Command bench is a load test for any SCIM 2.0 server, to size a
// deployment. It creates N users, looks them up by userName, reads random
// pages of 100, fills a group to M members in batches of 100, adds and
// removes single members and reads the group without its members, and has
// C clients add distinct members to one group at once, then checks that
// none was lost:
//
//	go run ./examples/bench -url http://127.0.0.1:8080/scim/v2 -token T -pid 1234
//
// or, serving scimkit's reference handler in the same process on a
// loopback port, on the memory store, a SQLite file or PostgreSQL:
//
//	go run ./examples/bench -self memory -users 1k,100k -members 1k,100k
//	go run ./examples/bench -self /tmp/bench.db -users 10k
//	go run ./examples/bench -self 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// Absolute numbers drift on shared machines, so every workload is also run,
// just before, against a ceiling: a trivial handler in this process that
// returns a fixed user as big as the server's, with the same client and
// concurrency. The report gives each workload's req/s, p50, p99, errors,
// check failures and response size, its ratio to the ceiling, and, when
// -users or -members list several sizes, how much slower the largest size
// is (flatness); with -pid (implied by -self) it adds the server's peak RSS
// (VmHWM) and resident bytes per user (VmRSS before and after the creates).
// A table goes to stdout (-json for machines) and a progress line to
// stderr. The exit status is 1 when a request failed (transport error or
// unexpected status), a response failed a check or a group lost a member.
//
// Users and groups are named bench-<run id>-…, so runs against one server
// do not collide; the tool does not delete them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.Is(err, errChecks):
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
}

// errChecks is returned after the report when a request failed, a
// response failed a check or a group lost a member.
var errChecks = errors.New("the server failed")

// run is main without process globals, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	base, inProc := cfg.url, false
	if cfg.self != "" {
		s, err := startSelf(ctx, cfg.self, cfg.pgSchema)
		if err != nil {
			return err
		}
		defer s.close()
		base, cfg.token, inProc = s.base, s.token, true
	}
	prog := newProgress(stderr)
	defer prog.close()
	b := newBench(cfg, newClient(cfg.clients, cfg.timeout, cfg.token), prog, base, inProc)
	if err := b.all(ctx); err != nil {
		return err
	}
	if cfg.json {
		if err := b.rep.writeJSON(stdout); err != nil {
			return err
		}
	} else {
		b.rep.writeTable(stdout)
	}
	if b.rep.Errors > 0 || b.rep.CheckFailures > 0 || b.rep.LostMembers > 0 {
		return fmt.Errorf("%w: errors %d, check failures %d, lost members %d", errChecks, b.rep.Errors, b.rep.CheckFailures, b.rep.LostMembers)
	}
	return ctx.Err()
}

// all runs the selected workloads in order.
func (b *bench) all(ctx context.Context) error {
	payload, err := b.sample(ctx)
	if err != nil {
		return err
	}
	if b.cfg.ceiling {
		c := startCeiling(payload)
		defer c.Close()
		b.ceil, b.rep.CeilingBytes = c.URL, len(payload)
	}
	b.users(ctx)
	if b.cfg.wants("group-fill") && ctx.Err() == nil {
		if err := b.groups(ctx); err != nil {
			return err
		}
	}
	if b.cfg.wants("concurrent-add") && ctx.Err() == nil {
		if err := b.concurrent(ctx); err != nil {
			return err
		}
	}
	b.memPeak()
	b.rep.finish()
	return nil
}
