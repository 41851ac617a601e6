package engine

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
)

// TestPlan walks the engine's rules from bookings, links and what the
// provider holds to the operations planned. The expected operations are
// written out by hand.
func TestPlan(t *testing.T) {
	const cal = "cal-1"
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	org := &ent.Organization{ID: 1, Name: "Org", DefaultTimeZone: "UTC"}
	fw := &ent.User{ID: 10, Name: "Fieldworker", Active: true}
	var (
		booked = &ent.BookingStatus{Name: "Booked", PushToCalendar: true, DeleteFromCalendar: true}
		// Cancelled, keeping events: pushed, deleteFromCalendar off.
		keeps = &ent.BookingStatus{Name: "Cancelled (kept)", PushToCalendar: true, DeleteFromCalendar: false}
		quote = &ent.BookingStatus{Name: "Quote", PushToCalendar: false, DeleteFromCalendar: false}
		void  = &ent.BookingStatus{Name: "Void", PushToCalendar: false, DeleteFromCalendar: true}
	)
	type edit func(*ent.Booking)
	bk := func(id int, edits ...edit) *ent.Booking {
		b := &ent.Booking{ID: id, Title: "Visit " + strconv.Itoa(id), Published: true,
			StartAt: now.Add(24 * time.Hour), EndAt: now.Add(25 * time.Hour), TimeZone: "UTC"}
		b.Edges.Status = booked
		for _, e := range edits {
			e(b)
		}
		return b
	}
	status := func(st *ent.BookingStatus) edit { return func(b *ent.Booking) { b.Edges.Status = st } }
	cancelled := func(b *ent.Booking) { at := now.Add(-time.Hour); b.CancelledAt = &at }
	retitled := func(title string) edit { return func(b *ent.Booking) { b.Title = title } }
	moved := func(b *ent.Booking) { b.StartAt, b.EndAt = b.StartAt.Add(2*time.Hour), b.EndAt.Add(2*time.Hour) }
	unpublished := func(b *ent.Booking) { b.Published = false }
	longAgo := func(b *ent.Booking) {
		b.StartAt, b.EndAt = now.Add(-40*24*time.Hour), now.Add(-40*24*time.Hour+time.Hour)
	}
	noSync := func(b *ent.Booking) { b.Edges.Type = &ent.BookingType{SyncToCalendar: false} }

	// synced is the link of an event pushed as pushed renders it.
	synced := func(id int, remoteID string, pushed *ent.Booking) *ent.EventLink {
		bid := id
		return &ent.EventLink{BookingRef: id, BookingID: &bid, UserID: fw.ID, EventKey: EventKey(org.ID, id, fw.ID, cal, 0),
			State: eventlink.StateSYNCED, ProviderEventID: remoteID, Etag: "etag-" + remoteID,
			FieldHashes: FieldHashes(Render(org, pushed, fw, false))}
	}
	pending := func(id int) *ent.EventLink {
		bid := id
		return &ent.EventLink{BookingRef: id, BookingID: &bid, UserID: fw.ID, EventKey: EventKey(org.ID, id, fw.ID, cal, 0), State: eventlink.StatePENDING}
	}
	deletedAtProvider := func(l *ent.EventLink) *ent.EventLink { l.State = eventlink.StateDELETED; return l }
	tagged := func(remoteID string, bookingID, userID int) Remote {
		return Remote{ID: remoteID, Tags: map[string]string{TagOwner: "1", TagBooking: strconv.Itoa(bookingID), TagUser: strconv.Itoa(userID)}}
	}

	cases := []struct {
		name     string
		bookings []*ent.Booking
		links    []*ent.EventLink
		verify   bool
		tagged   []Remote
		// want are the operations, sorted; listing says whether the
		// provider's events are needed; skipped and forgotten count
		// pairs that need nothing and lost creates dropped.
		want      []string
		listing   bool
		skipped   int
		forgotten []int
	}{
		{name: "a new booking is created", bookings: []*ent.Booking{bk(1)},
			want: []string{`create 1/10 gen 0 "Visit 1" busy`}},
		{name: "an unchanged booking costs no call", bookings: []*ent.Booking{bk(1)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			skipped: 1},
		{name: "a new title updates the title only", bookings: []*ent.Booking{bk(1, retitled("Boiler"))}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{`update ev1 if etag-ev1 [title] "Boiler" busy`}},
		{name: "a new time updates the time and the description that shows it", bookings: []*ent.Booking{bk(1, moved)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{`update ev1 if etag-ev1 [description time] "Visit 1" busy`}},
		{name: "a deleted booking's event is removed", links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{"delete ev1 if etag-ev1"}},
		{name: "an unpublished booking's event is removed", bookings: []*ent.Booking{bk(1, unpublished)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{"delete ev1 if etag-ev1"}},
		{name: "a type that does not sync removes the event", bookings: []*ent.Booking{bk(1, noSync)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{"delete ev1 if etag-ev1"}},
		{name: "a status not pushed, deleteFromCalendar on: removed", bookings: []*ent.Booking{bk(1, status(void))}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{"delete ev1 if etag-ev1"}},
		{name: "a status not pushed, deleteFromCalendar off: left as it is, even changed", bookings: []*ent.Booking{bk(1, status(quote), retitled("Quote for boiler"))}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			skipped: 1},
		{name: "a status not pushed is never created", bookings: []*ent.Booking{bk(1, status(quote)), bk(2, status(void))}},
		{name: "cancelled, its status removes events: removed", bookings: []*ent.Booking{bk(1, cancelled)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{"delete ev1 if etag-ev1"}},
		{name: "cancelled, its status keeps events: marked cancelled and free", bookings: []*ent.Booking{bk(1, status(keeps), cancelled)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			want: []string{`update ev1 if etag-ev1 [title description busy] "Cancelled: Visit 1" free`}},
		{name: "cancelled, its status keeps events: never created", bookings: []*ent.Booking{bk(1, status(keeps), cancelled), bk(2, cancelled)}},
		{name: "cancelled and kept, deleted at the provider: not brought back on re-sync", bookings: []*ent.Booking{bk(1, status(keeps), cancelled)},
			links: []*ent.EventLink{synced(1, "ev1", bk(1, status(keeps), cancelled))}, verify: true, listing: true, skipped: 1},
		{name: "ended before the window: neither created nor deleted", bookings: []*ent.Booking{bk(1, longAgo), bk(2, longAgo, retitled("Old"))},
			links: []*ent.EventLink{synced(2, "ev2", bk(2))}, skipped: 1},
		{name: "deleted at the provider (a 404 marked the link): recreated under the next generation", bookings: []*ent.Booking{bk(1)},
			links: []*ent.EventLink{deletedAtProvider(synced(1, "ev1", bk(1)))}, want: []string{`create 1/10 gen 1 "Visit 1" busy`}},
		{name: "deleted at the provider, found missing on re-sync: recreated under the next generation", bookings: []*ent.Booking{bk(1)},
			links: []*ent.EventLink{synced(1, "ev1", bk(1))}, verify: true, tagged: []Remote{tagged("other", 5, 11)}, listing: true,
			want: []string{`create 1/10 gen 1 "Visit 1" busy`}},
		{name: "a pending create is retried under the same key", bookings: []*ent.Booking{bk(1)}, links: []*ent.EventLink{pending(1)},
			want: []string{`create 1/10 gen 0 "Visit 1" busy`}},
		{name: "a pending create adopts its event on re-sync (not a stray)", bookings: []*ent.Booking{bk(1)}, links: []*ent.EventLink{pending(1)},
			verify: true, tagged: []Remote{tagged("landed", 1, 10)}, listing: true,
			want: []string{`create 1/10 gen 0 "Visit 1" busy`}},
		{name: "a lost create no longer wanted: its event, found by tags, is deleted", links: []*ent.EventLink{pending(1)},
			tagged: []Remote{tagged("landed", 1, 10), tagged("someone-else", 1, 11)}, listing: true,
			want: []string{"delete landed"}},
		{name: "a lost create no longer wanted, nothing at the provider: forgotten", bookings: []*ent.Booking{bk(1, unpublished)}, links: []*ent.EventLink{pending(1)},
			listing: true, forgotten: []int{1}},
		{name: "re-sync removes a stray of a booking the fieldworker has", bookings: []*ent.Booking{bk(1)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			verify: true, tagged: []Remote{tagged("ev1", 1, 10), tagged("stray", 1, 10)}, listing: true, skipped: 1,
			want: []string{"delete stray"}},
		{name: "re-sync keeps another user's events and those of bookings the fieldworker no longer has", bookings: []*ent.Booking{bk(1)},
			links: []*ent.EventLink{synced(1, "ev1", bk(1))}, verify: true, listing: true, skipped: 1,
			tagged: []Remote{tagged("ev1", 1, 10), tagged("unlinked-user", 1, 11), tagged("forgotten", 2, 10)}},
		{name: "without re-sync a stray is not looked for", bookings: []*ent.Booking{bk(1)}, links: []*ent.EventLink{synced(1, "ev1", bk(1))},
			skipped: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			desired := desiredFrom(org, []*ent.User{fw}, map[int][]*ent.Booking{fw.ID: c.bookings}, now)
			if got := needsList(desired, c.links, c.verify); got != c.listing {
				t.Errorf("needsList = %v, want %v", got, c.listing)
			}
			p := plan(planInput{orgID: org.ID, calendarID: cal, desired: desired, links: c.links,
				members: map[int]bool{fw.ID: true}, tagged: c.tagged, verify: c.verify})
			var got []string
			for _, s := range p.steps {
				got = append(got, describeStep(org.ID, cal, s))
			}
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("steps:\n got  %q\n want %q", got, want)
			}
			if p.skipped != c.skipped {
				t.Errorf("skipped = %d, want %d", p.skipped, c.skipped)
			}
			var forgotten []int
			for _, l := range p.forget {
				forgotten = append(forgotten, l.BookingRef)
			}
			if !slices.Equal(forgotten, c.forgotten) {
				t.Errorf("forgotten = %v, want %v", forgotten, c.forgotten)
			}
		})
	}
}

// describeStep writes a step as the table spells it.
func describeStep(orgID int, cal string, s *step) string {
	busy := "free"
	if s.op.Event.Busy {
		busy = "busy"
	}
	switch s.op.Kind {
	case OpCreate:
		gen := "?"
		for g := range 5 {
			if s.op.Event.Key == EventKey(orgID, s.pair.booking, s.pair.user, cal, g) {
				gen = strconv.Itoa(g)
			}
		}
		return fmt.Sprintf("create %d/%d gen %s %q %s", s.pair.booking, s.pair.user, gen, s.op.Event.Title, busy)
	case OpUpdate:
		fields := make([]string, len(s.op.Fields))
		for i, f := range s.op.Fields {
			fields[i] = string(f)
		}
		return fmt.Sprintf("update %s if %s [%s] %q %s", s.op.RemoteID, s.op.ETag, strings.Join(fields, " "), s.op.Event.Title, busy)
	case OpDelete:
		if s.op.ETag == "" {
			return "delete " + s.op.RemoteID
		}
		return "delete " + s.op.RemoteID + " if " + s.op.ETag
	}
	return fmt.Sprintf("op %d", s.op.Kind)
}
