package connector

import (
	"context"
	"errors"
	"time"
)

// Watcher is the optional change-notification side of a source (for
// Google, users.watch push channels). Watch keeps notifications flowing
// until ctx is done, calling notify with the source id of each user that
// changed, then stops them. An error notify returns means the change was
// not applied; the watcher should let the source redeliver it.
type Watcher interface {
	// Watch delivers notifications until ctx is done (see Watcher) and
	// then returns nil; returning earlier, with an error, stops
	// Syncer.Run with that error.
	Watch(ctx context.Context, notify func(ctx context.Context, userID string) error) error
}

// Defaults of RunConfig.
const (
	DefaultFullEvery = time.Hour
	DefaultPollEvery = 5 * time.Minute
)

// RunConfig configures Syncer.Run; its zero value is valid.
type RunConfig struct {
	// FullEvery is the period of full reconciliations, the safety net
	// (default DefaultFullEvery). The first runs at once unless the
	// stored status shows one more recent than FullEvery, so a restart
	// resumes the schedule.
	FullEvery time.Duration
	// PollEvery is the period of group and membership polls between full
	// runs (default DefaultPollEvery; negative: none).
	PollEvery time.Duration
	// Watcher, when set, delivers user changes within seconds; each is
	// applied with SyncUser.
	Watcher Watcher
}

// Run keeps the tenant in step with the source until ctx is done: change
// notifications (when a Watcher is set) applied as they arrive, group
// polls and full runs on their timers. Failed runs are logged and tried
// again at the next poll; Run returns only when ctx is done (nil), or the
// watcher's error if it stops on its own.
func (s *Syncer) Run(ctx context.Context, rc RunConfig) error {
	if rc.FullEvery <= 0 {
		rc.FullEvery = DefaultFullEvery
	}
	if rc.PollEvery == 0 {
		rc.PollEvery = DefaultPollEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	werr := make(chan error, 1)
	if rc.Watcher != nil {
		go func() { werr <- rc.Watcher.Watch(ctx, s.notify) }()
	}
	st, err := s.Status(ctx)
	if err != nil {
		s.cfg.Logger.Warn("connector: status not read; running a full sync now", "connector", s.cfg.Name, "err", err)
	}
	now := s.cfg.Now()
	nextFull := st.LastFull.Add(rc.FullEvery)
	nextPoll := now.Add(rc.PollEvery)
	for {
		next := nextFull
		if rc.PollEvery > 0 && nextPoll.Before(next) {
			next = nextPoll
		}
		t := time.NewTimer(max(0, next.Sub(s.cfg.Now())))
		select {
		case <-ctx.Done():
			t.Stop()
			if rc.Watcher != nil {
				<-werr // the watcher stops its channels before returning
			}
			return nil
		case err := <-werr:
			t.Stop()
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-t.C:
		}
		full := !s.cfg.Now().Before(nextFull)
		res, err := s.run(ctx, full)
		s.logRun(res, err)
		now := s.cfg.Now()
		nextPoll = now.Add(rc.PollEvery)
		if full && err == nil {
			nextFull = now.Add(rc.FullEvery)
		} else if full {
			nextFull = now.Add(min(rc.FullEvery, max(rc.PollEvery, time.Minute)))
		}
	}
}

// notify applies one change notification.
func (s *Syncer) notify(ctx context.Context, userID string) error {
	res, err := s.SyncUser(ctx, userID)
	if err != nil {
		s.cfg.Logger.Warn("connector: change not applied", "connector", s.cfg.Name, "user", userID, "err", err)
		return err
	}
	for _, it := range res.Items {
		s.cfg.Logger.Info("connector: "+it.String(), "connector", s.cfg.Name)
	}
	return nil
}

func (s *Syncer) logRun(res *Result, err error) {
	kind := "groups"
	if res.Full {
		kind = "full"
	}
	switch {
	case errors.Is(err, ErrMassDeprovision):
		s.cfg.Logger.Error("connector: run stopped by the deprovisioning guard", "connector", s.cfg.Name, "run", kind, "blocked", len(res.Blocked), "err", err)
	case err != nil:
		s.cfg.Logger.Error("connector: run failed", "connector", s.cfg.Name, "run", kind, "err", err)
	case res.Changed():
		s.cfg.Logger.Info("connector: run", "connector", s.cfg.Name, "run", kind, "summary", res.Summary())
	default:
		s.cfg.Logger.Debug("connector: run", "connector", s.cfg.Name, "run", kind, "summary", res.Summary())
	}
	for _, w := range res.Warnings {
		s.cfg.Logger.Warn("connector: "+w, "connector", s.cfg.Name)
	}
}
