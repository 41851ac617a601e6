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
// more the more bookings the calendar held. PostgreSQL's autovacuum keeps
// its statistics itself: nothing to do there. A worker runs it every hour,
// not at start-up (every process start would pay for it). 0x10002 checks
// every table, not only those this pool connection happened to query.
func (db *DB) Optimize(ctx context.Context) error {
	if db.Dialect != dialect.SQLite {
		return nil
	}
	if _, err := db.SQL.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}
