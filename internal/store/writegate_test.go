package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"calsync/internal/store"
	"calsync/internal/viewer"
)

// On SQLite this process's writers take turns before SQLite's lock: a
// transaction holds its turn until it ends and a writing query until its
// rows are closed, while reads go on beside them.
func TestSQLiteWritersTakeTurns(t *testing.T) {
	db, _ := openStore(t, dialect.SQLite)
	newOrg(t, db.Client)
	drv := store.DriverOf(db)
	ctx := viewer.AllTenantsContext(context.Background())
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	const write = `UPDATE "organizations" SET "name" = "name"`
	tx, err := drv.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := drv.Exec(short(), write, []any{}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write beside an open transaction: %v, want to wait for its turn", err)
	}
	var rs entsql.Rows
	if err := drv.Query(short(), `SELECT COUNT(*) FROM "organizations"`, []any{}, &rs); err != nil {
		t.Fatalf("a read beside an open transaction: %v", err)
	}
	rs.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := drv.Exec(short(), write, []any{}, nil); err != nil {
		t.Fatalf("a write once the transaction ended: %v", err)
	}

	var rows entsql.Rows
	if err := drv.Query(ctx, write+` RETURNING "id"`, []any{}, &rows); err != nil {
		t.Fatal(err)
	}
	if _, err := drv.Tx(short()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a transaction beside a writing query's open rows: %v, want to wait for its turn", err)
	}
	for rows.Next() {
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	tx, err = drv.Tx(short())
	if err != nil {
		t.Fatalf("a transaction once the rows were closed: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}
