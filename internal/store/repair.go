package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/field"

	"calsync/ent/migrate"
)

// utcGlob matches the text modernc.org/sqlite writes for a UTC time
// (t.String(): "2006-01-02 15:04:05.999999999 +0000 UTC", with
// " m=+0.01" after it for a reading of time.Now()).
const utcGlob = "* +0000 UTC*"

// timesRepairedVersion is the SQLite user_version from which stored times
// are known to be UTC (databases of earlier releases are 0).
const timesRepairedVersion = 1

// repairOffsetTimes rewrites, on SQLite, the time values stored before
// times were normalized to UTC (see utc.go): "2026-07-01 10:00:00 +0200
// +0200", which the driver cannot read back, and any other zone's text,
// which SQLite compares as a string and so orders wrongly. Each becomes
// the same instant in UTC, written by the driver as every new value is.
// Values already in UTC are neither read nor written: one query per table
// with time columns, whose GLOB filter returns only the rows to repair.
// PostgreSQL stores timestamptz (an instant) and needs no repair.
//
// The repair runs once per database: PRAGMA user_version records it, so
// later starts do not scan every table again.
func (d *DB) repairOffsetTimes(ctx context.Context) error {
	if d.Dialect != dialect.SQLite {
		return nil
	}
	var version int
	if err := d.SQL.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if version >= timesRepairedVersion {
		return nil
	}

	var fixes []timeFix
	unreadable := map[string]int{}
	for _, t := range migrate.Tables {
		var cols []string
		for _, c := range t.Columns {
			if c.Type == field.TypeTime {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		f, err := findOffsetTimes(ctx, d.SQL, t.Name, cols, unreadable)
		if err != nil {
			return err
		}
		fixes = append(fixes, f...)
	}
	if len(fixes) > 0 {
		if err := applyTimeFixes(ctx, d.SQL, fixes); err != nil {
			return err
		}
		perColumn := map[string]int{}
		for _, f := range fixes {
			perColumn[f.table+"."+f.column]++
		}
		d.log.Warn("store: rewrote times stored with a zone offset as UTC",
			slog.Int("values", len(fixes)), slog.Any("columns", perColumn))
	}
	if len(unreadable) > 0 {
		d.log.Error("store: time values in no known format left as they are", slog.Any("columns", unreadable))
	}
	if _, err := d.SQL.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", timesRepairedVersion)); err != nil {
		return fmt.Errorf("store: record the time repair: %w", err)
	}
	return nil
}

// timeFix is one stored value and the UTC instant it names.
type timeFix struct {
	table, column string
	rowid         int64
	old           string
	utc           time.Time
}

// findOffsetTimes reads the time values of table that are not stored in
// UTC; values it cannot parse are counted in unreadable by column.
func findOffsetTimes(ctx context.Context, db *sql.DB, table string, cols []string, unreadable map[string]int) ([]timeFix, error) {
	sel := make([]string, len(cols))
	where := make([]string, len(cols))
	for i, c := range cols {
		// CAST: the declared DATETIME type would make the driver parse
		// the value, and the unparseable ones are the ones we want.
		sel[i] = "CAST(" + quoteIdent(c) + " AS TEXT)"
		where[i] = fmt.Sprintf("(typeof(%[1]s) = 'text' AND %[1]s NOT GLOB '%[2]s')", quoteIdent(c), utcGlob)
	}
	q := fmt.Sprintf("SELECT rowid, %s FROM %s WHERE %s", strings.Join(sel, ", "), quoteIdent(table), strings.Join(where, " OR "))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("find offset times in %s: %w", table, err)
	}
	defer rows.Close()
	var fixes []timeFix
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols)+1)
	for i := range vals {
		dest[i+1] = &vals[i]
	}
	for rows.Next() {
		var rowid int64
		dest[0] = &rowid
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("find offset times in %s: %w", table, err)
		}
		for i, v := range vals {
			if !v.Valid || strings.Contains(v.String, " +0000 UTC") {
				continue
			}
			t, ok := parseStoredTime(v.String)
			if !ok {
				unreadable[table+"."+cols[i]]++
				continue
			}
			fixes = append(fixes, timeFix{table: table, column: cols[i], rowid: rowid, old: v.String, utc: t.UTC()})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find offset times in %s: %w", table, err)
	}
	return fixes, nil
}

// applyTimeFixes writes the fixes in one transaction. Each update names
// the value it replaces, so a value changed since it was read stays.
func applyTimeFixes(ctx context.Context, db *sql.DB, fixes []timeFix) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("repair offset times: %w", err)
	}
	defer tx.Rollback()
	for _, f := range fixes {
		q := fmt.Sprintf("UPDATE %s SET %s = ? WHERE rowid = ? AND CAST(%[2]s AS TEXT) = ?", quoteIdent(f.table), quoteIdent(f.column))
		// A time.Time parameter: the driver writes it exactly as it
		// writes every new value.
		if _, err := tx.ExecContext(ctx, q, f.utc, f.rowid, f.old); err != nil {
			return fmt.Errorf("repair offset times in %s.%s: %w", f.table, f.column, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("repair offset times: %w", err)
	}
	return nil
}

// storedTimeFormats are the layouts modernc.org/sqlite reads a DATETIME
// value in (besides t.String(), handled first); values without a zone are
// UTC, as the driver reads them.
var storedTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseStoredTime parses a stored time value. t.String()'s zone
// abbreviation is ignored: for a fixed offset it is the offset again
// ("+0200 +0200"), which time.Parse does not accept as a name.
func parseStoredTime(s string) (time.Time, bool) {
	if i := strings.Index(s, " m="); i >= 0 {
		s = s[:i]
	}
	if f := strings.Fields(s); len(f) >= 3 {
		if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700", f[0]+" "+f[1]+" "+f[2]); err == nil {
			return t, true
		}
	}
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range storedTimeFormats {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
