package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"calsync/ent"
	"calsync/internal/viewer"
)

// TestOptimizeGathersStatistics: on SQLite, Optimize analyzes a table that
// grew, another connection of the pool plans with the new statistics from
// its next statement on, STAT4 samples an earlier ANALYZE left are gone
// (with them, a statement is compiled again whenever its parameters
// change), and the table is not found due again.
func TestOptimizeGathersStatistics(t *testing.T) {
	db, _ := openStore(t, dialect.SQLite)
	ctx := context.Background()
	other, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
	for _, s := range []string{
		// Samples, as an unlimited ANALYZE (Optimize before this
		// change) left them.
		"CREATE TABLE optimize_sampled (id INTEGER PRIMARY KEY, v INT)",
		"CREATE INDEX optimize_sampled_v ON optimize_sampled (v)",
		rows + "INSERT INTO optimize_sampled (v) SELECT i % 7 FROM n",
		"ANALYZE optimize_sampled",
		// Two indexes an equality can use: without statistics SQLite
		// takes the tenant's index, which holds every row here.
		"CREATE TABLE optimize_probe (id INTEGER PRIMARY KEY, org INT, ref INT)",
		"CREATE INDEX optimize_probe_ref ON optimize_probe (ref)",
		"CREATE INDEX optimize_probe_org ON optimize_probe (org)",
		rows + "INSERT INTO optimize_probe (org, ref) SELECT 1, i FROM n",
	} {
		if _, err := other.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	count := func(query string) int {
		t.Helper()
		var n int
		if err := db.SQL.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("SELECT count(*) FROM sqlite_stat4") == 0 {
		t.Fatal("this SQLite keeps no STAT4 samples: the test proves nothing about them")
	}
	calls := 0
	plan := func() string {
		t.Helper()
		// EXPLAIN alone plans with the schema the connection holds: a
		// statement first, which loads a changed one. (The lookup's text
		// differs each time: the store keeps statements prepared, and a
		// kept EXPLAIN answers what it planned when prepared.)
		calls++
		lookup := fmt.Sprintf("SELECT * FROM optimize_probe WHERE org = 1 AND ref = %d", calls)
		var n int
		if err := other.QueryRowContext(ctx, "SELECT count(*) FROM optimize_probe WHERE ref = 3").Scan(&n); err != nil {
			t.Fatal(err)
		}
		var id, parent, unused int
		var detail string
		if err := other.QueryRowContext(ctx, "EXPLAIN QUERY PLAN "+lookup).Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		return detail
	}
	if p := plan(); !strings.Contains(p, "optimize_probe_org") {
		t.Fatalf("without statistics SQLite plans %q, not the organization index: the probe proves nothing", p)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if p := plan(); !strings.Contains(p, "optimize_probe_ref") {
		t.Errorf("another connection plans %q after Optimize, want the ref index", p)
	}
	if n := count("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'optimize_probe'"); n == 0 {
		t.Error("Optimize left no sqlite_stat1 rows for the table that grew")
	}
	if n := count("SELECT count(*) FROM sqlite_stat4"); n != 0 {
		t.Errorf("Optimize left %d STAT4 samples", n)
	}
	// Analyzed with a sampling limit (the table is larger than it), the
	// table is not found due again: the pass every 15 s stays one query.
	due, err := db.SQL.QueryContext(ctx, "PRAGMA optimize=0x10003")
	if err != nil {
		t.Fatal(err)
	}
	for due.Next() {
		var stmt string
		if err := due.Scan(&stmt); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stmt, "optimize_") {
			t.Errorf("still due after Optimize: %s", stmt)
		}
	}
	due.Close()
	if n := count("SELECT count(*) FROM sqlite_master WHERE name = 'calsync_statistics_changed'"); n != 0 {
		t.Error("Optimize left its schema-change table behind")
	}
}

// TestOptimizeAnalyzesWithoutAutovacuum: on PostgreSQL with autovacuum off
// for a table, Optimize analyzes the table once enough of its rows
// changed, and a booking is then found by its primary key, not by
// scanning its organization's bookings; a table with few changes is left.
func TestOptimizeAnalyzesWithoutAutovacuum(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set")
	}
	db, _ := openStore(t, dialect.Postgres)
	ctx := context.Background()
	for _, table := range []string{"bookings", "organizations"} {
		if _, err := db.SQL.ExecContext(ctx, "ALTER TABLE "+table+" SET (autovacuum_enabled = false)"); err != nil {
			t.Fatal(err)
		}
	}
	analyzedAt := func(table string) (at *time.Time) {
		t.Helper()
		if err := db.SQL.QueryRowContext(ctx, "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = $1", table).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	before := analyzedAt("bookings")
	orgCtx := newOrg(t, db.Client) // one row: under the threshold
	v, _ := viewer.FromContext(orgCtx)
	orgID := v.OrgID
	start := time.Now().Truncate(time.Hour)
	bulk := make([]*ent.BookingCreate, 2000)
	for i := range bulk {
		s := start.Add(time.Duration(i) * time.Hour)
		bulk[i] = db.Client.Booking.Create().SetTitle(fmt.Sprint("b", i)).SetStartAt(s).SetEndAt(s.Add(time.Hour))
	}
	booked, err := db.Client.Booking.CreateBulk(bulk...).Save(orgCtx)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func() string {
		t.Helper()
		var plan []string
		rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf("EXPLAIN SELECT * FROM bookings WHERE id = %d AND organization_id = %d", booked[1000].ID, orgID))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		return strings.Join(plan, "\n")
	}
	if p := lookup(); strings.Contains(p, "bookings_pkey") {
		t.Fatalf("without statistics the lookup already uses the primary key: the test proves nothing\n%s", p)
	}
	orgsAnalyzed := analyzedAt("organizations")
	// PostgreSQL counts the changes a moment after the commit.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if at := analyzedAt("bookings"); at != nil && (before == nil || at.After(*before)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Optimize never analyzed bookings after 2,000 rows were added")
		}
	}
	if p := lookup(); !strings.Contains(p, "bookings_pkey") {
		t.Errorf("a booking's lookup does not use its primary key after Optimize:\n%s", p)
	}
	if at := analyzedAt("organizations"); (at == nil) != (orgsAnalyzed == nil) || at != nil && !at.Equal(*orgsAnalyzed) {
		t.Error("organizations, with one row changed, was analyzed too")
	}
}
