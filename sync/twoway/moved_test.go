package twoway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/internal/domain"
	"calsync/internal/recurrence"
	"calsync/internal/testenv"
)

// occurrenceAt is where the occurrence of series seriesID that the series
// puts at original is at the provider, with its title; ok is false when
// it is not there.
func (f *fixture) occurrenceAt(t *testing.T, seriesID string, original time.Time) (start, end time.Time, title string, ok bool) {
	t.Helper()
	if f.kit.Provider == domain.ProviderGoogle {
		id := seriesID + "_" + original.UTC().Format("20060102T150405Z")
		res, err := http.Get(f.env.Server.URL + "/_emulator/google/calendars/" + url.PathEscape(f.org.Fieldworker.Email) + "/events/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var ev struct {
			Status, Summary string
			Start, End      struct{ DateTime string }
		}
		_ = json.NewDecoder(res.Body).Decode(&ev)
		if res.StatusCode != http.StatusOK || ev.Status == "cancelled" || f.googleExcluded(t, seriesID, original) {
			return start, end, "", false
		}
		s, _ := time.Parse(time.RFC3339, ev.Start.DateTime)
		e, _ := time.Parse(time.RFC3339, ev.End.DateTime)
		return s.UTC(), e.UTC(), ev.Summary, true
	}
	if in, ok := f.graphInstance(t, seriesID, original); ok && !in.IsCancelled {
		return graphTime(t, in.Start.DateTime, in.Start.TimeZone), graphTime(t, in.End.DateTime, in.End.TimeZone), in.Subject, true
	}
	return start, end, "", false
}

// googleExcluded reports whether Google's series seriesID excludes the
// occurrence at original (an EXDATE): a listing does not show it, even
// when an earlier change of it is still stored.
func (f *fixture) googleExcluded(t *testing.T, seriesID string, original time.Time) bool {
	t.Helper()
	res, err := http.Get(f.env.Server.URL + "/_emulator/google/calendars/" + url.PathEscape(f.org.Fieldworker.Email) + "/events/" + seriesID)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var master struct{ Recurrence []string }
	_ = json.NewDecoder(res.Body).Decode(&master)
	for _, line := range master.Recurrence {
		head, stamps, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(head, "EXDATE") {
			continue
		}
		loc := time.UTC
		if _, zone, ok := strings.Cut(head, "TZID="); ok {
			if l, err := time.LoadLocation(zone); err == nil {
				loc = l
			}
		}
		for _, st := range strings.Split(stamps, ",") {
			x, err := time.ParseInLocation("20060102T150405", strings.TrimSuffix(st, "Z"), loc)
			if err == nil && x.Equal(original) {
				return true
			}
		}
	}
	return false
}

// graphInstance is Outlook's instance of seriesID whose original start is
// original, as the emulator's calendar view lists it.
type graphInstance struct {
	ID             string
	SeriesMasterID string `json:"seriesMasterId"`
	IsCancelled    bool
	Subject        string
	OriginalStart  time.Time `json:"originalStart"`
	Start, End     struct{ DateTime, TimeZone string }
}

func (f *fixture) graphInstance(t *testing.T, seriesID string, original time.Time) (graphInstance, bool) {
	t.Helper()
	raws, err := f.env.App.Emulators.Microsoft.ListInstances(f.org.Fieldworker.Email, f.destination(t).CalendarID,
		original.Add(-3*24*time.Hour), original.Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		var in graphInstance
		if err := json.Unmarshal(raw, &in); err != nil {
			t.Fatal(err)
		}
		if in.SeriesMasterID == seriesID && in.OriginalStart.Equal(original) {
			return in, true
		}
	}
	return graphInstance{}, false
}

// occurrenceID is the provider's id of the occurrence of seriesID the
// series puts at original (Outlook's found by its original start).
func (f *fixture) occurrenceID(t *testing.T, seriesID string, original time.Time) string {
	t.Helper()
	if f.kit.Provider == domain.ProviderGoogle {
		return seriesID + "_" + original.UTC().Format("20060102T150405Z")
	}
	if in, ok := f.graphInstance(t, seriesID, original); ok {
		return in.ID
	}
	t.Fatalf("no occurrence of %s at %v", seriesID, original)
	return ""
}

