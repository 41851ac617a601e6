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

// TestOptimizeGathersStatistics: on SQLite, Optimize leaves the planner
// statistics (sqlite_stat1) for the tables that hold rows.
func TestOptimizeGathersStatistics(t *testing.T) {
	db, _ := openStore(t, dialect.SQLite)
	ctx := context.Background()
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
	// Statistics of the empty tables: what a new installation has.
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE bookings; ANALYZE organizations"); err != nil {
		t.Fatal(err)
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
	var plan []string
	rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf("EXPLAIN SELECT * FROM bookings WHERE id = %d AND organization_id = %d", booked[1000].ID, orgID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	rows.Close()
	if !strings.Contains(strings.Join(plan, "\n"), "bookings_pkey") {
		t.Errorf("a booking's lookup does not use its primary key after Optimize:\n%s", strings.Join(plan, "\n"))
	}
	var orgMods int
	if err := db.SQL.QueryRowContext(ctx, "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'organizations'").Scan(&orgMods); err != nil {
		t.Fatal(err)
	}
	if orgMods == 0 {
		t.Error("organizations, with one row changed, was analyzed too")
	}
}
