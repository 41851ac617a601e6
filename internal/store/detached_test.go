package store_test

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"syscall"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"calsync/ent"
	"calsync/ent/organization"
	"calsync/internal/store"
	"calsync/internal/testenv"
	"calsync/internal/viewer"
)

// A cancelled caller runs no statement: a query or an insert given a done
// context fails with the context's error, and nothing is written.
func TestDoneContextRunsNoStatement(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx, cancel := context.WithCancel(viewer.AllTenantsContext(context.Background()))
			cancel()
			if _, err := db.Client.Organization.Query().Count(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("query with a cancelled context: %v, want context.Canceled", err)
			}
			_, err := db.Client.Organization.Create().SetName("Gone").SetSlug("gone").Save(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("insert with a cancelled context: %v, want context.Canceled", err)
			}
			n, err := db.Client.Organization.Query().Where(organization.Slug("gone")).
				Count(viewer.AllTenantsContext(context.Background()))
			if err != nil || n != 0 {
				t.Fatalf("after a cancelled insert: %d organizations, %v; want none", n, err)
			}
			if st := db.SQL.Stats(); st.InUse != 0 {
				t.Fatalf("connections still in use: %+v", st)
			}
		})
	}
}

// A transaction whose context is cancelled before Commit is rolled back:
// Commit reports the cancellation, the write is gone and the connection is
// back in the pool. A statement after the cancellation is not run.
func TestCancelledTransactionRollsBack(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx, cancel := context.WithCancel(viewer.AllTenantsContext(context.Background()))
			defer cancel()
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Organization.Create().SetName("Half").SetSlug("half").Save(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
			if _, err := tx.Organization.Create().SetName("Late").SetSlug("late").Save(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("statement after cancellation: %v, want context.Canceled", err)
			}
			if err := tx.Commit(); !errors.Is(err, context.Canceled) {
				t.Fatalf("commit after cancellation: %v, want context.Canceled", err)
			}
			n, err := db.Client.Organization.Query().Count(viewer.AllTenantsContext(context.Background()))
			if err != nil || n != 0 {
				t.Fatalf("after a cancelled transaction: %d organizations, %v; want none", n, err)
			}
			if st := db.SQL.Stats(); st.InUse != 0 {
				t.Fatalf("connections still in use: %+v", st)
			}
		})
	}
}

// A transaction its owner leaves open (a panic between begin and commit)
// is rolled back, and its connection given back, once its context is
// done; InTx rolls back a transaction whose function panics.
func TestAbandonedTransactionIsRolledBack(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			all := viewer.AllTenantsContext(context.Background())
			ctx, cancel := context.WithCancel(all)
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Organization.Create().SetName("Left").SetSlug("left").Save(ctx); err != nil {
				t.Fatal(err)
			}
			cancel() // and never a Commit or Rollback
			for deadline := time.Now().Add(5 * time.Second); db.SQL.Stats().InUse != 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the abandoned transaction still holds its connection: %+v", db.SQL.Stats())
				}
			}
			// Its write is gone, and its lock too: a write goes through.
			if _, err := db.Client.Organization.Create().SetName("Next").SetSlug("next").Save(all); err != nil {
				t.Fatal(err)
			}

			func() {
				defer func() {
					if p := recover(); p != "boom" {
						t.Fatalf("recovered %v, want the function's panic", p)
					}
				}()
				_ = store.InTx(all, db.Client, func(ctx context.Context) error {
					if _, err := store.ClientFrom(ctx, db.Client).Organization.Create().SetName("Panic").SetSlug("panic").Save(ctx); err != nil {
						t.Fatal(err)
					}
					panic("boom")
				})
			}()
			if st := db.SQL.Stats(); st.InUse != 0 {
				t.Fatalf("the panicked transaction still holds its connection: %+v", st)
			}
			slugs, err := db.Client.Organization.Query().Order(ent.Asc(organization.FieldSlug)).Select(organization.FieldSlug).Strings(all)
			if err != nil || len(slugs) != 1 || slugs[0] != "next" {
				t.Fatalf("organizations %v, %v; want only next", slugs, err)
			}
		})
	}
}

// A query meeting a full pool waits with the caller's context: a caller
// with a deadline stops waiting at it.
func TestQueryOnAFullPoolHonoursTheDeadline(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			max := db.SQL.Stats().MaxOpenConnections
			if max == 0 {
				t.Skip("the pool is unbounded")
			}
			var held []*sql.Conn
			for range max {
				c, err := db.SQL.Conn(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			ctx, cancel := context.WithTimeout(viewer.AllTenantsContext(context.Background()), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			if _, err := db.Client.Organization.Query().Count(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("query on a full pool: %v, want the deadline", err)
			}
			if waited := time.Since(start); waited > 5*time.Second {
				t.Fatalf("waited %v for a 200 ms deadline", waited)
			}
		})
	}
}

