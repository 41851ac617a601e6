package store_test

import (
	"context"
	"testing"

	"entgo.io/ent/dialect"
)

// TestOptimizeGathersStatistics: on SQLite, Optimize leaves the planner
// statistics (sqlite_stat1) for the tables that hold rows; elsewhere it is
// a no-op that succeeds.
func TestOptimizeGathersStatistics(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			db, _ := openStore(t, backend)
			ctx := context.Background()
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if backend != dialect.SQLite {
				if err := db.Optimize(ctx); err != nil {
					t.Fatal(err)
				}
				return
			}
			if _, err := db.SQL.ExecContext(ctx, "INSERT INTO organizations (created_at, updated_at, name, slug, default_time_zone, primary_color, secondary_color, google_event_color, microsoft_event_color) VALUES (datetime('now'), datetime('now'), 'A', 'a', 'UTC', '#000000', '#000000', '#000000', '#000000')"); err != nil {
				t.Fatal(err)
			}
			if err := db.Optimize(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatal("PRAGMA optimize left no planner statistics")
			}
		})
	}
}
