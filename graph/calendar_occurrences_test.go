package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"calsync/ent"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func starts(spans []span, loc *time.Location) string {
	var out []string
	for _, s := range spans {
		out = append(out, s.start.In(loc).Format("2006-01-02 15:04")+"+"+s.end.Sub(s.start).String())
	}
	return strings.Join(out, ", ")
}

// TestOccurrences: a single booking is itself when it overlaps; a series
// keeps its wall clock in its zone across a daylight-saving change, drops
// its exceptions, stops at COUNT, includes a date UNTIL's day, and all-day
// series stay on their UTC midnights.
func TestOccurrences(t *testing.T) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    ent.Booking
		w    span
		loc  *time.Location
		want string
	}{
		{"single overlapping", ent.Booking{StartAt: utc("2030-03-04T09:00:00Z"), EndAt: utc("2030-03-04T10:00:00Z")},
			span{utc("2030-03-04T09:30:00Z"), utc("2030-03-05T00:00:00Z")}, time.UTC, "2030-03-04 09:00+1h0m0s"},
		{"single ending at the range start", ent.Booking{StartAt: utc("2030-03-04T09:00:00Z"), EndAt: utc("2030-03-04T10:00:00Z")},
			span{utc("2030-03-04T10:00:00Z"), utc("2030-03-05T00:00:00Z")}, time.UTC, ""},
		{"weekly across the spring change, one exception",
			ent.Booking{StartAt: utc("2030-03-18T06:00:00Z"), EndAt: utc("2030-03-18T06:30:00Z"), TimeZone: "Europe/Helsinki",
				Recurrence: "RRULE:FREQ=WEEKLY;BYDAY=MO", RecurrenceExceptions: []time.Time{utc("2030-03-25T06:00:00Z")}},
			span{utc("2030-03-01T00:00:00Z"), utc("2030-04-09T00:00:00Z")}, helsinki,
			"2030-03-18 08:00+30m0s, 2030-04-01 08:00+30m0s, 2030-04-08 08:00+30m0s"},
		{"started before the range, an occurrence running into it",
			ent.Booking{StartAt: utc("2030-01-01T22:00:00Z"), EndAt: utc("2030-01-02T02:00:00Z"), TimeZone: "UTC", Recurrence: "FREQ=DAILY"},
			span{utc("2030-02-01T00:00:00Z"), utc("2030-02-02T00:00:00Z")}, time.UTC,
			"2030-01-31 22:00+4h0m0s, 2030-02-01 22:00+4h0m0s"},
		{"COUNT", ent.Booking{StartAt: utc("2030-03-04T09:00:00Z"), EndAt: utc("2030-03-04T10:00:00Z"), Recurrence: "FREQ=DAILY;COUNT=3"},
			span{utc("2030-03-01T00:00:00Z"), utc("2030-04-01T00:00:00Z")}, time.UTC,
			"2030-03-04 09:00+1h0m0s, 2030-03-05 09:00+1h0m0s, 2030-03-06 09:00+1h0m0s"},
		{"date UNTIL includes its day", ent.Booking{StartAt: utc("2030-03-04T09:00:00Z"), EndAt: utc("2030-03-04T10:00:00Z"), TimeZone: "Europe/Helsinki",
			Recurrence: "FREQ=DAILY;UNTIL=20300306"},
			span{utc("2030-03-01T00:00:00Z"), utc("2030-04-01T00:00:00Z")}, time.UTC,
			"2030-03-04 09:00+1h0m0s, 2030-03-05 09:00+1h0m0s, 2030-03-06 09:00+1h0m0s"},
		{"all-day monthly, its exception by date", ent.Booking{StartAt: utc("2030-01-15T00:00:00Z"), EndAt: utc("2030-01-16T00:00:00Z"), AllDay: true,
			TimeZone: "America/New_York", Recurrence: "FREQ=MONTHLY", RecurrenceExceptions: []time.Time{utc("2030-02-15T00:00:00Z")}},
			span{utc("2030-01-01T00:00:00Z"), utc("2030-04-01T00:00:00Z")}, time.UTC,
			"2030-01-15 00:00+24h0m0s, 2030-03-15 00:00+24h0m0s"},
		{"a rule that no longer parses shows its first occurrence", ent.Booking{StartAt: utc("2030-03-04T09:00:00Z"), EndAt: utc("2030-03-04T10:00:00Z"), Recurrence: "FREQ=HOURLY"},
			span{utc("2030-03-01T00:00:00Z"), utc("2030-04-01T00:00:00Z")}, time.UTC, "2030-03-04 09:00+1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := starts(occurrences(&tt.b, tt.w), tt.loc); got != tt.want {
				t.Errorf("occurrences = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBookingEntryID: a single booking's entry has its id; each occurrence
// of a recurring one its own id, the same in every view, above every
// entity id.
func TestBookingEntryID(t *testing.T) {
	single := &ent.Booking{ID: 8589934597}
	if got := bookingEntryID(single, utc("2030-03-04T09:00:00Z")); got != single.ID {
		t.Fatalf("single booking entry id = %d, want %d", got, single.ID)
	}
	rec := &ent.Booking{ID: 8589934597, Recurrence: "FREQ=DAILY"}
	a := bookingEntryID(rec, utc("2030-03-04T09:00:00Z"))
	b := bookingEntryID(rec, utc("2030-03-05T09:00:00Z"))
	minutes := utc("2030-03-04T09:00:00Z").Unix() / 60
	if want := rec.ID<<26 + int(minutes); a != want {
		t.Fatalf("occurrence id = %d, want %d", a, want)
	}
	if b-a != 24*60 || a < 1<<59 {
		t.Fatalf("occurrence ids %d and %d", a, b)
	}
}

// TestMergeSpans: overlapping and touching spans join; empty ones go.
func TestMergeSpans(t *testing.T) {
	h := func(n int) time.Time { return utc("2030-03-04T00:00:00Z").Add(time.Duration(n) * time.Hour) }
	got := mergeSpans([]span{{h(5), h(6)}, {h(0), h(2)}, {h(1), h(3)}, {h(3), h(4)}, {h(8), h(8)}})
	if fmt.Sprint(len(got)) != "2" || !got[0].start.Equal(h(0)) || !got[0].end.Equal(h(4)) || !got[1].start.Equal(h(5)) || !got[1].end.Equal(h(6)) {
		t.Fatalf("mergeSpans = %v", got)
	}
}

// TestCalendarLoadersPerOperation: the fields of one operation share the
// calendar loaders, and another operation gets its own.
func TestCalendarLoadersPerOperation(t *testing.T) {
	r := &Resolver{}
	var got []*calendarLoaders
	capture := func(ctx context.Context) graphql.ResponseHandler {
		field := graphql.WithFieldContext(ctx, &graphql.FieldContext{})
		if r.calendarLoaders(ctx) != r.calendarLoaders(field) {
			t.Fatal("two fields of one operation got different calendar loaders")
		}
		got = append(got, r.calendarLoaders(ctx))
		return nil
	}
	r.WithLoaders(context.Background(), capture)
	r.WithLoaders(context.Background(), capture)
	if len(got) != 2 || got[0] == got[1] {
		t.Fatal("two operations share calendar loaders")
	}
	if r.calendarLoaders(context.Background()) == r.calendarLoaders(context.Background()) {
		t.Fatal("calendar loaders shared outside any operation")
	}
}