// Open rows with a cancellable context cost no goroutine waiting for the
// cancellation (database/sql, pgx and modernc.org/sqlite each started one
// per statement), and give their connection back once read to the end or
// closed.
func TestStatementsStartNoCancellationWatcher(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			drv := store.DriverOf(db)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			const open = 5
			query := func() *entsql.Rows {
				var rows entsql.Rows
				if err := drv.Query(ctx, "SELECT 1 UNION ALL SELECT 2", []any{}, &rows); err != nil {
					t.Fatal(err)
				}
				return &rows
			}
			// Warm the pool (connections, their background goroutines).
			var warm []*entsql.Rows
			for range open {
				warm = append(warm, query())
			}
			for _, r := range warm {
				r.Close()
			}
			time.Sleep(50 * time.Millisecond)
			before := runtime.NumGoroutine()
			var rows []*entsql.Rows
			for range open {
				rows = append(rows, query())
			}
			if d := runtime.NumGoroutine() - before; d >= open {
				t.Fatalf("%d open rows started %d goroutines", open, d)
			}
			if st := db.SQL.Stats(); st.InUse != open {
				t.Fatalf("%d open rows hold %d connections", open, st.InUse)
			}
			for i, r := range rows {
				if i%2 == 0 {
					r.Close()
					continue
				}
				n := 0
				for r.Next() {
					n++
				}
				if n != 2 || r.Err() != nil {
					t.Fatalf("read %d rows, %v; want 2", n, r.Err())
				}
			}
			if st := db.SQL.Stats(); st.InUse != 0 {
				t.Fatalf("rows read or closed still hold connections: %+v", st)
			}
		})
	}
}

// Connections the server dropped while idle in the pool are replaced:
// the next statements, transactions included, succeed.
func TestDroppedConnectionsAreReplaced(t *testing.T) {
	if len(backends()) < 2 {
		t.Skip("DATABASE_URL not set")
	}
	url := testenv.FreshPostgres(t)
	db, err := store.Open(context.Background(), store.Options{DatabaseURL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := viewer.AllTenantsContext(context.Background())
	// Fill the pool with several connections.
	var conns []*sql.Conn
	for range 4 {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed < 4 {
		t.Fatalf("terminated %d connections, want the pool's 4", killed)
	}
	time.Sleep(1100 * time.Millisecond) // pgx checks a connection idle for over a second
	for i := range 6 {
		if _, err := db.Client.Organization.Query().Count(ctx); err != nil {
			t.Fatalf("query %d after the server dropped the pool: %v", i, err)
		}
	}
	if err := store.InTx(ctx, db.Client, func(ctx context.Context) error {
		_, err := store.ClientFrom(ctx, db.Client).Organization.Create().SetName("Back").SetSlug("back").Save(ctx)
		return err
	}); err != nil {
		t.Fatalf("transaction after the server dropped the pool: %v", err)
	}
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStatementContext compares the process's CPU time for a query
// and for a one-statement transaction, each given a cancellable context,
// through the ent client (detached contexts) and through ent's own driver
// on the same pool. The two alternate in blocks of 100 operations (ABBA), so a
// machine that speeds up or slows down, or a database that grows, weighs
// on both alike; each reports cpu-ns/op (the goroutines that wait for
// cancellation included; ns/op against PostgreSQL is mostly the wait for
// the server).
func BenchmarkStatementContext(b *testing.B) {
	for _, backend := range backends() {
		b.Run(backend, func(b *testing.B) {
			db, _ := openStore(b, backend)
			base, cancel := context.WithCancel(viewer.AllTenantsContext(context.Background()))
			defer cancel()
			org, err := db.Client.Organization.Create().SetName("Bench").SetSlug("bench").Save(base)
			if err != nil {
				b.Fatal(err)
			}
			clients := []*ent.Client{store.DetachedClient(db), ent.NewClient(ent.Driver(entsql.OpenDB(db.Dialect, db.SQL)))}
			ops := map[string]func(*ent.Client, context.Context) error{
				"get": func(client *ent.Client, ctx context.Context) error {
					_, err := client.Organization.Get(ctx, org.ID)
					return err
				},
				"tx": func(client *ent.Client, ctx context.Context) error {
					return store.InTx(ctx, client, func(ctx context.Context) error {
						return store.ClientFrom(ctx, client).Organization.UpdateOneID(org.ID).SetName("Bench").Exec(ctx)
					})
				},
			}
			for _, name := range []string{"get", "tx"} {
				op := ops[name]
				b.Run(name, func(b *testing.B) {
					const block = 100
					var cpu [2]time.Duration
					var n [2]int
					// ABBA order: a cost that follows the block's place
					// (a collection every other block) weighs on both.
					order := [4]int{0, 1, 1, 0}
					which, start := order[0], processCPU(b)
					for i := 1; b.Loop(); i++ {
						ctx, cancel := context.WithCancel(base)
						if err := op(clients[which], ctx); err != nil {
							b.Fatal(err)
						}
						cancel()
						if i%block == 0 {
							runtime.Gosched() // let woken watchers run inside the block
							now := processCPU(b)
							cpu[which] += now - start
							n[which] += block
							start, which = now, order[(i/block)%4]
						}
					}
					for which, unit := range []string{"detached-cpu-ns/op", "pooled-cpu-ns/op"} {
						if n[which] > 0 {
							b.ReportMetric(float64(cpu[which].Nanoseconds())/float64(n[which]), unit)
						}
					}
				})
			}
		})
	}
}
