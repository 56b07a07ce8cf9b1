package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Memory is the server's memory, read from /proc/PID/status (Linux).
type Memory struct {
	// PID is the server process measured.
	PID int `json:"pid"`
	// PeakRSS is VmHWM at the end of the run: the most resident memory
	// the process ever had.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// RSSBefore and RSSAfter are VmRSS before and after the create phase;
	// BytesPerUser is their difference per user created.
	RSSBefore int64 `json:"rss_before_create_bytes"`
	RSSAfter  int64 `json:"rss_after_create_bytes"`
	// UsersCreated is the number of users the create phase made.
	UsersCreated int `json:"users_created"`
	// BytesPerUser is (RSSAfter - RSSBefore) / UsersCreated.
	BytesPerUser float64 `json:"rss_bytes_per_user"`
	// HeapBytesPerUser is the growth of the live Go heap per user, after a
	// full GC; only with -self, where the server shares the process.
	HeapBytesPerUser float64 `json:"heap_bytes_per_user,omitempty"`
	// InProcess says the server ran inside the bench process (-self), so
	// the RSS figures include the load generator (a few bytes per user for
	// the ids it keeps).
	InProcess bool `json:"in_process,omitempty"`
}

// procStatus returns VmRSS and VmHWM of pid in bytes.
func procStatus(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, k, err)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, sc.Err()
}

// settle collects garbage and returns freed pages to the OS, so that an
// in-process server's RSS is its live memory and not uncollected garbage;
// it returns the live heap.
func settle() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// writeHeapProfile writes the live heap (after settle) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