// moveAtProvider moves the occurrence of seriesID the series puts at
// original to [start, end), as the calendar's owner would.
func (f *fixture) moveAtProvider(t *testing.T, seriesID string, original, start, end time.Time) {
	t.Helper()
	f.patch(t, f.occurrenceID(t, seriesID, original), "", start, end)
}

// An occurrence moved in the fieldworker's calendar becomes a moved
// occurrence of the booking; one moved in Calsync (and moved back) moves
// in the calendar, keeping the series' content. Nothing echoes.
func TestOccurrencesMovedBothWays(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-mv-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 7)
		bid := f.book(t, "Daily round", start, start.Add(30*time.Minute), "FREQ=DAILY;COUNT=5")
		series := f.eventOf(t, bid)
		f.settle(t)
		day := func(n int) time.Time { return start.AddDate(0, 0, n) }
		movedOf := func() map[time.Time][2]time.Time {
			out := map[time.Time][2]time.Time{}
			for _, m := range f.booking(t, bid).MovedOccurrences {
				if !m.StartAt.Equal(m.OriginalStart) {
					out[m.OriginalStart.UTC()] = [2]time.Time{m.StartAt.UTC(), m.EndAt.UTC()}
				}
			}
			return out
		}

		// Moved at the provider: a moved occurrence in Calsync.
		ps, pe := day(2).Add(3*time.Hour), day(2).Add(4*time.Hour)
		f.moveAtProvider(t, series, day(2), ps, pe)
		until(t, "the occurrence moved at the provider is moved in Calsync", func() (bool, string) {
			m := movedOf()
			return m[day(2)] == [2]time.Time{ps, pe}, fmt.Sprint(m)
		})
		f.quiet(t)
		if s, e, _, ok := f.occurrenceAt(t, series, day(2)); !ok || !s.Equal(ps) || !e.Equal(pe) {
			t.Fatalf("the occurrence moved at the provider is at %v–%v (there: %v)", s, e, ok)
		}
		if b := f.booking(t, bid); !b.StartAt.Equal(start) || len(b.RecurrenceExceptions) != 0 {
			t.Fatalf("the series changed: start %v, exceptions %v", b.StartAt, b.RecurrenceExceptions)
		}

		// Moved in Calsync: moved in the calendar.
		cs, ce := day(3).Add(-2*time.Hour), day(3).Add(-time.Hour)
		f.admin.MustDo(t, `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "o": day(3), "s": cs, "e": ce}, nil)
		until(t, "the occurrence moved in Calsync moves in the calendar", func() (bool, string) {
			s, e, _, ok := f.occurrenceAt(t, series, day(3))
			return ok && s.Equal(cs) && e.Equal(ce), fmt.Sprint(s, e, ok)
		})
		f.quiet(t)
		if m := movedOf(); len(m) != 2 || m[day(3)] != [2]time.Time{cs, ce} || m[day(2)] != [2]time.Time{ps, pe} {
			t.Fatalf("moved occurrences after moving one in Calsync: %v", m)
		}

		// A new title reaches the moved occurrences too.
		f.admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Daily round (new)"}){id}}`,
			map[string]any{"id": strconv.Itoa(bid)}, nil)
		until(t, "the moved occurrence takes the new title", func() (bool, string) {
			s, _, title, ok := f.occurrenceAt(t, series, day(3))
			return ok && s.Equal(cs) && strings.Contains(title, "(new)"), title
		})

		// Moved back in Calsync: back where the series puts it.
		f.admin.MustDo(t, `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "o": day(2), "s": day(2), "e": day(2).Add(30 * time.Minute)}, nil)
		until(t, "the occurrence moved back in Calsync is back in the calendar", func() (bool, string) {
			s, e, _, ok := f.occurrenceAt(t, series, day(2))
			return ok && s.Equal(day(2)) && e.Equal(day(2).Add(30*time.Minute)), fmt.Sprint(s, e, ok)
		})
		f.quiet(t)
		if m := movedOf(); len(m) != 1 || m[day(3)] != [2]time.Time{cs, ce} {
			t.Fatalf("moved occurrences after moving one back: %v", m)
		}
		for _, n := range []int{0, 1, 4} {
			if s, _, _, ok := f.occurrenceAt(t, series, day(n)); !ok || !s.Equal(day(n)) {
				t.Fatalf("occurrence %d is at %v (there: %v)", n, s, ok)
			}
		}
	})
}

// patchRaw changes an event at the provider as its owner would, with the
// body for the provider at hand.
func (f *fixture) patchRaw(t *testing.T, id string, google, graph map[string]any) {
	t.Helper()
	emu := f.env.App.Emulators
	var err error
	if f.kit.Provider == domain.ProviderGoogle {
		data, _ := json.Marshal(google)
		_, err = emu.Google.PatchEventAsUser(f.org.Fieldworker.Email, id, data)
	} else {
		data, _ := json.Marshal(graph)
		_, err = emu.Microsoft.UpdateEvent(f.org.Fieldworker.Email, id, data)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// A series' rule changed at the provider becomes the booking's rule; an
// occurrence moved in a series made at the provider is moved in its
// booking.
func TestSeriesRuleChangedAtProvider(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-rule-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(2, 8)
		bid := f.book(t, "Pool check", start, start.Add(time.Hour), "FREQ=DAILY;COUNT=5")
		series := f.eventOf(t, bid)
		f.settle(t)
		f.patchRaw(t, series, map[string]any{"recurrence": []string{"RRULE:FREQ=DAILY;COUNT=3"}},
			map[string]any{"recurrence": map[string]any{
				"pattern": map[string]any{"type": "daily", "interval": 1},
				"range":   map[string]any{"type": "numbered", "startDate": start.Format("2006-01-02"), "numberOfOccurrences": 3, "recurrenceTimeZone": "UTC"},
			}})
		occurrences := func() int {
			b := f.booking(t, bid)
			starts, err := recurrence.Series{Rule: b.Recurrence, Start: b.StartAt, Length: time.Hour, TimeZone: b.TimeZone}.Occurrences(start, start.AddDate(0, 0, 30))
			if err != nil {
				t.Fatal(err)
			}
			return len(starts)
		}
		until(t, "the booking takes the provider's rule", func() (bool, string) {
			return occurrences() == 3, f.booking(t, bid).Recurrence
		})
		f.quiet(t)
		if b := f.booking(t, bid); !b.StartAt.Equal(start) || occurrences() != 3 || b.CancelledAt != nil || len(b.RecurrenceExceptions) != 0 {
			// Taken as the rule, not as two occurrences cancelled.
			t.Fatalf("booking after the rule changed: %q from %v, exceptions %v", b.Recurrence, b.StartAt, b.RecurrenceExceptions)
		}
		if n, err := f.env.App.Client().SyncConflict.Query().Count(f.sys()); err != nil || n != 0 {
			t.Fatalf("%d conflicts (%v)", n, err)
		}
		for n, live := range []bool{true, true, true, false, false} {
			if _, _, _, ok := f.occurrenceAt(t, series, start.AddDate(0, 0, n)); ok != live {
				t.Fatalf("occurrence %d at the provider: %v, want %v", n, ok, live)
			}
		}

		// A series made at the provider, one occurrence moved there.
		pstart := hour(3, 16)
		pseries := f.createSeries(t, "Guitar lessons", pstart, time.Hour, 4)
		until(t, "a recurring booking is made", func() (bool, string) { return f.bookingOf(t, pseries) != nil, "" })
		pb := f.bookingOf(t, pseries)
		f.settle(t)
		to := pstart.AddDate(0, 0, 2).Add(2 * time.Hour)
		f.moveAtProvider(t, pseries, pstart.AddDate(0, 0, 2), to, to.Add(90*time.Minute))
		until(t, "the occurrence moved there is moved in its booking", func() (bool, string) {
			b := f.booking(t, pb.ID)
			return len(b.MovedOccurrences) == 1 && b.MovedOccurrences[0].StartAt.Equal(to) && b.MovedOccurrences[0].EndAt.Equal(to.Add(90*time.Minute)),
				fmt.Sprint(b.MovedOccurrences)
		})
		f.quiet(t)
	})
}
