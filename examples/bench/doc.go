// Command bench is a load test for any SCIM 2.0 server, to size a
// deployment. It creates N users, looks them up by userName, reads random
// pages of 100, fills a group to M members in batches of 100, adds and
// removes single members and reads the group without its members, runs a
// mix of those three on the group (member-mix: a third each of one-member
// adds, one-member removes by filter and GETs ?excludedAttributes=members),
// has C clients add distinct members to one group at once, then checks that
// none was lost, and creates users with 1 client and with -scale-clients
// (32) for the same time (create-clients):
//
//	go run ./examples/bench -url http://127.0.0.1:8080/scim/v2 -token T -pid 1234
//
// or, serving scimkit's reference handler in the same process on a
// loopback port, on the memory store, a SQLite file or PostgreSQL:
//
//	go run ./examples/bench -self memory -users 1k,100k -members 1k,100k
//	go run ./examples/bench -self /tmp/bench.db -users 10k
//	go run ./examples/bench -self 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// Absolute numbers drift on shared machines, so every workload is also run
// against a ceiling: a trivial handler in this process that drains the
// request and returns a fixed user as big as the server's (the run's first
// user as the server returned it), sent the same requests by the same client
// at the same concurrency. The page workload has a ceiling of its own, which
// returns a fixed ListResponse of 100 copies of that user, so that a page is
// compared with a page of the same size. Ceiling and server alternate in
// -rounds rounds so that drifting machine load hits both alike. Decoding an
// answer to check it can cost the client as much CPU as the server spent on
// it, so lookups are checked one in ten and pages one in a hundred, and for
// creates, lookups and pages the client decodes the ceiling's answers as
// often as it checks the server's (creates: every one), so that what
// checking is left costs both about alike. The group workloads check every
// answer of the server, which is small (a PATCH's empty answer, a group
// without its members), and decode none of the ceiling's.
//
// The member mix starts by removing 64 members of the group (unmeasured); it
// then removes members 64 requests ahead of adding them back, so every
// request is valid however the clients' requests interleave, and it adds
// back what is left out when it ends (unmeasured), so the group is whole for
// the check and the next size.
//
// The ceilings run in this process, beside the load generator. Against a
// -url server in a process of its own, that favours the server when the
// machine is loaded by others (two processes get more of the CPU than one)
// and ratios can exceed 1; -ceiling-process serves the ceilings from a child
// process (this command re-executed), so that server and ceiling each have
// a process; the ceiling's samples are then not in -cpuprofile.
//
// create-clients has no ceiling: its two rows (C=1 and C=-scale-clients,
// alternating round by round like a workload and its ceiling) are compared
// with each other, and the report gives the ratio of their req/s, which is 1
// when more clients gain nothing. Its users are extra ones that no other
// workload reads; it runs last.
//
// The report gives each workload's req/s, p50, p99, errors, check failures
// and response size, its ratio to the ceiling, and, when -users or -members
// list several sizes, how much slower the largest size is (flatness); with -pid (implied by -self) it adds the server's peak RSS
// (VmHWM) and resident bytes per user (VmRSS before and after the creates).
// A table goes to stdout (-json for machines) and a progress line to
// stderr. The exit status is 1 when a request failed (transport error or
// unexpected status), a response failed a check or a group lost a member.
//
// With -cpuprofile, a CPU profile of the whole run is written; with -self,
// samples carry the labels role (server, client, ceiling), workload, and
// at=<role>/<workload> (pprof applies only the last -tagfocus), so
//
//	go run ./examples/bench -self memory -users 10k -cpuprofile cpu.prof
//	go tool pprof -tagfocus at=server/page -top cpu.prof
//
// shows where the server spends its time on pages.
//
// Users and groups are named bench-<run id>-…, so runs against one server
// do not collide; the tool does not delete them.
package main
