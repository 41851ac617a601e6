package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
)

// Optimize refreshes the query planner's statistics where they are stale
// (SQLite's PRAGMA optimize: ANALYZE of the tables whose size changed).
// Without statistics SQLite takes any equality on an indexed column for a
// good filter and may pick the organization index over a selective one,
// scanning every row of a tenant — what made a change to one booking cost
// more the more bookings the calendar held. On PostgreSQL it is a plain
// (sampled) ANALYZE. The app runs it after migrating and then every hour.
func (db *DB) Optimize(ctx context.Context) error {
	stmt := "PRAGMA optimize"
	if db.Dialect != dialect.SQLite {
		// Autovacuum analyzes on its own schedule; a sampled ANALYZE now
		// covers tables that grew faster than it looked.
		stmt = "ANALYZE"
	}
	if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}
