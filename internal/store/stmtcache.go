package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
)

// SQLite parses every statement it runs unless the statement was prepared
// (the driver runs a one-off Query or Exec by preparing, running and
// dropping it): parsing the same few hundred statements over and over was
// about a seventh of a booking change's CPU. Each connection therefore
// keeps its statements prepared, the most recently used stmtCacheSize of
// them, and runs them again with new arguments. A prepared statement holds
// SQLite memory outside Go's heap: 256 per connection kept an idle
// process with 1,000 linked accounts at 235 MB resident, 64 at 144 MB,
// with the same CPU per booking change.
const (
	stmtCacheSize = 64
	// maxCachedQuery leaves out long statements (bulk inserts with
	// hundreds of values), which rarely repeat.
	maxCachedQuery = 4096
)

// sqliteConn is what the SQLite driver's connection offers and a
// connection of the cache passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConnector opens SQLite connections that keep their statements.
type stmtConnector struct {
	dsn string
	drv driver.Driver
}

func (c stmtConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks a method the statement cache needs")
	}
	return &stmtConn{sqliteConn: sc, stmts: map[string]*list.Element{}, order: list.New()}, nil
}

func (c stmtConnector) Driver() driver.Driver { return c.drv }

// stmtConn is one connection and its prepared statements. database/sql
// uses a connection from one goroutine at a time; inside a transaction a
// statement may run again while its earlier rows are still open, so a
// statement in use is never handed out twice (the query then runs
// uncached).
type stmtConn struct {
	sqliteConn
	stmts map[string]*list.Element // of *cachedStmt; order's front is the most recent
	order *list.List
}

type cachedStmt struct {
	query string
	st    driver.Stmt
	busy  bool
	// dropped: evicted while in use; closed when its rows are.
	dropped bool
}

// statement returns query's prepared statement, preparing it on first use;
// nil when the query is not cached (too long, in use, or failing to
// prepare: the uncached path then reports the error).
func (c *stmtConn) statement(ctx context.Context, query string) *cachedStmt {
	if len(query) > maxCachedQuery || isPragma(query) {
		return nil
	}
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil
		}
		c.order.MoveToFront(e)
		return cs
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	cs := &cachedStmt{query: query, st: st}
	c.stmts[query] = c.order.PushFront(cs)
	for c.order.Len() > stmtCacheSize {
		e := c.order.Back()
		old := e.Value.(*cachedStmt)
		c.order.Remove(e)
		delete(c.stmts, old.query)
		if old.busy {
			old.dropped = true
		} else {
			_ = old.st.Close()
		}
	}
	return cs
}

// isPragma: some pragmas do their work when compiled (PRAGMA optimize),
// so they are never kept prepared.
func isPragma(query string) bool { return startsWithKeyword(query, "PRAGMA") }

// startsWithKeyword reports whether query's first word (after blanks and
// opening parentheses) is keyword, in any case.
func startsWithKeyword(query, keyword string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= len(keyword) && strings.EqualFold(q[:len(keyword)], keyword)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.statement(ctx, query)
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	cs.busy = true
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	r := &stmtRows{rows: rows, release: func() { c.release(cs) }}
	if _, ok := rows.(columnTyped); ok {
		return &stmtTypedRows{r}, nil
	}
	return r, nil
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.statement(ctx, query)
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer c.release(cs)
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *stmtConn) release(cs *cachedStmt) {
	cs.busy = false
	if cs.dropped {
		_ = cs.st.Close()
	}
}

// Close closes the statements, then the connection (database/sql closes
// a connection only when nothing uses it: no rows are open).
func (c *stmtConn) Close() error {
	for e := c.order.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*cachedStmt).st.Close()
	}
	c.stmts, c.order = map[string]*list.Element{}, list.New()
	return c.sqliteConn.Close()
}

// stmtRows gives a cached statement back when its rows are closed, and
// passes on the column type information the driver's rows carry.
type stmtRows struct {
	rows    driver.Rows
	release func()
}

func (r *stmtRows) Columns() []string              { return r.rows.Columns() }
func (r *stmtRows) Next(dest []driver.Value) error { return r.rows.Next(dest) }

func (r *stmtRows) Close() error {
	err := r.rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}

type columnTyped interface {
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// stmtTypedRows are stmtRows whose driver rows tell column types.
type stmtTypedRows struct{ *stmtRows }

func (r *stmtTypedRows) ColumnTypeDatabaseTypeName(i int) string {
	return r.rows.(columnTyped).ColumnTypeDatabaseTypeName(i)
}
func (r *stmtTypedRows) ColumnTypeLength(i int) (int64, bool) {
	return r.rows.(columnTyped).ColumnTypeLength(i)
}
func (r *stmtTypedRows) ColumnTypeNullable(i int) (bool, bool) {
	return r.rows.(columnTyped).ColumnTypeNullable(i)
}
func (r *stmtTypedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	return r.rows.(columnTyped).ColumnTypePrecisionScale(i)
}
func (r *stmtTypedRows) ColumnTypeScanType(i int) reflect.Type {
	return r.rows.(columnTyped).ColumnTypeScanType(i)
}
