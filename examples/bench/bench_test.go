package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMain serves the ceilings when -ceiling-process re-executes the test
// binary, as main does for the command.
func TestMain(m *testing.M) {
	if path := os.Getenv(ceilingEnv); path != "" {
		if err := serveCeilingChild(path, os.Stdin, os.Stdout); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCeilingProcess: with -ceiling-process the ceilings answer from a
// child process and every row still has its ratio.
func TestCeilingProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"-self", "memory", "-users", "100", "-members", "100", "-workloads", "lookup,page", "-clients", "2", "-requests", "20", "-ceiling-process", "-json"}
	if err := run(t.Context(), args, &stdout, &stderr, func(string) string { return "" }); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, stdout.String())
	}
	if !rep.CeilingProcess || len(rep.Results) != 3 {
		t.Fatalf("ceiling process %v, %d results; want true and 3 (create, lookup, page)", rep.CeilingProcess, len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Ceiling == nil || r.Ratio <= 0 || r.Errors != 0 {
			t.Errorf("%s: ceiling %v, ratio %v, errors %d; want a ratio and no errors", r.Workload, r.Ceiling, r.Ratio, r.Errors)
		}
	}
}

// TestSelfMemory runs the whole tool against the reference handler on the
// memory store with tiny sizes and checks the JSON report's structure and
// that the server failed nothing. It asserts no timings.
func TestSelfMemory(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"-self", "memory", "-users", "100,200", "-members", "150,300", "-clients", "2", "-scale-clients", "4", "-requests", "40", "-json"}
	if err := run(t.Context(), args, &stdout, &stderr, func(string) string { return "" }); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, stdout.String())
	}
	type row struct {
		Workload       string
		Users, Members int
		Clients        int
	}
	var got []row
	for _, r := range rep.Results {
		got = append(got, row{r.Workload, r.Users, r.Members, r.Clients})
		if r.Workload == "create-clients" { // compared with itself, not with a ceiling
			if r.Requests == 0 || r.ReqPerSec <= 0 || r.Ceiling != nil {
				t.Errorf("%s C=%d: requests %d, req/s %v, ceiling %v; want requests and no ceiling", r.Workload, r.Clients, r.Requests, r.ReqPerSec, r.Ceiling)
			}
		} else if r.Requests == 0 || r.ReqPerSec <= 0 || r.Ceiling == nil || r.Ratio <= 0 {
			t.Errorf("%s N=%d M=%d: requests %d, req/s %v, ceiling %v, ratio %v; want all set", r.Workload, r.Users, r.Members, r.Requests, r.ReqPerSec, r.Ceiling, r.Ratio)
		}
		if r.Errors != 0 || r.CheckFailures != 0 {
			t.Errorf("%s N=%d M=%d: %d errors, %d check failures: %v", r.Workload, r.Users, r.Members, r.Errors, r.CheckFailures, r.FirstErrors)
		}
	}
	want := []row{
		{"create", 100, 0, 2}, {"lookup", 100, 0, 2}, {"page", 100, 0, 2},
		{"create", 200, 0, 2}, {"lookup", 200, 0, 2}, {"page", 200, 0, 2},
		{"group-fill", 200, 150, 2}, {"member-remove", 200, 150, 2}, {"member-add", 200, 150, 2}, {"group-get", 200, 150, 2}, {"member-mix", 200, 150, 2},
		{"create", 300, 0, 2}, {"group-fill", 300, 300, 2}, {"member-remove", 300, 300, 2}, {"member-add", 300, 300, 2}, {"group-get", 300, 300, 2}, {"member-mix", 300, 300, 2},
		{"concurrent-add", 300, 0, 2},
		{"create-clients", 300, 0, 1}, {"create-clients", 300, 0, 4},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if rep.Errors != 0 || rep.CheckFailures != 0 || rep.LostMembers != 0 {
		t.Errorf("errors %d, check failures %d, lost members %d; want none", rep.Errors, rep.CheckFailures, rep.LostMembers)
	}
	var flat []string
	for _, f := range rep.Flatness {
		flat = append(flat, f.Workload+"/"+f.Dimension)
	}
	for _, w := range []string{"lookup/users", "page/users", "member-add/members", "member-remove/members", "group-get/members", "member-mix/members"} {
		if !slices.Contains(flat, w) {
			t.Errorf("flatness lacks %s: %v", w, flat)
		}
	}
	if m := rep.Memory; m == nil || m.PeakRSS <= 0 || m.RSSAfter <= 0 || m.UsersCreated != 200 || !m.InProcess {
		t.Errorf("memory %+v; want peak and RSS after create of 200 users, in process", m)
	}
	if rep.CeilingBytes < rep.RequestBytes || rep.RequestBytes == 0 {
		t.Errorf("ceiling payload %d bytes, user request %d bytes; want a payload at least as big as the request", rep.CeilingBytes, rep.RequestBytes)
	}
	for _, r := range rep.Results {
		want := rep.CeilingBytes
		if r.Workload == "page" {
			want = rep.PageCeilingBytes
		}
		if r.Ceiling != nil && r.Ceiling.PayloadBytes != want {
			t.Errorf("%s N=%d M=%d: ceiling payload %d bytes, want %d", r.Workload, r.Users, r.Members, r.Ceiling.PayloadBytes, want)
		}
	}
	if rep.PageCeilingBytes < 100*rep.CeilingBytes {
		t.Errorf("page ceiling payload %d bytes; want at least 100 users of %d bytes", rep.PageCeilingBytes, rep.CeilingBytes)
	}
	if s := rep.CreateScaling; s == nil || s.Clients != [2]int{1, 4} || s.Ratio <= 0 {
		t.Errorf("create scaling %+v; want 1 and 4 clients and a ratio", s)
	}
	if !strings.Contains(stderr.String(), "lookup N=200") {
		t.Errorf("no progress line for lookup N=200 on stderr:\n%s", stderr.String())
	}
}

