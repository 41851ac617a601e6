package twoway_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/internal/domain"
	"calsync/internal/testenv"
)

// occurrenceLive reports whether the occurrence of series seriesID that
// the series puts at start is in the calendar at the provider.
func (f *fixture) occurrenceLive(t *testing.T, seriesID string, start time.Time) bool {
	t.Helper()
	_, _, _, ok := f.occurrenceAt(t, seriesID, start)
	return ok
}

// cancelOccurrence deletes one occurrence of a series at the provider, as
// its owner would.
func (f *fixture) cancelOccurrence(t *testing.T, seriesID string, start time.Time) {
	t.Helper()
	f.remove(t, f.occurrenceID(t, seriesID, start))
}

// An occurrence of a booking's series cancelled in the fieldworker's
// calendar becomes an exception of the booking; one cancelled in Calsync
// leaves the calendar. Nothing echoes.
func TestOccurrencesCancelledBothWays(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-occ-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 7)
		bid := f.book(t, "Daily check", start, start.Add(30*time.Minute), "FREQ=DAILY;COUNT=5")
		series := f.eventOf(t, bid)
		f.settle(t)
		day := func(n int) time.Time { return start.AddDate(0, 0, n) }
		if !f.occurrenceLive(t, series, day(2)) {
			t.Fatal("the third occurrence is not at the provider")
		}

		// Cancelled at the provider: an exception in Calsync.
		f.cancelOccurrence(t, series, day(2))
		until(t, "the cancelled occurrence becomes an exception", func() (bool, string) {
			b := f.booking(t, bid)
			return slices.ContainsFunc(b.RecurrenceExceptions, func(x time.Time) bool { return x.Equal(day(2)) }),
				fmt.Sprint(b.RecurrenceExceptions)
		})
		f.quiet(t)
		if b := f.booking(t, bid); len(b.RecurrenceExceptions) != 1 || b.CancelledAt != nil {
			t.Fatalf("booking after the cancelled occurrence: exceptions %v, cancelled %v", b.RecurrenceExceptions, b.CancelledAt)
		}
		for _, n := range []int{0, 1, 3, 4} {
			if !f.occurrenceLive(t, series, day(n)) {
				t.Fatalf("occurrence %d is gone at the provider", n)
			}
		}

		// Cancelled in Calsync: gone from the calendar.
		f.admin.MustDo(t, `mutation($id:ID!,$x:[Time!]){updateBooking(id:$id,input:{appendRecurrenceExceptions:$x}){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "x": []time.Time{day(3)}}, nil)
		until(t, "the occurrence cancelled in Calsync leaves the calendar", func() (bool, string) {
			return !f.occurrenceLive(t, series, day(3)), ""
		})
		f.quiet(t)
		if b := f.booking(t, bid); len(b.RecurrenceExceptions) != 2 {
			t.Fatalf("exceptions %v", b.RecurrenceExceptions)
		}
		for _, n := range []int{0, 1, 4} {
			if !f.occurrenceLive(t, series, day(n)) {
				t.Fatalf("occurrence %d is gone at the provider", n)
			}
		}
	})
}

// A series of Calsync's moved as a whole at the provider (its first
// occurrence's time) moves the booking; no occurrence is taken as
// cancelled.
func TestSeriesMovedAtProvider(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-ser-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(3, 6)
		bid := f.book(t, "Morning round", start, start.Add(45*time.Minute), "FREQ=DAILY;COUNT=3")
		series := f.eventOf(t, bid)
		f.settle(t)
		moved := start.Add(90 * time.Minute)
		f.patch(t, series, "", moved, moved.Add(45*time.Minute))
		until(t, "the booking follows the series", func() (bool, string) {
			b := f.booking(t, bid)
			return b.StartAt.Equal(moved) && b.EndAt.Equal(moved.Add(45*time.Minute)), fmt.Sprintf("%v–%v", b.StartAt, b.EndAt)
		})
		f.quiet(t)
		b := f.booking(t, bid)
		if len(b.RecurrenceExceptions) != 0 || b.Recurrence != "FREQ=DAILY;COUNT=3" || b.CancelledAt != nil {
			t.Fatalf("booking after the move: %q, exceptions %v, cancelled %v", b.Recurrence, b.RecurrenceExceptions, b.CancelledAt)
		}
		for n := range 3 {
			if !f.occurrenceLive(t, series, moved.AddDate(0, 0, n)) {
				t.Fatalf("occurrence %d is not at the moved time", n)
			}
		}
		if n, err := f.env.App.Client().SyncConflict.Query().Count(f.sys()); err != nil || n != 0 {
			t.Fatalf("%d conflicts (%v)", n, err)
		}
	})
}

// createSeries makes a daily series of n occurrences in the destination
// calendar as its owner would, and returns the series' id.
func (f *fixture) createSeries(t *testing.T, title string, start time.Time, length time.Duration, n int) string {
	t.Helper()
	emu := f.env.App.Emulators
	var raw json.RawMessage
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		body, _ := json.Marshal(map[string]any{"summary": title,
			"start":      map[string]any{"dateTime": start.Format(time.RFC3339), "timeZone": "UTC"},
			"end":        map[string]any{"dateTime": start.Add(length).Format(time.RFC3339), "timeZone": "UTC"},
			"recurrence": []string{fmt.Sprintf("RRULE:FREQ=DAILY;COUNT=%d", n)}})
		raw, err = emu.Google.InsertEventAsUser(f.org.Fieldworker.Email, body)
	} else {
		body, _ := json.Marshal(map[string]any{"subject": title,
			"start": map[string]any{"dateTime": start.Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
			"end":   map[string]any{"dateTime": start.Add(length).Format("2006-01-02T15:04:05"), "timeZone": "UTC"},
			"recurrence": map[string]any{
				"pattern": map[string]any{"type": "daily", "interval": 1},
				"range":   map[string]any{"type": "numbered", "startDate": start.Format("2006-01-02"), "numberOfOccurrences": n},
			}})
		raw, err = emu.Microsoft.CreateEvent(f.org.Fieldworker.Email, "default", body)
	}
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ ID string }
	if err := json.Unmarshal(raw, &ev); err != nil || ev.ID == "" {
		t.Fatalf("created series: %s", raw)
	}
	return ev.ID
}

// A series the fieldworker makes becomes a recurring booking (not a
// second series); its cancelled occurrences become exceptions, and moving
// it moves the booking.
func TestProviderSeriesBecomesRecurringBooking(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-pser-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 15)
		series := f.createSeries(t, "Piano lessons", start, time.Hour, 4)
		until(t, "a recurring booking is made", func() (bool, string) {
			b := f.bookingOf(t, series)
			return b != nil, ""
		})
		b := f.bookingOf(t, series)
		if b.Recurrence != "FREQ=DAILY;COUNT=4" || !b.StartAt.Equal(start) || !b.EndAt.Equal(start.Add(time.Hour)) || b.Title != "Piano lessons" {
			t.Fatalf("booking made from the series: %q %v–%v %q", b.Recurrence, b.StartAt, b.EndAt, b.Title)
		}
		f.quiet(t)
		masters := 0
		for _, e := range f.events(t) {
			if e.Title == "Piano lessons" {
				masters++
			}
		}
		if masters != 1 {
			t.Fatalf("%d series titled Piano lessons at the provider, want 1", masters)
		}
		if n, _ := f.env.App.Client().ExternalEvent.Query().Count(f.sys()); n != 0 {
			t.Fatalf("%d of its occurrences were imported as busy time too", n)
		}

		f.cancelOccurrence(t, series, start.AddDate(0, 0, 1))
		until(t, "the cancelled occurrence becomes an exception", func() (bool, string) {
			b := f.booking(t, b.ID)
			return len(b.RecurrenceExceptions) == 1 && b.RecurrenceExceptions[0].Equal(start.AddDate(0, 0, 1)), fmt.Sprint(b.RecurrenceExceptions)
		})
		f.quiet(t)
		if !f.occurrenceLive(t, series, start.AddDate(0, 0, 2)) {
			t.Fatal("the third occurrence went too")
		}
	})
}

// Every occurrence of a series cancelled at the provider, one by one,
// becomes an exception of its booking: that none is left where the booking
// puts it is not taken for a change of the whole series.
func TestEveryOccurrenceCancelledAtProvider(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-occall-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 11)
		bid := f.book(t, "Two checks", start, start.Add(time.Hour), "FREQ=DAILY;COUNT=2")
		series := f.eventOf(t, bid)
		f.settle(t)
		f.cancelOccurrence(t, series, start)
		f.cancelOccurrence(t, series, start.AddDate(0, 0, 1))
		until(t, "both occurrences become exceptions", func() (bool, string) {
			b := f.booking(t, bid)
			return len(b.RecurrenceExceptions) == 2, fmt.Sprint(b.RecurrenceExceptions)
		})
		f.quiet(t)
	})
}
