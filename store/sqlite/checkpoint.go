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
// The WAL stays bounded when the checkpointer falls behind (or readers
// keep it from restarting the WAL): once the WAL is 4×pages long, the
// writer itself runs a RESTART checkpoint after answering its batch, so
// that the next write starts the WAL over, and journal_size_limit
// truncates the file back to that length. Close runs a TRUNCATE
// checkpoint, leaving an empty WAL.
//
// Durability is unchanged: a write is acknowledged after its COMMIT has
// written its frames to the WAL, with the synchronous setting of Open;
// the checkpoint only moves committed pages into the database file.
type checkpointer struct {
	db    *sql.DB  // one connection of its own
	shm   *os.File // the WAL index, read for the WAL's length (walIndex)
	pages uint32   // checkpoint past this many uncopied pages
	wake  chan struct{}
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once // of close
	// done, when set (by tests), receives the outcome of each background
	// checkpoint: the frames it copied into the database file, or its error.
	done func(copied int, err error)
}

// startCheckpointer starts the background checkpointer of the file
// database at path, whose write connection has wal_autocheckpoint off.
func (s *Store) startCheckpointer(dsn, path string, pages int, background bool, done func(int, error)) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	shm, err := os.Open(path + "-shm")
	if err != nil {
		db.Close()
		return err
	}
	c := &checkpointer{db: db, shm: shm, pages: uint32(pages), wake: make(chan struct{}, 1), stop: make(chan struct{}), done: done}
	s.ckpt = c
	if background {
		c.wg.Go(c.run)
	}
	return nil
}

// run checkpoints, when woken, if the WAL holds enough uncopied pages.
func (c *checkpointer) run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		if ix, ok := c.index(); ok && ix.pending() < c.pages {
			continue
		}
		var busy, frames, copied int
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		if c.done != nil {
			c.done(copied, err)
		}
	}
}

// committed is called by the writer after each COMMIT: it wakes the
// checkpointer and reports whether the WAL has grown past its bound
// (4×pages), so that the writer must restart it itself (restartWAL).
func (c *checkpointer) committed() (overgrown bool) {
	select {
	case c.wake <- struct{}{}:
	default: // already woken
	}
	ix, ok := c.index()
	return ok && ix.frames >= 4*c.pages
}

// restartWAL runs a RESTART checkpoint on the write connection, between two
// transactions: it waits (busy_timeout) for readers of the WAL to finish,
// copies every frame, and makes the next write start the WAL over. A
// failure (readers that stay) is left to the next batch.
func (s *Store) restartWAL() {
	s.write.ExecContext(context.Background(), "PRAGMA wal_checkpoint(RESTART)")
}

// close stops the checkpointer, runs last (the final checkpoint) and
// closes its connection; later calls do nothing.
func (c *checkpointer) close(last func() error) (err error) {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		err = errors.Join(last(), c.db.Close(), c.shm.Close())
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
