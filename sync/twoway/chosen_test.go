package twoway_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent/eventlink"
	"calsync/ent/externalevent"
	"calsync/ent/providercalendar"
	"calsync/internal/domain"
	"calsync/internal/testenv"
	"calsync/sync/emulator/gcal"
)

// addCalendar makes a calendar of the fieldworker's at the provider and
// chooses it for import with the primary one; it returns its provider id.
func (f *fixture) addCalendar(t *testing.T, name string) string {
	t.Helper()
	emu := f.env.App.Emulators
	var id string
	if f.kit.Provider == domain.ProviderGoogle {
		c, err := emu.Google.CreateCalendar(f.acct.AccountEmail, gcal.CalendarInfo{Summary: name, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		id = c.ID
	} else {
		c, err := emu.Microsoft.CreateCalendar(f.acct.AccountEmail, name)
		if err != nil {
			t.Fatal(err)
		}
		id = c.ID
	}
	return id
}

// choose refreshes the fieldworker's calendar list and chooses the
// primary calendar and the calendars with these provider ids.
func (f *fixture) choose(t *testing.T, ids ...string) {
	t.Helper()
	var out struct {
		RefreshCalendars struct {
			Calendars []struct {
				ID, CalendarID string
				Primary        bool
			}
		}
	}
	f.fw.MustDo(t, `mutation($p:Provider!){refreshCalendars(provider:$p){calendars{id calendarID primary}}}`,
		map[string]any{"p": string(f.kit.Provider)}, &out)
	var chosen []string
	for _, c := range out.RefreshCalendars.Calendars {
		if c.Primary || slices.Contains(ids, c.CalendarID) {
			chosen = append(chosen, c.ID)
		}
	}
	if len(chosen) != 1+len(ids) {
		t.Fatalf("calendars %+v, want the primary and %v", out.RefreshCalendars.Calendars, ids)
	}
	f.fw.MustDo(t, `mutation($p:Provider!,$ids:[ID!]!){selectImportedCalendars(provider:$p,calendarIds:$ids){id}}`,
		map[string]any{"p": string(f.kit.Provider), "ids": chosen}, nil)
}

func titled(evs []remote, title string) []remote {
	var out []remote
	for _, e := range evs {
		if e.Title == title {
			out = append(out, e)
		}
	}
	return out
}

// An event in another calendar the fieldworker chose to import becomes a
// booking too, and stays in that calendar: Calsync keeps it there, with
// no copy in the destination calendar. Edits and deletion flow both ways.
// An event there matching one of the fieldworker's bookings stays busy
// time (no second booking), and so does everything in a calendar they
// cannot write to.
func TestChosenCalendarFlowsBack(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-chosen-"+strings.ToLower(string(k.Provider)), opts{})
		work := f.addCalendar(t, "Work")
		start := hour(4, 9)
		// Already there at first contact, and a copy of the seeded booking.
		before := f.createIn(t, work, "Site survey", start, start.Add(time.Hour), false)
		seeded := f.org.Booking
		copyID := f.createIn(t, work, seeded.Title, seeded.StartAt, seeded.EndAt, false)
		f.choose(t, work)
		f.settle(t)

		until(t, "a booking made from the event already in the chosen calendar", func() (bool, string) {
			return f.bookingOf(t, before) != nil, "none yet"
		})
		l := f.link(t, before)
		if l.CalendarID != work || l.Origin != eventlink.OriginPROVIDER {
			t.Fatalf("link of the chosen calendar's event: calendar %q origin %s, want %q PROVIDER", l.CalendarID, l.Origin, work)
		}
		if f.link(t, copyID) != nil {
			t.Fatalf("the copy of a booking in the chosen calendar became a booking")
		}
		busy, err := f.env.App.Client().ExternalEvent.Query().Where(externalevent.ProviderEventID(copyID)).Exist(f.sys())
		if err != nil || !busy {
			t.Fatalf("the copy of a booking is not busy time (%v)", err)
		}
		if n, err := f.env.App.Client().ExternalEvent.Query().Where(externalevent.ProviderEventID(before)).Count(f.sys()); err != nil || n != 0 {
			t.Fatalf("the event taken as a booking is still busy time too (%d, %v)", n, err)
		}

		// Made after first contact.
		later := f.createIn(t, work, "Inspection", start.Add(2*time.Hour), start.Add(3*time.Hour), false)
		until(t, "a booking made from the new event", func() (bool, string) { return f.bookingOf(t, later) != nil, "none yet" })
		b := f.bookingOf(t, later)

		// Moved in the chosen calendar: the booking moves.
		moved := start.Add(5 * time.Hour)
		f.patchIn(t, work, later, "", moved, moved.Add(time.Hour))
		until(t, "the booking follows the event", func() (bool, string) {
			got := f.booking(t, b.ID)
			return got != nil && got.StartAt.Equal(moved), fmt.Sprintf("%v", got.StartAt)
		})

		// Rescheduled in Calsync: the event moves where it is, no copy is made.
		again := start.Add(6 * time.Hour)
		f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(b.ID), "s": again, "e": again.Add(time.Hour)}, nil)
		until(t, "the chosen calendar's event follows the booking", func() (bool, string) {
			evs := titled(f.eventsIn(t, work), "Inspection")
			return len(evs) == 1 && evs[0].Start.Equal(again), fmt.Sprintf("%+v", evs)
		})
		f.settle(t)
		for _, title := range []string{"Inspection", "Site survey"} {
			if evs := titled(f.events(t), title); len(evs) != 0 {
				t.Fatalf("the destination calendar got a copy of %q: %+v", title, evs)
			}
			if evs := titled(f.eventsIn(t, work), title); len(evs) != 1 || evs[0].Tagged {
				t.Fatalf("the chosen calendar holds %+v of %q, want it once, untagged", evs, title)
			}
		}

		// Deleted in the chosen calendar: its booking goes.
		f.removeIn(t, work, later)
		until(t, "the booking of the deleted event goes", func() (bool, string) { return f.booking(t, b.ID) == nil, "still there" })
		// Deleted in Calsync: its event goes from the chosen calendar.
		first := f.bookingOf(t, before)
		f.admin.MustDo(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": strconv.Itoa(first.ID)}, nil)
		until(t, "the deleted booking's event goes", func() (bool, string) {
			evs := titled(f.eventsIn(t, work), "Site survey")
			return len(evs) == 0, fmt.Sprintf("%+v", evs)
		})

		// No longer chosen: its events stay busy time nowhere and become
		// no booking.
		f.choose(t)
		f.settle(t)
		c, err := f.env.App.Client().ProviderCalendar.Query().
			Where(providercalendar.AccountID(f.acct.ID), providercalendar.CalendarID(work)).Only(f.sys())
		if err != nil {
			t.Fatal(err)
		}
		if c.ReadsBack || c.Selected {
			t.Fatalf("a calendar no longer chosen: selected %v, reads back %v", c.Selected, c.ReadsBack)
		}
		ignored := f.createIn(t, work, "Private errand", start.Add(8*time.Hour), start.Add(9*time.Hour), false)
		f.settle(t)
		if f.link(t, ignored) != nil {
			t.Fatalf("an event of a calendar no longer chosen became a booking")
		}
		f.quiet(t)
	})
}
