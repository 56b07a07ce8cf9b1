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
	if path := os.Getenv(ceilingEnv); path != "" {
		if err := serveCeilingChild(path, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench: ceiling process:", err)
			os.Exit(2)
		}
		return
	}
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
		c, err := startCeilings(ctx, payload, b.cfg.ceilingProcess)
		if err != nil {
			return err
		}
		defer c.close()
		b.ceil, b.rep.CeilingBytes = c.user, len(payload)
		b.ceilPage, b.rep.PageCeilingBytes = c.page, len(pagePayload(payload, pageSize))
		b.rep.CeilingProcess = b.cfg.ceilingProcess
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
	if b.cfg.wants("create-clients") && ctx.Err() == nil {
		b.createClients(ctx)
	}
	b.memPeak()
	b.rep.finish()
	return nil
}
