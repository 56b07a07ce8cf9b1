package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scimkit/scimkit/conformance"
)

// grade runs "scimconform grade [-json] [-junit FILE] FILE...": it grades
// the requests of each replay file (a shipped replay, or a tenant's
// provisioning log exported by "examples/server record" or scimrecord)
// with conformance.GradeReplay and prints a table, or -json to stdout,
// and -junit to a file. It reads no server. It exits 0 when every file
// was graded (deviations and quirks are findings, not failures; read them
// from the report or the JUnit failures), 2 on usage or read errors.
func grade(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scimconform grade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: scimconform grade [-json] [-junit out.xml] FILE...")
		fmt.Fprintln(fs.Output(), "  FILE is a replay file: a shipped replay or a provisioning log export (examples/server record -o FILE)")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "write the grades as JSON to stdout (an array, one per file)")
	junit := fs.String("junit", "", "write a JUnit XML report to this file (one per input: out.xml becomes out-1.xml, out-2.xml... when several are graded)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "scimconform grade: name at least one replay file")
		fs.Usage()
		return 2
	}
	var grades []*conformance.Grade
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(stderr, "scimconform grade:", err)
			return 2
		}
		f, err := conformance.ParseReplayFile(data)
		if err != nil {
			fmt.Fprintf(stderr, "scimconform grade: %s: %v\n", name, err)
			return 2
		}
		grades = append(grades, conformance.GradeReplay(f))
	}
	if err := writeGrades(grades, *asJSON, *junit, stdout); err != nil {
		fmt.Fprintln(stderr, "scimconform grade:", err)
		return 2
	}
	return 0
}

func writeGrades(grades []*conformance.Grade, asJSON bool, junit string, stdout io.Writer) error {
	for i, g := range grades {
		if junit == "" {
			break
		}
		name := junit
		if len(grades) > 1 {
			name = numbered(junit, i+1)
		}
		if err := writeFile(name, func(w io.Writer) error { return conformance.WriteGradeJUnit(w, g) }); err != nil {
			return err
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(grades)
	}
	for i, g := range grades {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := conformance.WriteGradeTable(stdout, g); err != nil {
			return err
		}
	}
	return nil
}

// numbered inserts -n before name's extension (out.xml → out-2.xml), so
// that a CI step collecting *.xml finds every report.
func numbered(name string, n int) string {
	ext := filepath.Ext(name)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n, ext)
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
