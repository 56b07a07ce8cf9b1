package main

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuilder is a strings.Builder safe for the timer's goroutine.
type lockedBuilder struct {
	mu     sync.Mutex
	b      strings.Builder
	writes int
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuilder) get() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// TestLogBuffer: info lines wait in the buffer (the delay is an hour
// here, so nothing is written by the timer), a warning writes them out
// with itself in one write, a full buffer is written out, and Close
// writes out the rest and makes later lines unbuffered.
func TestLogBuffer(t *testing.T) {
	out := &lockedBuilder{}
	buf := newLogBuffer(out, time.Hour)
	logger := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf}).With("app", "test")
	logger.Info("one")
	logger.Info("two")
	if got, _ := out.get(); got != "" {
		t.Fatalf("info lines written at once: %q", got)
	}
	logger.Warn("three")
	got, writes := out.get()
	if writes != 1 || !strings.Contains(got, "msg=one") || !strings.Contains(got, "msg=two") || !strings.Contains(got, "msg=three") || !strings.Contains(got, "app=test") {
		t.Fatalf("after a warning: %d writes of %q, want one write of three lines", writes, got)
	}
	long := strings.Repeat("x", logBufferSize)
	logger.Info(long)
	if got, writes = out.get(); writes != 2 || !strings.Contains(got, long) {
		t.Fatalf("a full buffer is not written out: %d writes", writes)
	}
	logger.Info("four")
	buf.Close()
	if got, _ = out.get(); !strings.Contains(got, "msg=four") {
		t.Fatalf("Close did not write out the last line: %q", got[len(got)-40:])
	}
	logger.Info("five")
	if got, _ = out.get(); !strings.Contains(got, "msg=five") {
		t.Fatalf("a line after Close waits: %q", got[len(got)-40:])
	}
}
