package store

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"
)

// Optimize refreshes the query planner's statistics where they are stale.
//
// Without fresh statistics a planner may take the organization index for
// as good a filter as the primary key, and fetch one booking by scanning
// every booking of its tenant: what made a change to one booking cost
// more the more bookings the calendar held (a booking's lookup reached
// 1 ms at 1,700 bookings on PostgreSQL, 0.01 ms once analyzed).
//
//   - SQLite: the ANALYZE that PRAGMA optimize finds due (tables whose
//     size changed tenfold since their last one); see optimizeSQLite.
//   - PostgreSQL: autovacuum keeps the statistics itself, when it runs.
//     Where it is off (for the server, or for a table), Optimize does what
//     its analyze would: it analyzes each table of the schema whose rows
//     changed since the last analysis by more than autovacuum's threshold
//     (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor ×
//     rows). SKIP_LOCKED leaves a table another worker is analyzing.
//
// Workers run it every statsEvery (internal/app), not at start-up: when
// nothing changed it costs one query.
func (db *DB) Optimize(ctx context.Context) error {
	switch db.Dialect {
	case dialect.SQLite:
		if err := db.optimizeSQLite(ctx); err != nil {
			return fmt.Errorf("store: optimize: %w", err)
		}
	case dialect.Postgres:
		tables, err := db.staleTables(ctx)
		if err != nil {
			return fmt.Errorf("store: optimize: %w", err)
		}
		for _, t := range tables {
			if _, err := db.SQL.ExecContext(ctx, "ANALYZE (SKIP_LOCKED) "+t); err != nil {
				return fmt.Errorf("store: optimize: analyze %s: %w", t, err)
			}
		}
	}
	return nil
}

// staleTables are the tables of the current schema that autovacuum would
// analyze now, were it on for them (quoted, schema-qualified).
func (db *DB) staleTables(ctx context.Context) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, `
SELECT format('%I.%I', s.schemaname, s.relname)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.schemaname = current_schema()
  AND (current_setting('autovacuum') = 'off'
       OR coalesce(array_to_string(c.reloptions, ','), '') ~* 'autovacuum_enabled=(false|off|no|0)')
  AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
      + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
ORDER BY s.relname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// optimizeSQLite analyzes what PRAGMA optimize finds due, without STAT4
// samples.
//
// This SQLite is built with STAT4: ANALYZE also keeps samples of indexed
// values, and a statement whose parameter meets a sampled column is then
// compiled again whenever it runs with new values, to fit its plan to
// them. That undid the statement cache: re-preparing took 4 % of the push
// bench's CPU. Calsync's lookups need only sqlite_stat1's averages (a
// primary key against a tenant's rows), so the samples are dropped. The
// other connections of the pool load the statistics again at their next
// statement once the schema changes, so a table is created and dropped
// after the samples go (otherwise one that reloaded between the ANALYZE
// and the deletion would keep them).
//
// 0x10003 lists (0x1) the ANALYZE statements (0x2) due on every table
// (0x10000), not only those this connection happened to query. When none
// is due, nothing else is done.
func (db *DB) optimizeSQLite(ctx context.Context) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "PRAGMA optimize=0x10003")
	if err != nil {
		return err
	}
	var due []string
	for rows.Next() {
		var stmt string
		if err := rows.Scan(&stmt); err != nil {
			rows.Close()
			return err
		}
		due = append(due, stmt)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(due) == 0 {
		return nil
	}
	// As PRAGMA optimize itself does: each ANALYZE reads a sample of a
	// large table's rows, not all of them (it holds the one writer).
	// The connection goes back to the pool: the limit is undone.
	if _, err := conn.ExecContext(ctx, "PRAGMA analysis_limit=2000"); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA analysis_limit=0") }()
	for _, stmt := range due {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	var stat4 int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat4'").Scan(&stat4); err != nil {
		return err
	}
	if stat4 == 0 {
		return nil // a SQLite without STAT4: the ANALYZE reaches every connection as it is
	}
	after := []string{"DELETE FROM sqlite_stat4", "CREATE TABLE calsync_statistics_changed (x)", "DROP TABLE calsync_statistics_changed"}
	for _, stmt := range after {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
