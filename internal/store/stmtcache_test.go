package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// cached is how many statements the pinned connection keeps prepared.
func cached(t *testing.T, conn *sql.Conn) int {
	t.Helper()
	n := -1
	if err := conn.Raw(func(dc any) error {
		n = len(dc.(*stmtConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A SQLite connection keeps the statements it ran prepared and runs them
// again with new arguments; a statement whose rows are still open runs
// uncached beside them; the oldest are dropped past stmtCacheSize; and the
// answers are the same as without the cache throughout.
func TestSQLiteStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := openSQLite(SQLiteDSN(t.TempDir() + "/cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := cached(t, conn) // the CREATE TABLE may have run on it
	for i := range 50 {
		if _, err := conn.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		var v string
		if err := conn.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, v, err)
		}
	}
	if n := cached(t, conn) - before; n != 2 {
		t.Fatalf("%d statements kept, want 2 (one insert, one select)", n)
	}

	// The same statement again while its rows are open (a transaction
	// reading while it iterates).
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, `SELECT v FROM kv WHERE k < ? ORDER BY k`, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var inner []string
		rows, err := tx.QueryContext(ctx, `SELECT v FROM kv WHERE k < ? ORDER BY k`, 2)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var w string
			_ = rows.Scan(&w)
			inner = append(inner, w)
		}
		rows.Close()
		if fmt.Sprint(inner) != "[v0 v1]" {
			t.Fatalf("inner query beside open rows: %v", inner)
		}
		got = append(got, v)
	}
	outer.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[v0 v1 v2]" {
		t.Fatalf("outer rows: %v", got)
	}

	// Past the cache's size the least recently used are dropped.
	for i := range stmtCacheSize + 40 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM kv`, i)).Scan(&n); err != nil || n != 50+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if n := cached(t, conn); n != stmtCacheSize {
		t.Fatalf("%d statements kept, want %d", n, stmtCacheSize)
	}
	// An error is the driver's, as without the cache.
	if _, err := conn.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`); err == nil {
		t.Fatal("a statement on a missing table succeeded")
	}
}

// Pragmas are never kept prepared: some do their work when compiled.
func TestSQLiteStatementCacheSkipsPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := openSQLite(SQLiteDSN(t.TempDir() + "/pragma.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := cached(t, conn)
	for range 3 {
		if _, err := conn.ExecContext(ctx, "PRAGMA optimize"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "  pragma user_version = 3"); err != nil {
			t.Fatal(err)
		}
	}
	if n := cached(t, conn) - before; n != 0 {
		t.Fatalf("%d pragmas kept prepared", n)
	}
}
