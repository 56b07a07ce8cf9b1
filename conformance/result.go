package conformance

import (
	"encoding/json"
	"time"
)

// Status is the outcome of a case.
type Status string

// Outcomes. StatusWarn is a failed SHOULD or MAY case.
const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusWarn Status = "warn"
	StatusSkip Status = "skip"
)

// Result is the outcome of one case.
type Result struct {
	// ID identifies the case, as Case.ID.
	ID string `json:"id"`
	// Title is the case's one-line description.
	Title string `json:"title"`
	// Requirement is what the case checks and where that comes from.
	Requirement Requirement `json:"requirement"`
	// Profiles are the profiles the case belongs to.
	Profiles []Profile `json:"profiles"`
	// Status is the outcome: pass, fail, warn or skip.
	Status Status `json:"status"`
	// Detail says what went wrong, or why the case was skipped.
	Detail string `json:"detail,omitempty"`
	// Notes are remarks that do not change the outcome (e.g. cleanup
	// problems, tolerated deviations).
	Notes []string `json:"notes,omitempty"`
	// Elapsed is how long the case took; JSON gives it in seconds.
	Elapsed time.Duration `json:"elapsed"`
	// Transcript holds the last requests of the case, the failing one
	// last when the case failed.
	Transcript []Exchange `json:"transcript,omitempty"`
}

// MarshalJSON writes Requirement as {source, level} and Elapsed in seconds.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		Requirement struct {
			Source string `json:"source"`
			Level  Level  `json:"level"`
		} `json:"requirement"`
		Elapsed float64 `json:"elapsed"`
	}{plain: plain(r), Requirement: struct {
		Source string `json:"source"`
		Level  Level  `json:"level"`
	}{r.Requirement.Source, r.Requirement.Level}, Elapsed: r.Elapsed.Seconds()})
}

// Report is the outcome of a run.
type Report struct {
	// Prefix is the unique prefix of the data the run created.
	Prefix string
	// Features is what the server advertised.
	Features Features
	// Results are the outcomes of the cases run.
	Results []Result
	// Elapsed is how long the run took.
	Elapsed time.Duration
}

// Failed reports whether a MUST or IDP case failed.
func (r *Report) Failed() bool {
	for _, x := range r.Results {
		if x.Status == StatusFail {
			return true
		}
	}
	return false
}

// Count returns how many results have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, x := range r.Results {
		if x.Status == s {
			n++
		}
	}
	return n
}