// TestFlags checks the command line's validation and size lists.
func TestFlags(t *testing.T) {
	env := func(string) string { return "" }
	tests := []struct {
		args    []string
		wantErr string
		users   []int
	}{
		{args: []string{"-self", "memory", "-users", "100k,1k,1k"}, users: []int{1000, 100000}},
		{args: []string{"-url", "http://127.0.0.1:1/scim/v2", "-token", "t"}, users: []int{1000}},
		{args: []string{}, wantErr: "exactly one of -url"},
		{args: []string{"-self", "memory", "-url", "http://x"}, wantErr: "exactly one of -url"},
		{args: []string{"-url", "http://127.0.0.1:1"}, wantErr: "-token"},
		{args: []string{"-self", "memory", "-users", "0"}, wantErr: "not a positive size"},
		{args: []string{"-self", "memory", "-workloads", "lookup,nope"}, wantErr: "unknown workload"},
		{args: []string{"-self", "memory", "-clients", "0"}, wantErr: "-clients"},
		{args: []string{"-self", "memory", "-scale-clients", "0"}, wantErr: "-scale-clients"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseFlags(tt.args, &bytes.Buffer{}, env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.users, c.users); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUserBody checks the user template is valid JSON with distinct,
// well-formed values per index.
func TestUserBody(t *testing.T) {
	b := &bench{runID: "abc123"}
	for _, i := range []int{0, 7, 1234567} {
		var u map[string]any
		if err := json.Unmarshal(b.userBody(i), &u); err != nil {
			t.Fatalf("userBody(%d): %v\n%s", i, err, b.userBody(i))
		}
		if got, want := u["userName"], b.userName(i); got != want {
			t.Errorf("userBody(%d).userName = %v, want %s", i, got, want)
		}
		ent, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		if ent["employeeNumber"] == nil || len(u) != 11 {
			t.Errorf("userBody(%d) = %v; want 11 top-level attributes and the enterprise extension", i, u)
		}
	}
}

// TestSummarize: the rate counts the time workers were busy, not workers
// idle at the ends of a round.
func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	lat := func(n int) []time.Duration { return slices.Repeat([]time.Duration{ms}, n) }
	for _, tc := range []struct {
		lat  [][]time.Duration
		busy []time.Duration
		want float64
	}{
		{[][]time.Duration{lat(100), lat(100)}, []time.Duration{time.Second, time.Second}, 200},
		{[][]time.Duration{lat(100), lat(100), nil}, []time.Duration{time.Second, time.Second, 0}, 200},
		{[][]time.Duration{lat(150), lat(50)}, []time.Duration{1500 * ms, 500 * ms}, 200},
		{nil, nil, 0},
	} {
		if _, got, _, _ := summarize(tc.lat, tc.busy); got != tc.want {
			t.Errorf("summarize(busy %v) rate %v, want %v", tc.busy, got, tc.want)
		}
	}
}
