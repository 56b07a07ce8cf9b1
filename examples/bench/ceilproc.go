package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// ceilingEnv, when set in the environment, makes the command serve the
// ceilings instead of running a benchmark (see startCeilingProcess): it
// names a file holding the one-user payload.
const ceilingEnv = "SCIMKIT_BENCH_CEILING_PAYLOAD"

// ceilings are the two ceiling servers: one user, and a page of pageSize.
type ceilings struct {
	user, page string // base URLs
	close      func() error
}

// startCeilings serves the ceilings in this process, or with
// -ceiling-process in a child process of their own. In this process the
// ceiling shares the load generator's CPU share while a -url server has a
// process of its own, which on a loaded machine favours the server; in a
// child, server and ceiling each have a process.
func startCeilings(ctx context.Context, payload []byte, child bool) (*ceilings, error) {
	if !child {
		u, p := startCeiling(payload), startCeiling(pagePayload(payload, pageSize))
		return &ceilings{user: u.URL, page: p.URL, close: func() error { u.Close(); p.Close(); return nil }}, nil
	}
	return startCeilingProcess(ctx, payload)
}

// startCeilingProcess re-executes this command with ceilingEnv set; the
// child prints its two URLs on a line and serves until its stdin closes.
func startCeilingProcess(ctx context.Context, payload []byte) (*ceilings, error) {
	f, err := os.CreateTemp("", "bench-ceiling-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(payload); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), ceilingEnv+"="+f.Name())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() error { stdin.Close(); return cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	urls := strings.Fields(line)
	if err != nil || len(urls) != 2 {
		stop()
		return nil, fmt.Errorf("-ceiling-process: the child said %q: %v", line, err)
	}
	return &ceilings{user: urls[0], page: urls[1], close: stop}, nil
}

// serveCeilingChild is the child's side of startCeilingProcess.
func serveCeilingChild(path string, stdin io.Reader, stdout io.Writer) error {
	payload, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(payload) == 0 {
		return errors.New("empty ceiling payload")
	}
	u, p := startCeiling(payload), startCeiling(pagePayload(payload, pageSize))
	defer u.Close()
	defer p.Close()
	fmt.Fprintln(stdout, u.URL, p.URL)
	io.Copy(io.Discard, stdin) // until the parent closes it or exits
	return nil
}
