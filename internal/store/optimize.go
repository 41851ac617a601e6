package store

import (
	"context"
	"database/sql"
	"fmt"

	"entgo.io/ent/dialect"
)

// Optimize refreshes the query planner's statistics where they are stale.
//
// Without fresh statistics a planner may take the organization index for
// as good a filter as the primary key, and fetch one booking by scanning
// every booking of its tenant: what made a change to one booking cost
// more the more bookings the calendar held (on PostgreSQL with autovacuum
// off, a booking's lookup took 0.26 ms at a few hundred bookings and 1 ms
// at 1,700).
//
//   - SQLite: the ANALYZE that PRAGMA optimize finds due (tables whose
//     size changed tenfold since their last one); see optimizeSQLite.
//   - PostgreSQL: autovacuum keeps the statistics itself, when it runs.
//     Where it is off (for the server, or for a table), Optimize does what
//     its analyze would: it analyzes each table of the schema, owned by
//     this role, whose rows changed since the last analysis by more than
//     autovacuum's threshold (autovacuum_analyze_threshold +
//     autovacuum_analyze_scale_factor × rows; a table's own settings
//     first). SKIP_LOCKED leaves a table another worker is analyzing.
//
// Workers run it every optimizeEvery (internal/app), not at start-up: when
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
// analyze now, were it on for them, and that this role may analyze
// (quoted, schema-qualified). A table ANALYZE would skip with a warning
// (another role's) is left out: it would be found again every pass.
func (db *DB) staleTables(ctx context.Context) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, `
WITH t AS (
  SELECT s.schemaname, s.relname, s.n_mod_since_analyze, greatest(c.reltuples, 0) AS reltuples,
         (SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_enabled') AS enabled,
         (SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_analyze_threshold') AS threshold,
         (SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_analyze_scale_factor') AS scale
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.schemaname = current_schema() AND pg_has_role(c.relowner, 'USAGE')
)
SELECT format('%I.%I', schemaname, relname) FROM t
WHERE (current_setting('autovacuum')::bool = false OR enabled::bool = false)
  AND n_mod_since_analyze > coalesce(threshold::float8, current_setting('autovacuum_analyze_threshold')::float8)
      + coalesce(scale::float8, current_setting('autovacuum_analyze_scale_factor')::float8) * reltuples
ORDER BY relname`)
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

// optimizeSQLite runs the ANALYZE statements PRAGMA optimize finds due,
// without STAT4 samples, and has every connection of the pool plan with
// the result.
//
//   - This SQLite is built with STAT4: an unlimited ANALYZE also keeps
//     samples of indexed values, and a statement whose parameter meets a
//     sampled column is then compiled again whenever it runs with new
//     values, to fit its plan to them. That undid the statement cache:
//     re-preparing took 4 % of the push bench's CPU. Calsync's lookups
//     need only sqlite_stat1's averages (a primary key against a tenant's
//     rows). So samples left by an earlier ANALYZE are deleted, and the
//     ANALYZE runs with an analysis limit, as PRAGMA optimize itself does
//     (a sample of a large table's rows, not all of them: the one writer
//     waits meanwhile); SQLite keeps no samples then.
//   - A connection loads the statistics with the schema, and an ANALYZE
//     does not change the schema's version: the other connections would
//     plan on with what they loaded. A table created and dropped, in one
//     transaction, changes it, and each connection loads the schema again
//     before its next statement.
//
// 0x10003 lists (0x1) the ANALYZE statements due (0x2) on every table
// (0x10000), not only those this connection happened to query. When none
// is due and no sample is left, nothing else is done.
func (db *DB) optimizeSQLite(ctx context.Context) error {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	due, err := column(ctx, conn, "PRAGMA optimize=0x10003")
	if err != nil {
		return err
	}
	// sqlite_stat4 itself is missing until an ANALYZE made it.
	samples, err := column(ctx, conn, "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat4'")
	if err == nil && len(samples) > 0 {
		samples, err = column(ctx, conn, "SELECT tbl FROM sqlite_stat4 LIMIT 1")
	}
	if err != nil {
		return err
	}
	if len(due) == 0 && len(samples) == 0 {
		return nil
	}
	// From here on the statistics change: a stop in the middle must not
	// leave them half done (a connection would keep samples, or the
	// others the old statistics).
	ctx = context.WithoutCancel(ctx)
	if len(samples) > 0 {
		if _, err := conn.ExecContext(ctx, "DELETE FROM sqlite_stat4"); err != nil {
			return err
		}
	}
	if len(due) > 0 {
		// The connection goes back to the pool: the limit is undone.
		if _, err := conn.ExecContext(ctx, "PRAGMA analysis_limit=2000"); err != nil {
			return err
		}
		defer func() { _, _ = conn.ExecContext(ctx, "PRAGMA analysis_limit=0") }()
		for _, stmt := range due {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, stmt := range []string{"CREATE TABLE IF NOT EXISTS calsync_statistics_changed (x)", "DROP TABLE calsync_statistics_changed"} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// column runs a query of one text column on conn.
func column(ctx context.Context, conn *sql.Conn, query string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
