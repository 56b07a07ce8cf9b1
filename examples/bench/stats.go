package main

import (
	"slices"
	"time"
)

// Result is the measurement of one workload at one size, as printed in the
// table and the -json output.
type Result struct {
	// Workload is the workload's name (create, lookup, page, …).
	Workload string `json:"workload"`
	// Users and Members are the sizes the workload ran at: users stored
	// on the server, and members of the group it targets (0 when none).
	Users   int `json:"users"`
	Members int `json:"members,omitempty"`
	// Clients is the concurrency C.
	Clients int `json:"clients"`

	// Requests is the number of successful requests measured; Errors the
	// failed ones (transport errors, unexpected statuses); CheckFailures
	// the successful ones whose answer was wrong.
	Requests      int `json:"requests"`
	Errors        int `json:"errors"`
	CheckFailures int `json:"check_failures"`
	// Seconds is the time the server rounds took together.
	Seconds float64 `json:"seconds"`
	// ReqPerSec is Requests over the mean time a client was busy (its
	// first request to its last answer): over a long round, Requests /
	// Seconds; over a short one, clients idle at its start or end are not
	// counted as time.
	ReqPerSec float64 `json:"req_per_s"`
	// P50Ms and P99Ms are latency percentiles in milliseconds.
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	// RespBytes is the mean response body size.
	RespBytes float64 `json:"resp_bytes"`

	// Ceiling is the same requests, same client and concurrency, against
	// a trivial in-process handler that returns a fixed user (for page: a
	// fixed ListResponse of 100 users); Ratio is ReqPerSec /
	// Ceiling.ReqPerSec.
	Ceiling *Ceiling `json:"ceiling,omitempty"`
	Ratio   float64  `json:"ratio_to_ceiling,omitempty"`

	// Exhausted says a timed workload ran out of distinct requests (e.g.
	// member-remove removed every member) before its -duration: its
	// numbers come from fewer requests and are less reliable.
	Exhausted bool `json:"exhausted,omitempty"`

	// FirstErrors holds up to a few distinct error messages, to act on.
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Ceiling is the throughput of the trivial handler for one workload's
// requests, measured just before the workload.
type Ceiling struct {
	// Requests, ReqPerSec, P50Ms and P99Ms are as in Result.
	Requests  int     `json:"requests"`
	ReqPerSec float64 `json:"req_per_s"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// PayloadBytes is the size of the ceiling's fixed answer: one user,
	// or for page a ListResponse of 100 users.
	PayloadBytes int `json:"payload_bytes"`
}

// summarize fills the latency and throughput fields from per-worker
// samples: the rate is the requests over the mean time a worker was busy
// (busy[k]: from its first request to its last answer, summed over rounds),
// so that workers idle at the start or end of a short round (a few hundred
// requests, as when a workload runs out of distinct requests) do not count
// as time; over a long round it is the requests over the elapsed time.
func summarize(lat [][]time.Duration, busy []time.Duration) (n int, rps, p50, p99 float64) {
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	n = len(all)
	var total time.Duration
	workers := 0
	for _, b := range busy {
		if b > 0 {
			total += b
			workers++
		}
	}
	if n == 0 || workers == 0 {
		return n, 0, 0, 0
	}
	slices.Sort(all)
	mean := total / time.Duration(workers)
	return n, float64(n) / mean.Seconds(), ms(percentile(all, 0.50)), ms(percentile(all, 0.99))
}

// percentile returns the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
