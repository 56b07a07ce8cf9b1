package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteGradeTable writes g for people: one row per request (step, method,
// path, deviations, quirks), then the quirks matched, the deviations
// counted, the documented quirks no request can show, the settings
// scimkit needs, the IdP's own settings and the
// server features relied on.
func WriteGradeTable(w io.Writer, g *Grade) error {
	ew := &errWriter{w: w}
	ew.printf("IdP %s", orDash(g.IdP))
	if g.Source != "" {
		ew.printf(" (%s)", g.Source)
	}
	ew.printf("\n\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tREQUEST\tDEVIATIONS\tQUIRKS")
	for _, s := range g.Steps {
		var devs []string
		for _, d := range s.Deviations {
			devs = append(devs, d.ID)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", s.Name, s.Method, shorten(s.Path, 60), orDash(strings.Join(uniq(devs), ",")), orDash(strings.Join(s.Quirks, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("\nQuirks matched (internal/idptest/testdata/QUIRKS.md):\n")
	for _, q := range g.Quirks {
		ew.printf("  %-30s %s (%s)\n", q.ID, q.Title, requests(len(q.Steps)))
	}
	if len(g.Quirks) == 0 {
		ew.printf("  none\n")
	}
	if len(g.Unseen) > 0 {
		ew.printf("\nDocumented for %s, not visible in single requests:\n", g.IdP)
		for _, id := range g.Unseen {
			ew.printf("  %-30s %s\n", id, quirkTitle(id))
		}
	}
	ew.printf("\nDeviations from RFC 7643/7644 client requirements:\n")
	for _, r := range deviationRules {
		if n := g.Deviations[r.ID]; n > 0 {
			ew.printf("  %-26s %-26s %s (%s)\n", r.ID, r.Requirement, r.Title, requests(n))
		}
	}
	if len(g.Deviations) == 0 {
		ew.printf("  none\n")
	}
	ew.printf("\nscimkit settings needed:\n")
	for _, s := range g.Settings {
		ew.printf("  %s\n", s)
	}
	if len(g.IdPSettings) > 0 {
		ew.printf("\nIdP settings to change:\n")
		for _, s := range g.IdPSettings {
			ew.printf("  %s\n", s)
		}
	}
	ew.printf("\nServer features relied on: %s\n", strings.Join(g.Features, ", "))
	return ew.err
}

func quirkTitle(id string) string {
	for _, q := range quirkCatalog {
		if q.ID == id {
			return q.Title
		}
	}
	return ""
}

// WriteGradeJSON writes g as indented JSON.
func WriteGradeJSON(w io.Writer, g *Grade) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(g)
}

// WriteGradeJUnit writes g as JUnit XML: one test case per request, which
// fails when the request departs from a MUST of RFC 7643/7644; the quirks
// it matched are its system-out.
func WriteGradeJUnit(w io.Writer, g *Grade) error {
	s := junitSuite{Name: "scimconform grade " + orDash(g.IdP), Tests: len(g.Steps)}
	for i, st := range g.Steps {
		c := junitCase{Name: fmt.Sprintf("%03d %s", i+1, st.Name), ClassName: "scimconform.grade." + orDash(g.IdP)}
		var lines []string
		for _, d := range st.Deviations {
			lines = append(lines, fmt.Sprintf("%s (%s): %s", d.ID, d.Requirement, d.Detail))
		}
		if len(lines) > 0 {
			s.Failures++
			c.Failure = &junitMessage{Message: st.Method + " " + st.Path, Body: strings.Join(lines, "\n")}
		}
		if len(st.Quirks) > 0 {
			c.SystemOut = "quirks: " + strings.Join(st.Quirks, ", ")
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// errWriter keeps the first write error, so a writer can print freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }

func requests(n int) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func uniq(in []string) []string {
	var out []string
	for _, s := range in {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}
