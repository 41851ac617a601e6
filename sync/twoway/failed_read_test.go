package twoway_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/providercalendar"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
	"calsync/sync/inbound"
)

// A read that fails after meeting an event is read again from its old
// cursor, which does not report an event made and deleted since (Graph's
// delta compares two snapshots): what the failed read met is not taken as
// seen, so the next read still looks the event up and finds it deleted.
func TestFailedReadLeavesWhatItMetUnseen(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-failread-"+strings.ToLower(string(k.Provider)), opts{})
		// No notification wakes a read: the test runs the reads itself.
		f.faults().Add(emucore.Fault{DropNotifications: true, Count: 1000})
		start := hour(3, 9)
		b := f.book(t, "Inspection", start, start.Add(time.Hour), "")
		id := f.eventOf(t, b)
		l := f.link(t, id)

		// A read meets the event, then fails before its cursor is saved.
		c, err := f.env.App.Client().ProviderCalendar.Query().Where(providercalendar.ID(f.destination(t).ID)).
			WithAccount(func(q *ent.CalendarAccountQuery) { q.WithUsers() }).Only(f.sys())
		if err != nil {
			t.Fatal(err)
		}
		read, err := f.env.App.TwoWay.Begin(f.sys(), c, false, inbound.Window{From: *c.WindowFrom, To: *c.WindowTo})
		if err != nil || read == nil {
			t.Fatalf("begin a read: %v, %v", read, err)
		}
		if err := read.Take(f.sys(), inbound.Page{Events: []inbound.Event{{ID: id, ETag: l.Etag, Owned: true,
			Title: "Inspection", Start: start, End: start.Add(time.Hour)}}}); err != nil {
			t.Fatal(err)
		}

		f.remove(t, id)
		if _, err := inbound.RequestRead(f.sys(), f.env.App.Client(), c.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.env.App.Inbound.Read(f.sys(), f.org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if bk := f.booking(t, b); bk == nil || bk.CancelledAt == nil {
			t.Fatalf("the event's deletion was not taken: booking %+v, link %+v", bk, f.link(t, id))
		}
		f.faults().Clear()
		f.quiet(t)
	})
}

// An update refused because the event changed at the provider is handed to
// two-way sync, which reads the event; when that read fails, the sync
// fails and is retried, so the change is not lost with no read to report
// it again (here no notification arrives).
func TestFailedHandOffIsRetried(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-handoff-"+strings.ToLower(string(k.Provider)), opts{})
		f.faults().Add(emucore.Fault{DropNotifications: true, Count: 1000})
		bid := f.org.Booking.ID
		id := f.eventOf(t, bid)
		orig, _ := f.eventByID(t, id)
		theirs := orig.Start.Add(48 * time.Hour)
		f.patch(t, id, "", theirs, theirs.Add(time.Hour))
		// The first read of the event fails.
		f.faults().Add(emucore.Fault{Method: "GET", Status: 503, Count: 1})
		ours := orig.Start.Add(24 * time.Hour)
		f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "s": ours, "e": ours.Add(time.Hour)}, nil)
		until(t, "a conflict opens", func() (bool, string) {
			f.runRetries(t)
			open := f.conflicts(t, f.admin)
			return len(open) == 1, fmt.Sprintf("%+v", open)
		})
		if b := f.booking(t, bid); !b.StartAt.Equal(ours) {
			t.Fatalf("the booking moved to %v while in conflict", b.StartAt)
		}
		if e, _ := f.eventByID(t, id); !e.Start.Equal(theirs) {
			t.Fatalf("the event moved to %v while in conflict", e.Start)
		}
	})
}
