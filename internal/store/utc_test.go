package store_test

import (
	"os"
	"regexp"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/field"

	"calsync/ent"
	"calsync/ent/booking"
	"calsync/ent/migrate"
	"calsync/ent/predicate"
)

// canonicalUTC is how modernc.org/sqlite writes a UTC time.Time
// (t.String() without a monotonic reading).
var canonicalUTC = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$`)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTimesStoredAndComparedInUTC: times with offsets, set by creates,
// bulk creates and updates (required and nillable fields, and defaults
// from time.Now()), are stored as UTC, read back as UTC, and compare as
// instants in predicates; clearing a nillable time still works.
func TestTimesStoredAndComparedInUTC(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			sdb, _ := openStore(t, backend)
			db, sqlDB := sdb.Client, sdb.SQL
			ctx := newOrg(t, db)

			// storedText is the raw column text on SQLite, "" on PostgreSQL.
			storedText := func(t *testing.T, col string, id int) string {
				t.Helper()
				if backend != dialect.SQLite {
					return ""
				}
				var s *string
				if err := sqlDB.QueryRow("SELECT CAST("+col+" AS TEXT) FROM bookings WHERE id = ?", id).Scan(&s); err != nil {
					t.Fatal(err)
				}
				if s == nil {
					return "NULL"
				}
				return *s
			}
			checkUTC := func(t *testing.T, what string, got time.Time, want string) {
				t.Helper()
				if !got.Equal(at(t, want)) || got.Location() != time.UTC {
					t.Fatalf("%s = %v (%v), want %s in UTC", what, got, got.Location(), want)
				}
			}

			start := at(t, "2026-07-01T10:00:00+02:00")
			end := at(t, "2026-07-01T06:00:00-05:00")
			b, err := db.Booking.Create().SetTitle("offsets").SetStartAt(start).SetEndAt(end).
				SetRecurrenceExceptions([]time.Time{at(t, "2026-07-08T10:00:00+02:00")}).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The hook: what Save returns is what was stored.
			checkUTC(t, "created startAt", b.StartAt, "2026-07-01T08:00:00Z")
			checkUTC(t, "created endAt", b.EndAt, "2026-07-01T11:00:00Z")
			checkUTC(t, "created createdAt", b.CreatedAt, b.CreatedAt.UTC().Format(time.RFC3339Nano))
			checkUTC(t, "created recurrence exception", b.RecurrenceExceptions[0], "2026-07-08T08:00:00Z")

			if backend == dialect.SQLite {
				if got := storedText(t, "start_at", b.ID); got != "2026-07-01 08:00:00 +0000 UTC" {
					t.Fatalf("stored start_at = %q", got)
				}
				// time.Now() defaults carry no monotonic reading ("m=+0.01").
				for _, col := range []string{"end_at", "created_at", "updated_at"} {
					if got := storedText(t, col, b.ID); !canonicalUTC.MatchString(got) {
						t.Fatalf("stored %s = %q, want UTC text", col, got)
					}
				}
			}

			// Update a nillable time with an offset, then clear it.
			cancelled := at(t, "2026-06-30T23:30:00-04:00")
			if b, err = db.Booking.UpdateOne(b).SetCancelledAt(cancelled).SetStartAt(at(t, "2026-07-01T09:30:00+01:30")).Save(ctx); err != nil {
				t.Fatal(err)
			}
			checkUTC(t, "updated cancelledAt", *b.CancelledAt, "2026-07-01T03:30:00Z")
			checkUTC(t, "updated startAt", b.StartAt, "2026-07-01T08:00:00Z")
			if backend == dialect.SQLite {
				if got := storedText(t, "cancelled_at", b.ID); got != "2026-07-01 03:30:00 +0000 UTC" {
					t.Fatalf("stored cancelled_at = %q", got)
				}
			}
			read, err := db.Booking.Get(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkUTC(t, "read startAt", read.StartAt, "2026-07-01T08:00:00Z")
			checkUTC(t, "read cancelledAt", *read.CancelledAt, "2026-07-01T03:30:00Z")
			if b, err = db.Booking.UpdateOne(b).ClearCancelledAt().Save(ctx); err != nil {
				t.Fatal(err)
			}
			if b.CancelledAt != nil {
				t.Fatalf("cancelledAt not cleared: %v", b.CancelledAt)
			}
			if backend == dialect.SQLite {
				if got := storedText(t, "cancelled_at", b.ID); got != "NULL" {
					t.Fatalf("stored cancelled_at after clearing = %q", got)
				}
			}

			// Bulk creates go through the same hook and driver.
			bulk, err := db.Booking.CreateBulk(
				db.Booking.Create().SetTitle("bulk 1").SetStartAt(at(t, "2026-07-01T12:00:00+03:00")).SetEndAt(at(t, "2026-07-01T13:00:00+03:00")),
				db.Booking.Create().SetTitle("bulk 2").SetStartAt(at(t, "2026-07-01T05:00:00-07:00")).SetEndAt(at(t, "2026-07-01T06:00:00-07:00")),
			).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkUTC(t, "bulk 1 startAt", bulk[0].StartAt, "2026-07-01T09:00:00Z")
			if backend == dialect.SQLite {
				if got := storedText(t, "start_at", bulk[1].ID); got != "2026-07-01 12:00:00 +0000 UTC" {
					t.Fatalf("bulk stored start_at = %q", got)
				}
			}

			// Predicates with offset times compare instants: bookings at
			// 08:00Z, 09:00Z and 12:00Z (nothing else).
			cases := []struct {
				name string
				pred []predicate.Booking
				want []string
			}{
				{name: "from 08:00Z written +02:00", pred: []predicate.Booking{booking.StartAtGTE(at(t, "2026-07-01T10:00:00+02:00")), booking.StartAtLT(at(t, "2026-07-02T00:00:00Z"))},
					want: []string{"offsets", "bulk 1", "bulk 2"}},
				{name: "after 08:00Z written -05:00", pred: []predicate.Booking{booking.StartAtGT(at(t, "2026-07-01T03:00:00-05:00")), booking.StartAtLT(at(t, "2026-07-02T00:00:00Z"))},
					want: []string{"bulk 1", "bulk 2"}},
				{name: "before 12:00Z written +12:00", pred: []predicate.Booking{booking.StartAtLT(at(t, "2026-07-02T00:00:00+12:00")), booking.StartAtGT(at(t, "2026-01-01T00:00:00Z"))},
					want: []string{"offsets", "bulk 1"}},
				{name: "equal to 09:00Z written +09:00", pred: []predicate.Booking{booking.StartAt(at(t, "2026-07-01T18:00:00+09:00"))},
					want: []string{"bulk 1"}},
			}
			for _, c := range cases {
				got, err := db.Booking.Query().Where(c.pred...).Order(ent.Asc(booking.FieldStartAt)).All(ctx)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				var titles []string
				for _, g := range got {
					titles = append(titles, g.Title)
				}
				if len(titles) != len(c.want) {
					t.Fatalf("%s: got %v, want %v", c.name, titles, c.want)
				}
				for i := range titles {
					if titles[i] != c.want[i] {
						t.Fatalf("%s: got %v, want %v", c.name, titles, c.want)
					}
				}
			}
		})
	}
}

// TestPostgresTimeColumnsAreTimestamptz: every time column ent creates on
// PostgreSQL holds an instant, which is why only SQLite needs the repair.
func TestPostgresTimeColumnsAreTimestamptz(t *testing.T) {
	if os.Getenv("DATABASE_URL") == "" {
		t.Skip("DATABASE_URL is not set")
	}
	sdb, _ := openStore(t, dialect.Postgres)
	n := 0
	for _, tbl := range migrate.Tables {
		for _, c := range tbl.Columns {
			if c.Type != field.TypeTime {
				continue
			}
			var typ string
			if err := sdb.SQL.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, tbl.Name, c.Name).Scan(&typ); err != nil {
				t.Fatalf("%s.%s: %v", tbl.Name, c.Name, err)
			}
			if typ != "timestamp with time zone" {
				t.Errorf("%s.%s is %s, want timestamp with time zone", tbl.Name, c.Name, typ)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no time columns in the schema")
	}
}
