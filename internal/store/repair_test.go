package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"calsync/ent/booking"
	"calsync/internal/store"
)

// TestMigrateRepairsOffsetTimes: values the old code stored with an
// offset ("2026-07-01 10:00:00 +0200 +0200", unreadable, and "+0200
// CEST", readable but compared as text) become the same instant in UTC
// text; UTC values keep their exact text; a second run finds nothing.
func TestMigrateRepairsOffsetTimes(t *testing.T) {
	db, logs := openStore(t, dialect.SQLite)
	ctx := newOrg(t, db.Client)
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	broken, err := db.Client.Booking.Create().SetTitle("broken").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good, err := db.Client.Booking.Create().SetTitle("good").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// As the old code stored them: t.String() of the caller's time.
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE bookings SET start_at = '2026-07-01 10:00:00 +0200 +0200', end_at = '2026-07-01 04:00:00.5 -0500 -0500',
		cancelled_at = '2026-07-01 10:30:00 +0200 CEST', updated_at = '2026-06-01 12:00:00.123456789 +0200 CEST m=+0.003' WHERE id = ?`, broken.ID)
	// A good row as time.Now() wrote it under a UTC local zone.
	const goodUpdated = "2026-06-01 10:00:00.123456789 +0000 UTC m=+0.003009"
	exec(`UPDATE bookings SET updated_at = ? WHERE id = ?`, goodUpdated, good.ID)
	text := func(col string, id int) string {
		t.Helper()
		var s string
		if err := db.SQL.QueryRow(`SELECT CAST(`+col+` AS TEXT) FROM bookings WHERE id = ?`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	goodBefore := map[string]string{}
	for _, col := range []string{"start_at", "end_at", "created_at", "updated_at"} {
		goodBefore[col] = text(col, good.ID)
	}
	if _, err := db.Client.Booking.Get(ctx, broken.ID); err == nil {
		t.Fatal("the broken row reads before the repair: the test does not reproduce the bug")
	}
	asPreviousRelease(t, db)

	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "rewrote times stored with a zone offset"); n != 1 || !strings.Contains(logs.String(), "values=4") {
		t.Fatalf("want one log line counting 4 values, got:\n%s", logs)
	}
	b, err := db.Client.Booking.Get(ctx, broken.ID)
	if err != nil {
		t.Fatalf("read after repair: %v", err)
	}
	for _, c := range []struct {
		name      string
		got       time.Time
		want      string
		col, text string
	}{
		{"startAt", b.StartAt, "2026-07-01T08:00:00Z", "start_at", "2026-07-01 08:00:00 +0000 UTC"},
		{"endAt", b.EndAt, "2026-07-01T09:00:00.5Z", "end_at", "2026-07-01 09:00:00.5 +0000 UTC"},
		{"cancelledAt", *b.CancelledAt, "2026-07-01T08:30:00Z", "cancelled_at", "2026-07-01 08:30:00 +0000 UTC"},
		{"updatedAt", b.UpdatedAt, "2026-06-01T10:00:00.123456789Z", "updated_at", "2026-06-01 10:00:00.123456789 +0000 UTC"},
	} {
		if got := c.got.Format(time.RFC3339Nano); got != c.want || c.got.Location() != time.UTC {
			t.Errorf("%s = %s (%v), want %s", c.name, got, c.got.Location(), c.want)
		}
		if got := text(c.col, broken.ID); got != c.text {
			t.Errorf("stored %s = %q, want %q", c.col, got, c.text)
		}
	}
	for col, before := range goodBefore {
		if got := text(col, good.ID); got != before {
			t.Errorf("good row's %s changed from %q to %q", col, before, got)
		}
	}
	if goodBefore["updated_at"] != goodUpdated {
		t.Fatalf("setup: good updated_at = %q", goodBefore["updated_at"])
	}

	// Ordering by the repaired column is by instant again.
	n, err := db.Client.Booking.Query().Where(booking.StartAtLT(time.Date(2026, 7, 1, 8, 0, 1, 0, time.UTC))).Count(ctx)
	if err != nil || n != 2 {
		t.Fatalf("bookings starting before 08:00:01Z = %d, %v; want 2", n, err)
	}

	logs.Reset()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Fatalf("second migration logged:\n%s", logs)
	}
	if got := text("start_at", broken.ID); got != "2026-07-01 08:00:00 +0000 UTC" {
		t.Fatalf("second migration changed start_at to %q", got)
	}
}

// TestMigrateReportsUnreadableTimes: a value in no time format is left as
// it is and reported, and does not stop the migration.
func TestMigrateReportsUnreadableTimes(t *testing.T) {
	db, logs := openStore(t, dialect.SQLite)
	ctx := newOrg(t, db.Client)
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	b, err := db.Client.Booking.Create().SetTitle("x").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.Exec(`UPDATE bookings SET start_at = 'next tuesday' WHERE id = ?`, b.ID); err != nil {
		t.Fatal(err)
	}
	asPreviousRelease(t, db)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "left as they are") || !strings.Contains(logs.String(), "bookings.start_at:1") {
		t.Fatalf("unreadable value not reported:\n%s", logs)
	}
	var s string
	if err := db.SQL.QueryRow(`SELECT CAST(start_at AS TEXT) FROM bookings WHERE id = ?`, b.ID).Scan(&s); err != nil || s != "next tuesday" {
		t.Fatalf("start_at = %q, %v", s, err)
	}
}

// asPreviousRelease marks the database as one an earlier release wrote
// (user_version 0), whose times may need the repair.
func asPreviousRelease(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.SQL.Exec("PRAGMA user_version = 0"); err != nil {
		t.Fatal(err)
	}
}

// TestTimeRepairRunsOnce: once a database is repaired (or created by this
// release), later starts do not scan its tables again.
func TestTimeRepairRunsOnce(t *testing.T) {
	db, _ := openStore(t, dialect.SQLite)
	ctx := newOrg(t, db.Client)
	start := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	b, err := db.Client.Booking.Create().SetTitle("x").SetStartAt(start).SetEndAt(start.Add(time.Hour)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const bad = "2026-07-01 10:00:00 +0200 +0200"
	if _, err := db.SQL.Exec(`UPDATE bookings SET start_at = ? WHERE id = ?`, bad, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.SQL.QueryRow(`SELECT CAST(start_at AS TEXT) FROM bookings WHERE id = ?`, b.ID).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != bad {
		t.Fatalf("a database already repaired was scanned again: start_at is now %q", got)
	}
}
