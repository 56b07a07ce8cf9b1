package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the whole run, as printed by -json.
type Report struct {
	// Target is the -url of the server under test ("" with -self).
	Target string `json:"target"`
	// Self is the -self store (a PostgreSQL DSN with its password removed).
	Self string `json:"self,omitempty"`
	// Started is when the run began, in UTC.
	Started time.Time `json:"started"`
	// GoVersion and CPUs describe the machine that ran the load.
	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`
	// Clients is the concurrency C.
	Clients int `json:"clients"`
	// Users and Members are the sizes N and M the run covered.
	Users   []int `json:"users"`
	Members []int `json:"members"`
	// Duration or Requests is the bound of each timed workload.
	Duration string `json:"duration,omitempty"`
	Requests int    `json:"requests,omitempty"`
	// RequestBytes is the size of a created user's JSON; CeilingBytes the
	// size of the user the server returns, which the ceiling answers.
	RequestBytes int `json:"user_request_bytes"`
	CeilingBytes int `json:"ceiling_payload_bytes,omitempty"`
	// PageCeilingBytes is the size of the page ceiling's answer, a
	// ListResponse of 100 copies of that user, which page is compared with.
	PageCeilingBytes int `json:"page_ceiling_payload_bytes,omitempty"`
	// CeilingProcess says the ceilings ran in a child process
	// (-ceiling-process), not in the load generator's.
	CeilingProcess bool `json:"ceiling_process,omitempty"`

	// Results has one row per workload and size, in the order they ran.
	Results []Result `json:"results"`
	// Flatness compares each workload at its smallest and largest size.
	Flatness []Flatness `json:"flatness,omitempty"`
	// CreateScaling is create's req/s with -scale-clients clients over its
	// req/s with one (the create-clients rows).
	CreateScaling *Scaling `json:"create_scaling,omitempty"`
	// Memory is the server's memory use, when its pid is known.
	Memory *Memory `json:"memory,omitempty"`

	// Errors, CheckFailures and LostMembers are the run's totals: failed
	// requests, wrong answers, and members added but missing afterwards.
	Errors        int `json:"errors"`
	CheckFailures int `json:"check_failures"`
	LostMembers   int `json:"lost_members"`
}

// Flatness compares one workload at the smallest and the largest size of a
// dimension (users or members). Slowdown is the small size's ratio to the
// ceiling over the large size's (req/s when there is no ceiling): 1 is
// perfectly flat, 2 means twice as slow at the large size.
type Flatness struct {
	// Workload is the workload compared.
	Workload string `json:"workload"`
	// Dimension is "users" (N) or "members" (M).
	Dimension string `json:"dimension"`
	// Small and Large are the sizes compared.
	Small int `json:"small"`
	Large int `json:"large"`
	// Slowdown is as described on the type.
	Slowdown float64 `json:"slowdown"`
	// ReqPerSec is the throughput at Small and at Large.
	ReqPerSec [2]float64 `json:"req_per_s"`
}

func newReport(c config) Report {
	r := Report{Target: c.url, Self: redact(c.self), Started: time.Now().UTC(), GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), Clients: c.clients, Users: c.users, Members: c.members, Requests: c.requests}
	if c.requests == 0 {
		r.Duration = c.duration.String()
	}
	return r
}

// finish computes totals and flatness.
func (r *Report) finish() {
	r.Errors, r.CheckFailures = 0, 0
	for _, x := range r.Results {
		r.Errors += x.Errors
		r.CheckFailures += x.CheckFailures
	}
	r.Flatness = nil
	for _, w := range []string{"lookup", "page", "create"} {
		r.flat(w, "users", func(x Result) int { return x.Users })
	}
	for _, w := range []string{"member-add", "member-remove", "group-get", "member-mix", "group-fill"} {
		r.flat(w, "members", func(x Result) int { return x.Members })
	}
}

func (r *Report) flat(workload, dim string, size func(Result) int) {
	var small, large *Result
	for i := range r.Results {
		x := &r.Results[i]
		if x.Workload != workload || x.Requests == 0 {
			continue
		}
		if small == nil || size(*x) < size(*small) {
			small = x
		}
		if large == nil || size(*x) > size(*large) {
			large = x
		}
	}
	if small == nil || size(*small) == size(*large) {
		return
	}
	f := Flatness{Workload: workload, Dimension: dim, Small: size(*small), Large: size(*large),
		ReqPerSec: [2]float64{small.ReqPerSec, large.ReqPerSec}}
	switch {
	case small.Ratio > 0 && large.Ratio > 0:
		f.Slowdown = small.Ratio / large.Ratio
	case large.ReqPerSec > 0:
		f.Slowdown = small.ReqPerSec / large.ReqPerSec
	}
	r.Flatness = append(r.Flatness, f)
}

func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeTable prints the report for people.
func (r *Report) writeTable(w io.Writer) {
	target := r.Target
	if r.Self != "" {
		target = "-self " + r.Self
	}
	where := ""
	if r.CeilingProcess {
		where = ", ceilings in a child process"
	}
	fmt.Fprintf(w, "scimkit bench: %s, %d clients, %d CPUs, %s%s\n\n", target, r.Clients, r.CPUs, r.GoVersion, where)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tN\tM\treq/s\tp50 ms\tp99 ms\terrors\tcheck fail\tresp B\tceiling req/s\t× ceiling\t")
	for _, x := range r.Results {
		m, ceil, ratio := "-", "-", "-"
		if x.Members > 0 {
			m = fmt.Sprint(x.Members)
		}
		name := x.Workload
		if x.Clients != r.Clients {
			name += fmt.Sprintf(" C=%d", x.Clients)
		}
		if x.Exhausted {
			name += "*"
		}
		if x.Ceiling != nil {
			ceil, ratio = fmt.Sprintf("%.0f", x.Ceiling.ReqPerSec), fmt.Sprintf("%.3f", x.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%.2f\t%.2f\t%d\t%d\t%.0f\t%s\t%s\t\n", name, x.Users, m,
			x.ReqPerSec, x.P50Ms, x.P99Ms, x.Errors, x.CheckFailures, x.RespBytes, ceil, ratio)
	}
	tw.Flush()
	for _, x := range r.Results {
		if x.Exhausted {
			fmt.Fprintln(w, "* ran out of distinct requests before -duration (fewer samples)")
			break
		}
	}
	if r.PageCeilingBytes > 0 {
		fmt.Fprintf(w, "page is compared with a ceiling answering a fixed page of 100 users (%d B), the others with one user (%d B)\n", r.PageCeilingBytes, r.CeilingBytes)
	}
	if s := r.CreateScaling; s != nil {
		fmt.Fprintf(w, "\n%s: req/s with %d clients ÷ %d client: %.2f (%.0f → %.0f req/s)\n", s.Workload, s.Clients[1], s.Clients[0], s.Ratio, s.ReqPerSec[0], s.ReqPerSec[1])
	}
	if len(r.Flatness) > 0 {
		fmt.Fprintln(w, "\nflatness (slowdown of the ratio to ceiling from the small to the large size; 1.00 is flat):")
		for _, f := range r.Flatness {
			fmt.Fprintf(w, "  %-14s %s %d → %d: %.2f×\n", f.Workload, f.Dimension, f.Small, f.Large, f.Slowdown)
		}
	}
	r.writeMemory(w)
	fmt.Fprintf(w, "\nerrors %d, check failures %d, lost members %d\n", r.Errors, r.CheckFailures, r.LostMembers)
	for _, x := range r.Results {
		if len(x.FirstErrors) > 0 {
			fmt.Fprintf(w, "  %s N=%d M=%d:\n    %s\n", x.Workload, x.Users, x.Members, strings.Join(x.FirstErrors, "\n    "))
		}
	}
}

func (r *Report) writeMemory(w io.Writer) {
	m := r.Memory
	if m == nil {
		return
	}
	fmt.Fprintf(w, "\nserver memory (pid %d): peak RSS %.1f MiB; RSS %.1f → %.1f MiB over %d users: %.0f B/user",
		m.PID, mib(m.PeakRSS), mib(m.RSSBefore), mib(m.RSSAfter), m.UsersCreated, m.BytesPerUser)
	if m.InProcess {
		fmt.Fprintf(w, " (in-process, after GC; live heap %.0f B/user)", m.HeapBytesPerUser)
	}
	fmt.Fprintln(w)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
