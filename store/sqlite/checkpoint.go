package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"os"
	"sync"
)

// DefaultCheckpointPages is the WAL length, in pages, past which the
// background checkpointer copies the WAL into the database file: SQLite's
// own wal_autocheckpoint default.
const DefaultCheckpointPages = 1000

// checkpointer keeps WAL checkpoints off the write path. SQLite's
// automatic checkpoint runs in the COMMIT of the write that takes the WAL
// past wal_autocheckpoint pages: that write, and every write queued behind
// it, waits while the WAL is copied into the database file and both are
// synced. Open turns it off on the write connection and starts this
// goroutine instead, which the writer wakes after each COMMIT: when the
// WAL holds pages pages not yet copied, it runs a PASSIVE checkpoint on a
// connection of its own, which never blocks writers or readers.
//
// SQLite starts the WAL over only when a write begins with every frame
// copied, which a checkpoint running beside the writes rarely achieves:
// so once the background has copied all but a short tail (pages/8
// frames) of a WAL at least pages long, the writer copies that tail
// itself, between two transactions, and its next write starts the WAL
// over. The WAL stays bounded when the checkpointer falls behind (or
// readers keep it from restarting the WAL): once it is 4×pages long, the
// writer runs a RESTART checkpoint after answering its batch, and
// journal_size_limit truncates the file back to that length. Close runs
// a TRUNCATE checkpoint, leaving an empty WAL.
//
// Durability is unchanged: a write is acknowledged after its COMMIT has
// written its frames to the WAL, with the synchronous setting of Open;
// the checkpoint only moves committed pages into the database file.
type checkpointer struct {
	db    *sql.DB  // one connection of its own
	shm   *os.File // the WAL index, read for the WAL's length (walIndex); nil if it cannot be opened
	pages uint32   // checkpoint past this many uncopied pages
	// mu is held while a checkpoint runs: SQLite lets one run at a time
	// and answers another with SQLITE_BUSY at once.
	mu   sync.Mutex
	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once // of close
	// done, when set (by tests), receives the outcome of each background
	// checkpoint: the frames it copied into the database file, or its error.
	done func(copied int, err error)
	// busyTimeout is the write connection's busy_timeout (milliseconds),
	// restored after a RESTART checkpoint, which runs without one.
	busyTimeout string
	// restartFailedAt is the WAL's length when the writer's last RESTART
	// was refused by a reader (0: none since the WAL started over). Only
	// the writer reads and writes it (committed, checkpoint).
	restartFailedAt uint32
}

// startCheckpointer starts the background checkpointer of the file
// database at path, whose write connection has wal_autocheckpoint off.
func (s *Store) startCheckpointer(dsn, path string, pages int, busyTimeout string, background bool, done func(int, error)) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	// Without a readable WAL index (there is none in exclusive locking
	// mode), index reports nothing: the checkpointer then checkpoints
	// each time it is woken, as SQLite did after every COMMIT past its
	// threshold.
	shm, _ := os.Open(path + "-shm")
	c := &checkpointer{db: db, shm: shm, pages: uint32(pages), wake: make(chan struct{}, 1), stop: make(chan struct{}), done: done, busyTimeout: busyTimeout}
	s.ckpt = c
	if background {
		c.wg.Go(c.run)
	}
	return nil
}

// run checkpoints, when woken, if the WAL holds enough uncopied pages
// (wants).
func (c *checkpointer) run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		if ix, ok := c.index(); ok && !c.wants(ix) {
			continue
		}
		var busy, frames, copied int
		c.mu.Lock()
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		c.mu.Unlock()
		if c.done != nil {
			c.done(copied, err)
		}
	}
}

// wants reports whether the background checkpointer has work: pages
// uncopied frames, or a WAL long enough to start over whose uncopied tail
// is still too long for the writer to copy (finishes).
func (c *checkpointer) wants(ix walIndex) bool {
	return ix.pending() >= c.pages || ix.frames >= c.pages && ix.pending() > c.pages/8
}

