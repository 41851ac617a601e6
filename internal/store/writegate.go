package store

import (
	"context"
	"errors"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"
)

// SQLite has one writer at a time, and a writer that finds the database
// locked waits in SQLite's busy handler: it sleeps and tries again, up to
// busy_timeout. That wait is not a queue: under load one writer can lose
// every try to writers that came after it, and fail with SQLITE_BUSY after
// busy_timeout while the database was never locked for that long by one
// transaction (TestCountRequestsConcurrently failed so on a loaded
// machine). The ent client's driver therefore lets this process's
// writers in one at a time, in the order they came, before SQLite's lock
// (writeGate): a transaction (SQLite's are all immediate, that is
// writers) from its begin to its commit or rollback, a statement outside
// a transaction unless it is a SELECT. The wait is bounded as SQLite's
// was (writeWait, busy_timeout's 5 s); busy_timeout still covers other
// processes on the same file (the calsync commands).
type writeGate struct{ turn chan struct{} }

// writeWait bounds a writer's wait for its turn, as busy_timeout(5000) in
// SQLiteDSN bounds its wait for SQLite's lock.
const writeWait = 5 * time.Second

// ErrWriteBusy is a writer's wait for its turn running out.
var ErrWriteBusy = errors.New("store: the database is busy: other writes held it for 5 s")

func newWriteGate() *writeGate { return &writeGate{turn: make(chan struct{}, 1)} }

// enter waits for the writer's turn (FIFO: a channel's blocked senders are
// served in order), until ctx is done or writeWait has passed. A nil gate
// (PostgreSQL) lets everyone in at once.
func (g *writeGate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g.turn <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(writeWait)
	defer t.Stop()
	select {
	case g.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrWriteBusy
	}
}

// leaver returns a function that ends the writer's turn once, however
// often it is called (a commit's failure followed by a rollback, an
// abandoned transaction's clean-up).
func (g *writeGate) leaver() func() {
	if g == nil {
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(func() { <-g.turn }) }
}

// reads reports whether a statement only reads: it starts with SELECT
// (ent's queries). Anything else may write (INSERT, UPDATE, DELETE, and
// their RETURNING forms run as queries).
func reads(query string) bool { return startsWithKeyword(query, "SELECT") }

// gatedRows ends the writer's turn when a writing query's rows are
// closed: SQLite holds its lock until the statement is done.
type gatedRows struct {
	entsql.ColumnScanner
	leave func()
}

func (r gatedRows) Close() error {
	defer r.leave()
	return r.ColumnScanner.Close()
}
