package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progress prints one status line on stderr while a workload runs: rewritten
// in place on a terminal, every few seconds otherwise (logs, CI).
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu   sync.Mutex
	cur  *liveRun
	stop chan struct{}
	done chan struct{}
}

// liveRun is the state of the running workload, read by the ticker.
type liveRun struct {
	label             string
	total             int
	start             time.Time
	done, errs, fails *atomic.Int64
	// base is done at the start: a later round continues the request
	// indexes of the earlier ones, so its rate counts from base.
	base int64
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, every: 5 * time.Second, stop: make(chan struct{}), done: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 250*time.Millisecond
		}
	}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.cur != nil {
				p.print(p.cur, false)
			}
			p.mu.Unlock()
		}
	}
}

func (p *progress) begin(label string, total int, done, errs, fails *atomic.Int64) *liveRun {
	l := &liveRun{label: label, total: total, start: time.Now(), done: done, errs: errs, fails: fails, base: done.Load()}
	p.mu.Lock()
	p.cur = l
	p.mu.Unlock()
	return l
}

func (p *progress) end(l *liveRun) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.print(l, true)
	p.cur = nil
}

// note prints a message on its own line.
func (p *progress) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *progress) print(l *liveRun, final bool) {
	n := l.done.Load()
	el := time.Since(l.start)
	rate := float64(n-l.base) / max(el.Seconds(), 1e-9)
	of := ""
	if l.total > 0 {
		of = fmt.Sprintf("/%d", l.total)
	}
	line := fmt.Sprintf("%-34s %9d%s req  %9.0f req/s  %6.1fs  errors %d  check failures %d",
		l.label, n, of, rate, el.Seconds(), l.errs.Load(), l.fails.Load())
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	case final:
		fmt.Fprintf(p.w, "%s  done\n", line)
	default:
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) close() {
	close(p.stop)
	<-p.done
}
