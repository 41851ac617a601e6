package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// A statement given a context that can be cancelled costs a goroutine
// that waits for the cancellation: pgx starts one per statement to send
// PostgreSQL a cancel request, modernc.org/sqlite one to interrupt SQLite,
// and database/sql one per rows it returns. With about thirty statements
// per booking change, those goroutines and their wake-ups were 7-8 % of a
// change's CPU on PostgreSQL. The ent client's driver therefore runs every
// statement with its context detached (context.WithoutCancel: values kept,
// no Done channel), and honours cancellation itself at the edges:
//
//   - an Exec or a transaction waits for a pooled connection with the
//     caller's context, so a cancelled or timed-out caller stops waiting
//     at once (a Query's wait is not cut short, see Query);
//   - a statement is not started, and a transaction is not committed (it
//     is rolled back), once the caller's context is done; the error is
//     the context's, as database/sql returns it.
//
// What is given up: a statement already running is not interrupted when
// its context is cancelled; it runs to its end. SQLite's busy_timeout
// bounds a wait for its lock; on PostgreSQL a statement waits for a row
// lock (a request counted for an account a sync is settling) only as long
// as the transaction holding it (a change's, or a sync's settling, both
// short), where a cancelled caller used to give up at once. Migrations,
// locks and the statistics refresh use *sql.DB directly and keep
// database/sql's cancellation.
//
// A connection taken from the pool goes back as soon as it is done with:
// at once for an Exec, when the rows are read to their end or closed for a
// Query, at Commit or Rollback for a transaction.
type detachedDriver struct {
	db      *sql.DB
	dialect string
	// gate lets writers in one at a time, in order (SQLite; nil on
	// PostgreSQL): see writegate.go.
	gate *writeGate
}

// txBeginner is a driver that also takes transaction options, as
// ent.Client.BeginTx requires.
type txBeginner interface {
	dialect.Driver
	BeginTx(context.Context, *entsql.TxOptions) (dialect.Tx, error)
}

var _ txBeginner = (*detachedDriver)(nil)

// badConnAttempts bounds the tries of a statement whose connection turned
// out to be broken before anything was sent (driver.ErrBadConn), as
// database/sql retries its own pooled statements.
const badConnAttempts = 3

func (d *detachedDriver) Dialect() string { return d.dialect }

func (d *detachedDriver) Close() error { return d.db.Close() }

// withConn runs fn on a pooled connection with a detached context. fn
// reports whether it kept the connection (open rows, a transaction); a
// connection not kept goes back to the pool when fn returns.
func (d *detachedDriver) withConn(ctx context.Context, fn func(context.Context, *sql.Conn) (kept bool, err error)) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		conn, err := d.db.Conn(ctx)
		if err != nil {
			return err
		}
		kept, err := fn(context.WithoutCancel(ctx), conn)
		if !kept {
			// Already closed when the driver reported a broken
			// connection (database/sql then drops it from the pool).
			_ = conn.Close()
		}
		if errors.Is(err, driver.ErrBadConn) && attempt < badConnAttempts {
			continue
		}
		return err
	}
}

func (d *detachedDriver) Exec(ctx context.Context, query string, args, v any) error {
	if d.gate != nil && !reads(query) {
		if err := d.gate.enter(ctx); err != nil {
			return err
		}
		defer d.gate.leaver()()
	}
	return d.withConn(ctx, func(dctx context.Context, conn *sql.Conn) (bool, error) {
		return false, entsql.Conn{ExecQuerier: conn}.Exec(dctx, query, args, v)
	})
}

// Query runs on the pool itself rather than on a connection taken for it:
// ent's schema tools need the *sql.Rows it returns, and database/sql then
// gives the connection back when the rows are read or closed. Its wait for
// a pooled connection is therefore not cut short by the caller's
// cancellation (it is bounded by the statements ahead of it).
//
// Except when the pool is full: a Query that would wait for a connection
// then runs with the caller's context, so a caller with a deadline (a
// webhook answering within the provider's limit) stops waiting at it.
func (d *detachedDriver) Query(ctx context.Context, query string, args, v any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	qctx := context.WithoutCancel(ctx)
	if st := d.db.Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
		qctx = ctx
	}
	if d.gate == nil || reads(query) {
		return entsql.Conn{ExecQuerier: d.db}.Query(qctx, query, args, v)
	}
	// A writing query (RETURNING) holds the writer's turn until its rows
	// are closed.
	if err := d.gate.enter(ctx); err != nil {
		return err
	}
	leave := d.gate.leaver()
	err := entsql.Conn{ExecQuerier: d.db}.Query(qctx, query, args, v)
	rows, ok := v.(*entsql.Rows)
	if err != nil || !ok || rows.ColumnScanner == nil {
		leave()
		return err
	}
	rows.ColumnScanner = gatedRows{ColumnScanner: rows.ColumnScanner, leave: leave}
	return nil
}

func (d *detachedDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	return d.BeginTx(ctx, nil)
}

func (d *detachedDriver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	// SQLite's transactions are immediate (writers): the writer's turn
	// lasts until the commit or rollback.
	if err := d.gate.enter(ctx); err != nil {
		return nil, err
	}
	leave := d.gate.leaver()
	var t *detachedTx
	err := d.withConn(ctx, func(dctx context.Context, conn *sql.Conn) (bool, error) {
		tx, err := conn.BeginTx(dctx, opts)
		if err != nil {
			return false, err
		}
		t = &detachedTx{Conn: entsql.Conn{ExecQuerier: tx}, tx: tx, conn: conn, ctx: ctx, leave: leave}
		// A transaction its owner abandons (a panic between begin and
		// commit) is rolled back and its connection given back once the
		// context it began with is done, as database/sql does for its own
		// (without a goroutine while the context lives).
		t.stop = context.AfterFunc(ctx, func() {
			_ = tx.Rollback()
			_ = conn.Close()
			leave()
		})
		return true, nil
	})
	if err != nil {
		leave()
		return nil, err
	}
	return t, nil
}

// detachedTx is a transaction on one connection, its statements run with
// detached contexts. The context it began with still decides: once that
// is done, no further statement runs and Commit rolls back.
type detachedTx struct {
	entsql.Conn
	tx   *sql.Tx
	conn *sql.Conn
	ctx  context.Context
	stop func() bool
	// leave ends the writer's turn (writeGate) at commit or rollback.
	leave func()
}

func (t *detachedTx) live(ctx context.Context) error {
	if err := t.ctx.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

func (t *detachedTx) Exec(ctx context.Context, query string, args, v any) error {
	if err := t.live(ctx); err != nil {
		return err
	}
	return t.Conn.Exec(context.WithoutCancel(ctx), query, args, v)
}

func (t *detachedTx) Query(ctx context.Context, query string, args, v any) error {
	if err := t.live(ctx); err != nil {
		return err
	}
	return t.Conn.Query(context.WithoutCancel(ctx), query, args, v)
}

func (t *detachedTx) Commit() error {
	t.stop()
	defer t.leave()
	defer t.conn.Close()
	if err := t.ctx.Err(); err != nil {
		// database/sql rolls back a transaction whose context is done
		// and refuses its Commit with the context's error.
		_ = t.tx.Rollback()
		return err
	}
	return t.tx.Commit()
}

func (t *detachedTx) Rollback() error {
	t.stop()
	defer t.leave()
	defer t.conn.Close()
	return t.tx.Rollback()
}
