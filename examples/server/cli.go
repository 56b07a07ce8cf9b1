package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit codes: 0 when the command did what it was asked (and for -h and
// help), 2 for a command-line mistake (usageError), 1 for any other
// failure.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError is a mistake on the command line: main prints it with a hint
// to -h and exits with exitUsage.
type usageError struct {
	msg  string
	help string // the command whose -h helps, e.g. "server token create"
}

func (e *usageError) Error() string {
	if e.help == "" {
		return e.msg
	}
	return e.msg + " (see: " + e.help + " -h)"
}

// usagef returns a *usageError for the command cmd ("" for the server).
func usagef(cmd, format string, args ...any) error {
	help := "server"
	if cmd != "" {
		help += " " + cmd
	}
	return &usageError{msg: fmt.Sprintf(format, args...), help: help}
}

// exitCode maps run's error to the process's exit code.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	}
	return exitFailure
}

// command describes a subcommand for help and -h.
type command struct {
	name     string // "token create"
	synopsis string // the arguments after the name
	summary  string // what it does, one or more lines
}

// commands are the subcommands, in the order help lists them.
var commands = []command{
	{"", "[flags]", "Run the SCIM server (the default command)."},
	{"token create", "[-tenant T] [-name N] [-ttl D] [-store S]", "Create a bearer token; its secret is printed once."},
	{"token list", "[-store S] [TENANT]", "List the tokens (all tenants, or TENANT's); never shows a secret."},
	{"token rotate", "[-revoke] [-ttl D] [-store S] ID", "Create a token like ID (tenant, name, lifetime) so the IdP can switch;\nthe old one keeps working unless -revoke."},
	{"token revoke", "[-store S] ID", "Revoke token ID at once."},
	{"tenant create", "[-name N] [-dialect D] [-delete-policy P] [-store S] ID", "Create a tenant with its protocol settings."},
	{"tenant list", "[-store S]", "List the tenants."},
	{"tenant delete", "[-store S] ID", "Delete a tenant and revoke its tokens (its resources are kept)."},
	{"record", "[-tenant T] [-since 1h] [-until D] [-idp okta] [-o file.json] [-store S]", "Write a replay file of a tenant's recent IdP traffic (for scimconform -replay)."},
	{"google sync", "-tenant T -credentials key.json -subject admin@example.com [flags]", "Synchronise users and groups from Google Workspace once."},
	{"help", "[COMMAND]", "Show the commands, or a command's flags."},
	{"version", "", "Print the version (also: -version)."},
}

func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// newFlagSet returns a flag set for command name whose -h prints the
// command's synopsis, summary and its own flags to out.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.TrimSpace("server "+name), flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		c, _ := findCommand(name)
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s %s\n\n%s\n", fs.Name(), c.synopsis, c.summary)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseArgs parses args into fs with flags anywhere: before, between or
// after the positional arguments, which it returns; "--" ends the flags.
// A boolean flag may be written -f, -f=true or, for compatibility, -f
// true. -h prints the command's help and returns flag.ErrHelp; any other
// parse error is a *usageError.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	args = joinBoolValues(fs, args)
	out := fs.Output()
	fs.SetOutput(io.Discard) // errors are returned, help printed below
	defer fs.SetOutput(out)
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.Usage()
			return nil, err
		}
		if err != nil {
			return nil, &usageError{msg: err.Error(), help: fs.Name()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// joinBoolValues rewrites "-f true" and "-f false" as "-f=true" and
// "-f=false" for boolean flags of fs, which the flag package would
// otherwise end at -f.
func joinBoolValues(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && !strings.Contains(name, "=") && i+1 < len(args) && isBoolFlag(fs, name) {
			switch v := strings.ToLower(args[i+1]); v {
			case "true", "false":
				out = append(out, a+"="+v)
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

func isBoolFlag(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// boolString is a string flag holding "true" or "false" (checked later by
// parseBool) that, like a bool flag, may be given without a value.
type boolString struct{ p *string }

func (b boolString) String() string {
	if b.p == nil {
		return ""
	}
	return *b.p
}
func (b boolString) Set(s string) error { *b.p = s; return nil }
func (b boolString) IsBoolFlag() bool   { return true }

// version returns the module version and VCS revision of the binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "scimkit server (unknown version)"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))] + dirty
	}
	return "scimkit server " + v + " (" + bi.GoVersion + ")"
}

// printHelp writes the list of commands, or one command's help.
func printHelp(ctx context.Context, out io.Writer, args []string, getenv func(string) string) error {
	if len(args) > 0 {
		name := strings.Join(args, " ")
		if _, ok := findCommand(name); !ok {
			return usagef("help", "unknown command %q", name)
		}
		if name == "help" || name == "version" {
			c, _ := findCommand(name)
			fmt.Fprintf(out, "usage: server %s %s\n\n%s\n", c.name, c.synopsis, c.summary)
			return nil
		}
		return run(ctx, append(args, "-h"), getenv, out, nil)
	}
	fmt.Fprintln(out, "usage: server [COMMAND] [flags] [arguments]\n\ncommands:")
	for _, c := range commands {
		name := c.name
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(out, "  %-14s %s\n", name, strings.SplitN(c.summary, "\n", 2)[0])
	}
	fmt.Fprintln(out, "\nFlags may come before or after arguments. \"server COMMAND -h\" shows a command's flags.\nExit status: 0 done, 1 failed, 2 command-line mistake.")
	return nil
}

// splitCommand finds the subcommand in args, wherever flags put it (e.g.
// "-store x.db token list"), and returns its words ("token", "list") and
// the other arguments. Flags before it must be server flags (for their
// values to be skipped).
func splitCommand(args []string, serverFlags *flag.FlagSet) (words, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && !isBoolFlag(serverFlags, name) && serverFlags.Lookup(name) != nil {
				i++ // its value
			}
			continue
		}
		switch a {
		case "token", "tenant", "google":
			words = []string{a}
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				words = append(words, args[i+1])
				return words, append(append([]string{}, args[:i]...), args[i+2:]...)
			}
			return words, append(append([]string{}, args[:i]...), args[i+1:]...)
		case "record", "help", "version":
			return []string{a}, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
		return nil, args // a positional argument that is no command
	}
	return nil, args
}
