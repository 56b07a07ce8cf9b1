package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushDelay is how long a log line may wait in a logBuffer before it
// is written out; warnings and errors never wait (flushingHandler).
const logFlushDelay = 100 * time.Millisecond

// logBufferSize is how many bytes of lines a logBuffer gathers before it
// writes them out at once.
const logBufferSize = 32 << 10

// logBuffer gathers the lines written to it and writes them to w in one
// call when it holds logBufferSize bytes, delay after the first line it
// holds, on Flush, and on Close. It is safe for concurrent use; each
// Write must be whole lines (slog's handlers write one record per call).
// A line written to it is lost only if the process dies without
// returning from serve (serve closes it), within delay of the line.
type logBuffer struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	delay  time.Duration
	timer  *time.Timer // flushes buf; armed while buf holds lines
	armed  bool
	closed bool // lines are written at once
}

func newLogBuffer(w io.Writer, delay time.Duration) *logBuffer {
	b := &logBuffer{w: w, delay: delay}
	b.timer = time.AfterFunc(time.Hour, b.Flush)
	b.timer.Stop()
	return b
}

// Write gathers p. An error writing earlier lines out is returned by a
// later Write or Flush.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferSize || b.closed {
		return len(p), b.flushLocked()
	}
	if !b.armed {
		b.armed = true
		b.timer.Reset(b.delay)
	}
	return len(p), nil
}

// Flush writes out the lines gathered.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *logBuffer) flushLocked() error {
	if b.armed {
		b.timer.Stop()
		b.armed = false
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	if cap(b.buf) > 4*logBufferSize {
		b.buf = nil // a burst of long lines is not kept for good
	} else {
		b.buf = b.buf[:0]
	}
	return err
}

// Close writes out the lines gathered and stops the timer; later lines
// are written at once.
func (b *logBuffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
}

// flushingHandler writes a record at Warn or above out at once, with the
// lines gathered before it: a warning or an error never waits in the
// buffer.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
