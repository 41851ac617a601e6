package store_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"calsync/internal/store"
	"calsync/internal/testenv"
)

// The PostgreSQL pool never holds more connections than MaxConns, however
// many callers want one at once, and keeps them open for the next caller
// (database/sql's default kept 2 and opened a new one per transaction past
// them, with no upper bound below the server's max_connections).
func TestPostgresPoolIsBoundedAndKept(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL not set")
	}
	url := testenv.FreshPostgres(t)
	db, err := store.Open(context.Background(), store.Options{DatabaseURL: url, MaxConns: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if _, err := db.SQL.Exec("SELECT pg_sleep(0.02)"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var server int
	if err := db.SQL.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()").Scan(&server); err != nil {
		t.Fatal(err)
	}
	st := db.SQL.Stats()
	if st.MaxOpenConnections != 3 || st.OpenConnections > 3 || server > 3 {
		t.Fatalf("pool: %+v, %d server connections; want at most 3", st, server)
	}
	if st.MaxIdleClosed > 0 || st.Idle != st.OpenConnections {
		t.Fatalf("connections were closed instead of kept: %+v", st)
	}
	if st.WaitCount == 0 {
		t.Fatalf("12 callers never waited for 3 connections: %+v", st)
	}
}