// finishes reports whether the writer should copy the WAL's uncopied tail
// itself: the WAL is long enough to start over and the background
// checkpoints copied all but at most pages/8 of it. Writes never stop
// while the checkpointer runs, so it rarely copies the very last frame;
// only a writer between two transactions can, and the next write then
// starts the WAL over (a WAL is restarted only once every frame is
// copied).
func (c *checkpointer) finishes(ix walIndex) bool {
	return ix.frames >= c.pages && ix.backfilled > 0 && ix.pending() <= c.pages/8
}

// committed is called by the writer after each COMMIT: it wakes the
// checkpointer when it has work (wants; always when the WAL index cannot
// be read) and returns the checkpoint the writer must run itself before
// its next transaction: "" (none), "PASSIVE" to copy the tail the
// background left (finishes), or "RESTART" when the WAL has grown past
// its bound (4×pages), whatever the background did.
func (c *checkpointer) committed() string {
	ix, ok := c.index()
	if !ok || c.wants(ix) {
		select {
		case c.wake <- struct{}{}:
		default: // already woken
		}
	}
	if ok && ix.frames < c.restartFailedAt {
		c.restartFailedAt = 0 // the WAL started over
	}
	switch {
	case !ok:
		return ""
	case ix.frames >= 4*c.pages && (c.restartFailedAt == 0 || ix.frames >= c.restartFailedAt+c.pages):
		return "RESTART"
	case c.finishes(ix):
		return "PASSIVE"
	}
	return ""
}

// checkpoint runs a checkpoint of mode on the write connection, between
// two transactions: a PASSIVE one only if the background checkpointer is
// not running one (it copies the tail later), a RESTART one after it.
// Both copy every frame readers allow, so that the next write starts the
// WAL over. A RESTART never waits for readers (busy_timeout 0 while it
// runs): a reader holding an old snapshot (a long export, a backup,
// another process) would otherwise hold the one writer, and every write
// queued behind it, for busy_timeout at every batch. Refused, it is tried
// again only once the WAL has grown by another pages frames; meanwhile
// the WAL grows, as it does with SQLite's own checkpoints while a reader
// stays.
func (s *Store) checkpoint(mode string) {
	c := s.ckpt
	ctx := context.Background()
	if mode != "RESTART" {
		if !c.mu.TryLock() {
			return
		}
		defer c.mu.Unlock()
		s.write.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := s.write.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	var busy, frames, copied int
	err := s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied)
	s.write.ExecContext(ctx, "PRAGMA busy_timeout = "+c.busyTimeout)
	if err != nil || busy != 0 {
		c.restartFailedAt = max(uint32(max(frames, 0)), 1)
	} else {
		c.restartFailedAt = 0
	}
}

// close stops the checkpointer, runs last (the final checkpoint) and
// closes its connection; later calls do nothing.
func (c *checkpointer) close(last func() error) (err error) {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		err = errors.Join(last(), c.db.Close())
		if c.shm != nil {
			err = errors.Join(err, c.shm.Close())
		}
	})
	return err
}

// walIndex is what the checkpointer reads of the WAL index header (the
// -shm file, https://www.sqlite.org/walformat.html §2.1): frames is the
// WAL's length (mxFrame), backfilled the frames already copied into the
// database file (nBackfill).
type walIndex struct{ frames, backfilled uint32 }

// pending returns the frames not yet copied into the database file.
func (ix walIndex) pending() uint32 {
	if ix.backfilled > ix.frames { // the WAL restarted since
		return ix.frames
	}
	return ix.frames - ix.backfilled
}

// index reads the WAL index header; ok is false when it cannot (the
// checkpointer then checkpoints each time it is woken, and the writer
// never restarts the WAL itself).
func (c *checkpointer) index() (ix walIndex, ok bool) {
	var b [136]byte
	if c.shm == nil {
		return ix, false
	}
	if _, err := c.shm.ReadAt(b[:], 0); err != nil {
		return ix, false
	}
	// iVersion 3007000, isInit set: a header SQLite has written. Fields
	// are in the native byte order.
	if binary.NativeEndian.Uint32(b[0:]) != 3007000 || b[12] != 1 {
		return ix, false
	}
	return walIndex{frames: binary.NativeEndian.Uint32(b[16:]), backfilled: binary.NativeEndian.Uint32(b[96:])}, true
}
