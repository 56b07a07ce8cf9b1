package conformance

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes a table of the results for people: one line per
// case that did not pass (or every case when all), the counts, and with
// verbose the failing requests and responses.
func WriteSummary(w io.Writer, r *Report, all, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCASE\tLEVEL\tREQUIREMENT\tTIME")
	for _, x := range r.Results {
		if !all && x.Status == StatusPass {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(string(x.Status)), x.ID, x.Requirement.Level, x.Requirement.Source, x.Elapsed.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, x := range r.Results {
		if x.Status != StatusFail && x.Status != StatusWarn {
			continue
		}
		fmt.Fprintf(w, "\n%s %s (%s): %s\n%s\n", strings.ToUpper(string(x.Status)), x.ID, x.Requirement, x.Title, indent(x.Detail))
		if verbose {
			fmt.Fprintln(w, indent(formatTranscript(x.Transcript, 4)))
		}
	}
	_, err := fmt.Fprintf(w, "\n%d cases: %d passed, %d failed, %d warnings, %d skipped in %s (data prefix %s)\n",
		len(r.Results), r.Count(StatusPass), r.Count(StatusFail), r.Count(StatusWarn), r.Count(StatusSkip), r.Elapsed.Round(time.Millisecond), r.Prefix)
	return err
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// WriteJSON writes the report as one JSON document: features, results
// (with transcripts of failures) and counts.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Prefix   string         `json:"prefix"`
		Features []Feature      `json:"features"`
		Error    string         `json:"discoveryError,omitempty"`
		Results  []Result       `json:"results"`
		Counts   map[Status]int `json:"counts"`
		Failed   bool           `json:"failed"`
		Elapsed  float64        `json:"elapsed"`
	}{r.Prefix, r.Features.List(), r.Features.Error, r.Results, map[Status]int{
		StatusPass: r.Count(StatusPass), StatusFail: r.Count(StatusFail), StatusWarn: r.Count(StatusWarn), StatusSkip: r.Count(StatusSkip),
	}, r.Failed(), r.Elapsed.Seconds()})
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML for CI systems: failures are
// <failure>, skips and warnings <skipped> and system-out respectively.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{Name: "scimconform", Tests: len(r.Results), Failures: r.Count(StatusFail), Skipped: r.Count(StatusSkip), Time: r.Elapsed.Seconds()}
	for _, x := range r.Results {
		c := junitCase{Name: x.ID, ClassName: "scimconform." + strings.SplitN(x.ID, ".", 2)[0], Time: x.Elapsed.Seconds()}
		msg := x.Requirement.String() + ": " + x.Title
		switch x.Status {
		case StatusFail:
			c.Failure = &junitMessage{Message: msg, Body: x.Detail + "\n" + formatTranscript(x.Transcript, 4)}
		case StatusSkip:
			c.Skipped = &junitMessage{Message: x.Detail}
		case StatusWarn:
			c.SystemOut = "WARNING (" + msg + ")\n" + x.Detail
		}
		c.SystemOut = strings.TrimSpace(c.SystemOut + "\n" + strings.Join(x.Notes, "\n"))
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
