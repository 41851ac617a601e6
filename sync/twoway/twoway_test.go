package twoway_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/ent"
	"calsync/ent/eventlink"
	"calsync/ent/syncconflict"
	"calsync/internal/testenv"
	"calsync/sync/emulator/emucore"
)

// hour is a whole hour some days ahead, away from the seeded booking.
func hour(days, h int) time.Time {
	d := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, days)
	return d.Add(time.Duration(h) * time.Hour)
}

func forEachProvider(t *testing.T, fn func(t *testing.T, k testenv.ProviderKit)) {
	for _, k := range testenv.Kits {
		t.Run(string(k.Provider), func(t *testing.T) {
			t.Parallel()
			fn(t, k)
		})
	}
}

// An event the fieldworker creates in their calendar becomes a booking
// they host, linked to it (not pushed back as a copy); their edits of
// title, time, location and notes flow in; deleting it deletes the
// booking. Private events get the personal type.
func TestProviderEventBecomesBooking(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-in-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(3, 9)
		id := f.create(t, "Dentist", start, start.Add(time.Hour), false)
		priv := f.create(t, "Therapy", start.Add(3*time.Hour), start.Add(4*time.Hour), true)
		until(t, "bookings made from the events", func() (bool, string) {
			a, b := f.bookingOf(t, id), f.bookingOf(t, priv)
			return a != nil && b != nil, fmt.Sprintf("%v %v", a, b)
		})
		b := f.bookingOf(t, id)
		if b.Title != "Dentist" || !b.StartAt.Equal(start) || !b.EndAt.Equal(start.Add(time.Hour)) ||
			b.ServiceDescription != "Bring the ladder" || len(b.Addresses) != 1 || b.Addresses[0] != "12 Harbour St" {
			t.Fatalf("booking made from the event: %+v", b)
		}
		if b.Edges.Type == nil || b.Edges.Type.ID != f.imported {
			t.Fatalf("an ordinary event's booking has type %v, want the default type %d", b.Edges.Type, f.imported)
		}
		if p := f.bookingOf(t, priv); p.Edges.Type == nil || p.Edges.Type.ID != f.personal {
			t.Fatalf("a private event's booking has type %v, want the personal type %d", p.Edges.Type, f.personal)
		}
		if l := f.link(t, id); l.Origin != eventlink.OriginPROVIDER {
			t.Fatalf("link origin %s", l.Origin)
		}
		var got struct {
			Booking struct{ MadeAtProvider *string }
		}
		f.admin.MustDo(t, `query($id:ID!){booking:node(id:$id){... on Booking{madeAtProvider}}}`, map[string]any{"id": strconv.Itoa(b.ID)}, &got)
		if got.Booking.MadeAtProvider == nil || *got.Booking.MadeAtProvider != string(k.Provider) {
			t.Fatalf("madeAtProvider = %v", got.Booking.MadeAtProvider)
		}
		f.settle(t)
		// No copy pushed: the calendar holds each event once, untouched.
		for _, title := range []string{"Dentist", "Therapy"} {
			n := 0
			for _, e := range f.events(t) {
				if e.Title == title {
					n++
					if e.Tagged {
						t.Errorf("%q was tagged as Calsync's", title)
					}
				}
			}
			if n != 1 {
				t.Fatalf("%d events titled %q at the provider, want 1", n, title)
			}
		}

		// Edits at the provider flow in.
		moved := start.Add(30 * time.Minute)
		f.patch(t, id, "Dentist (moved)", moved, moved.Add(90*time.Minute))
		until(t, "the edit flows in", func() (bool, string) {
			b := f.booking(t, b.ID)
			return b.Title == "Dentist (moved)" && b.StartAt.Equal(moved) && b.EndAt.Equal(moved.Add(90*time.Minute)), fmt.Sprintf("%+v", b)
		})
		// An edit in Calsync reaches the event as is (no template).
		f.admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{title:"Dentist, Dr Lee"}){id}}`, map[string]any{"id": strconv.Itoa(b.ID)}, nil)
		until(t, "Calsync's edit reaches the event", func() (bool, string) {
			e, ok := f.eventByID(t, id)
			return ok && e.Title == "Dentist, Dr Lee" && e.Start.Equal(moved), fmt.Sprintf("%+v", e)
		})
		f.quiet(t)

		// Deleted at the provider: the booking goes.
		f.remove(t, id)
		until(t, "the deletion flows in", func() (bool, string) {
			b := f.booking(t, b.ID)
			return b == nil, fmt.Sprintf("%+v", b)
		})
		if e, ok := f.eventByID(t, id); ok {
			t.Fatalf("the deleted event came back: %+v", e)
		}
	})
}

// Calsync's own events: a time change at the provider reschedules the
// booking; a title change is overwritten by Calsync's rendering (Calsync
// owns the content of its events); deleting the event cancels the
// booking. Nothing echoes back and traffic stops.
func TestCalsyncEventEditedAtProvider(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-own-"+strings.ToLower(string(k.Provider)), opts{})
		bid := f.org.Booking.ID
		id := f.eventOf(t, bid)
		before, ok := f.eventByID(t, id)
		if !ok {
			t.Fatal("the booking's event is missing")
		}
		moved := before.Start.Add(2 * time.Hour)
		f.patch(t, id, "", moved, moved.Add(time.Hour))
		until(t, "the move flows back", func() (bool, string) {
			b := f.booking(t, bid)
			return b.StartAt.Equal(moved) && b.EndAt.Equal(moved.Add(time.Hour)), fmt.Sprintf("%v–%v", b.StartAt, b.EndAt)
		})
		f.quiet(t)
		if e, _ := f.eventByID(t, id); !e.Start.Equal(moved) || e.Title != before.Title {
			t.Fatalf("event after the move: %+v", e)
		}
		if n := len(f.events(t)); n != 1 {
			t.Fatalf("%d events in the calendar, want 1", n)
		}

		// Calsync's content is Calsync's.
		f.patch(t, id, "My own title", time.Time{}, time.Time{})
		until(t, "Calsync's title is restored", func() (bool, string) {
			e, _ := f.eventByID(t, id)
			return e.Title == before.Title, e.Title
		})
		if b := f.booking(t, bid); b.Title != f.org.Booking.Title {
			t.Fatalf("the booking's title became %q", b.Title)
		}
		f.quiet(t)

		// Deleted at the provider: cancelled, not recreated.
		f.remove(t, id)
		until(t, "the deletion cancels the booking", func() (bool, string) {
			b := f.booking(t, bid)
			return b.CancelledAt != nil, fmt.Sprintf("%+v", b)
		})
		f.quiet(t)
		if evs := f.events(t); len(evs) != 0 {
			t.Fatalf("events after the deletion: %+v", evs)
		}
	})
}

// blockWrites makes the provider refuse Calsync's writes (reads go on).
func blockWrites(f *fixture) func() {
	for _, m := range []string{"PATCH", "POST", "PUT", "DELETE"} {
		f.faults().Add(emucore.Fault{Method: m, Status: 503})
	}
	return func() { f.faults().Clear() }
}

type conflictNode struct {
	ID              string
	State           string
	Provider        string
	CalsyncChanged  []string
	ProviderChanged []string
	// OccurrenceStart: a conflict over one occurrence of a series.
	OccurrenceStart *time.Time
	Booking         struct{ ID string }
	CalsyncVersion  struct {
		Start, End time.Time
		Deleted    bool
	}
	ProviderVersion struct {
		Start, End time.Time
		Deleted    bool
	}
}

func (f *fixture) conflicts(t *testing.T, c *testenv.Client) []conflictNode {
	t.Helper()
	var got struct {
		SyncConflicts struct {
			Edges []struct{ Node conflictNode }
		}
	}
	c.MustDo(t, `{syncConflicts(first:20, where:{state:OPEN}){edges{node{id state provider calsyncChanged providerChanged
		occurrenceStart booking{id} calsyncVersion{start end deleted} providerVersion{start end deleted}}}}}`, nil, &got)
	var out []conflictNode
	for _, e := range got.SyncConflicts.Edges {
		out = append(out, e.Node)
	}
	return out
}

// Both sides move the same booking before they meet again: the booking
// enters the conflict queue, neither side is overwritten, and resolving it
// keeps the side chosen.
func TestConcurrentEditsQueueAConflict(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-cf-"+strings.ToLower(string(k.Provider)), opts{})
		conflictEvents := f.env.Subscribe(t, f.admin, `subscription{syncConflictChanged{conflictId state conflict{id}}}`, nil)
		bid := f.org.Booking.ID
		id := f.eventOf(t, bid)
		orig, _ := f.eventByID(t, id)

		round := func(keep string) {
			t.Helper()
			unblock := blockWrites(f)
			ours := orig.Start.Add(24 * time.Hour)
			theirs := orig.Start.Add(48 * time.Hour)
			f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
				map[string]any{"id": strconv.Itoa(bid), "s": ours, "e": ours.Add(time.Hour)}, nil)
			f.patch(t, id, "", theirs, theirs.Add(time.Hour))
			var open []conflictNode
			until(t, "a conflict opens", func() (bool, string) {
				open = f.conflicts(t, f.admin)
				return len(open) == 1, fmt.Sprintf("%+v", open)
			})
			c := open[0]
			if c.Booking.ID != strconv.Itoa(bid) || c.Provider != string(k.Provider) ||
				!c.CalsyncVersion.Start.Equal(ours) || !c.ProviderVersion.Start.Equal(theirs) ||
				strings.Join(c.CalsyncChanged, ",") != "TIME" || strings.Join(c.ProviderChanged, ",") != "TIME" {
				t.Fatalf("conflict: %+v", c)
			}
			// Live: the queue's subscribers hear of it (after the earlier
			// round's RESOLVED).
			for end := time.Now().Add(10 * time.Second); ; {
				ev := conflictEvents(time.Until(end))
				if ev == nil {
					t.Fatal("no OPEN conflict event")
				}
				if s := fmt.Sprint(ev); strings.Contains(s, "state:OPEN") && strings.Contains(s, c.ID) {
					break
				}
			}
			// The fieldworker sees their own conflict, a scheduler every
			// one; another fieldworker neither sees nor resolves it.
			if mine := f.conflicts(t, f.fw); len(mine) != 1 {
				t.Fatalf("the fieldworker sees %d conflicts", len(mine))
			}
			if all := f.conflicts(t, f.env.SignIn(t, f.org.Scheduler.Email, testenv.Password)); len(all) != 1 {
				t.Fatalf("the scheduler sees %d conflicts", len(all))
			}
			other := f.env.SignIn(t, f.org.Fieldworker2.Email, testenv.Password)
			if theirs := f.conflicts(t, other); len(theirs) != 0 {
				t.Fatalf("another fieldworker sees %d conflicts", len(theirs))
			}
			if r := other.Do(t, `mutation($id:ID!){resolveSyncConflict(id:$id,keep:KEEP_CALSYNC){state}}`, map[string]any{"id": c.ID}); len(r.Errors) == 0 || r.Errors[0].Code() != "NOT_FOUND" {
				t.Fatalf("another fieldworker resolving: %+v", r)
			}
			unblock()
			time.Sleep(1500 * time.Millisecond)
			// Neither side was overwritten.
			if b := f.booking(t, bid); !b.StartAt.Equal(ours) {
				t.Fatalf("the booking moved to %v while in conflict", b.StartAt)
			}
			if e, _ := f.eventByID(t, id); !e.Start.Equal(theirs) {
				t.Fatalf("the event moved to %v while in conflict", e.Start)
			}
			var res struct {
				ResolveSyncConflict struct{ State, Resolution string }
			}
			f.admin.MustDo(t, `mutation($id:ID!,$k:SyncConflictResolution!){resolveSyncConflict(id:$id,keep:$k){state resolution}}`,
				map[string]any{"id": c.ID, "k": keep}, &res)
			if res.ResolveSyncConflict.State != "RESOLVED" || res.ResolveSyncConflict.Resolution != keep {
				t.Fatalf("resolve: %+v", res)
			}
			r := f.admin.Do(t, `mutation($id:ID!){resolveSyncConflict(id:$id,keep:KEEP_CALSYNC){state}}`, map[string]any{"id": c.ID})
			if len(r.Errors) == 0 || r.Errors[0].Code() != "CONFLICT" {
				t.Fatalf("resolving twice: %+v", r)
			}
			want := theirs
			if keep == "KEEP_CALSYNC" {
				want = ours
			}
			until(t, "both sides agree on the kept time", func() (bool, string) {
				b := f.booking(t, bid)
				e, _ := f.eventByID(t, id)
				return b.StartAt.Equal(want) && e.Start.Equal(want), fmt.Sprintf("booking %v, event %v", b.StartAt, e.Start)
			})
			f.quiet(t)
			orig, _ = f.eventByID(t, id)
		}
		round("KEEP_PROVIDER")
		round("KEEP_CALSYNC")
		if n := len(f.conflicts(t, f.admin)); n != 0 {
			t.Fatalf("%d conflicts left open", n)
		}

		// Deleting the booking settles its open conflict (Calsync's
		// version: no booking) and removes the event.
		unblock := blockWrites(f)
		ours := orig.Start.Add(24 * time.Hour)
		f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(bid), "s": ours, "e": ours.Add(time.Hour)}, nil)
		f.patch(t, id, "", orig.Start.Add(48*time.Hour), orig.Start.Add(49*time.Hour))
		var last []conflictNode
		until(t, "a conflict opens", func() (bool, string) { last = f.conflicts(t, f.admin); return len(last) == 1, "" })
		unblock()
		f.admin.MustDo(t, `mutation($id:ID!){deleteBooking(id:$id)}`, map[string]any{"id": strconv.Itoa(bid)}, nil)
		// The queue's subscribers hear it settled.
		for end := time.Now().Add(10 * time.Second); ; {
			ev := conflictEvents(time.Until(end))
			if ev == nil {
				t.Fatal("no RESOLVED event for the deleted booking's conflict")
			}
			if s := fmt.Sprint(ev); strings.Contains(s, "state:RESOLVED") && strings.Contains(s, last[0].ID) {
				break
			}
		}
		if n := len(f.conflicts(t, f.admin)); n != 0 {
			t.Fatalf("%d conflicts open after the booking was deleted", n)
		}
		settled, err := f.env.App.Client().SyncConflict.Query().Order(ent.Desc(syncconflict.FieldID)).First(f.sys())
		if err != nil || settled.Resolution == nil || *settled.Resolution != syncconflict.ResolutionKEEP_CALSYNC || settled.ResolvedByID == nil || *settled.ResolvedByID != f.org.Admin.ID {
			t.Fatalf("the deleted booking's conflict: %+v (%v)", settled, err)
		}
		until(t, "the deleted booking's event is removed", func() (bool, string) {
			_, there := f.eventByID(t, id)
			return !there, ""
		})
		f.quiet(t)
	})
}

// First contact adopts a provider event matching a booking (title, start,
// end) instead of creating a second one.
func TestFirstContactAdoptsMatchingEvents(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		var existing string
		slug := "tw-first-" + strings.ToLower(string(k.Provider))
		f := setup(t, k, slug, opts{before: func(f *fixture) {
			b := f.org.Booking
			existing = f.create(t, b.Title, b.StartAt.UTC(), b.EndAt.UTC(), false)
			f.create(t, "Gym", b.StartAt.UTC().Add(48*time.Hour), b.EndAt.UTC().Add(48*time.Hour), false)
		}})
		until(t, "the booking adopts the event", func() (bool, string) {
			l := f.link(t, existing)
			return l != nil && l.BookingID != nil && *l.BookingID == f.org.Booking.ID && l.Origin == eventlink.OriginCALSYNC,
				fmt.Sprintf("%+v", l)
		})
		f.settle(t)
		until(t, "the adopted event carries Calsync's tag", func() (bool, string) {
			e, _ := f.eventByID(t, existing)
			return e.Tagged, fmt.Sprintf("%+v", e)
		})
		evs := f.events(t)
		if len(evs) != 2 {
			t.Fatalf("the calendar holds %d events, want the adopted one and Gym: %+v", len(evs), evs)
		}
		gym := ""
		for _, e := range evs {
			if e.Title == "Gym" {
				gym = e.ID
			}
		}
		if b := f.bookingOf(t, gym); b == nil || b.Title != "Gym" {
			t.Fatalf("Gym made no booking: %+v", b)
		}
		f.quiet(t)
	})
}

// PUSH_ONLY: nothing flows back; events deleted at the provider come back
// on re-sync.
func TestPushOnlyTakesNothingBack(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-push-"+strings.ToLower(string(k.Provider)), opts{direction: "PUSH_ONLY"})
		start := hour(4, 10)
		id := f.create(t, "Own errand", start, start.Add(time.Hour), false)
		bid := f.org.Booking.ID
		ev := f.eventOf(t, bid)
		f.remove(t, ev)
		f.settle(t)
		time.Sleep(time.Second)
		if b := f.bookingOf(t, id); b != nil {
			t.Fatalf("a booking was made from a provider event in PUSH_ONLY: %+v", b)
		}
		if b := f.booking(t, bid); b.CancelledAt != nil {
			t.Fatal("PUSH_ONLY cancelled the booking whose event was deleted")
		}
		f.fw.MustDo(t, `mutation($p:Provider!){resyncCalendar(provider:$p){id}}`, map[string]any{"p": string(k.Provider)}, nil)
		until(t, "re-sync recreates the event", func() (bool, string) {
			for _, e := range f.events(t) {
				if e.Title == f.org.Booking.Title {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%+v", f.events(t))
		})
	})
}

// Bookings of types that do not sync are never made from provider events:
// the event stays busy time.
func TestTypesThatDoNotSyncAreNotMade(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-nosync-"+strings.ToLower(string(k.Provider)), opts{importedDoesNotSync: true})
		start := hour(5, 13)
		id := f.create(t, "Class", start, start.Add(time.Hour), false)
		until(t, "the event is imported as busy time", func() (bool, string) {
			n, err := f.env.App.Client().ExternalEvent.Query().Count(f.sys())
			return err == nil && n == 1, fmt.Sprint(n, err)
		})
		if b := f.bookingOf(t, id); b != nil {
			t.Fatalf("a booking of a type that does not sync was made: %+v", b)
		}
	})
}

// An event made at the provider, deleted there while Calsync moved its
// booking: a conflict; keeping the provider's side deletes the booking, and
// the settled conflict stays listed (its booking empty).
func TestDeletedWhileChangedKeepsTheDeletion(t *testing.T) {
	forEachProvider(t, func(t *testing.T, k testenv.ProviderKit) {
		f := setup(t, k, "tw-del-"+strings.ToLower(string(k.Provider)), opts{})
		start := hour(4, 11)
		id := f.create(t, "Yoga", start, start.Add(time.Hour), false)
		var b int
		until(t, "the event becomes a booking", func() (bool, string) {
			if bk := f.bookingOf(t, id); bk != nil {
				b = bk.ID
				return true, ""
			}
			return false, ""
		})
		f.settle(t)
		unblock := blockWrites(f)
		moved := start.Add(time.Hour)
		f.admin.MustDo(t, `mutation($id:ID!,$s:Time!,$e:Time!){rescheduleBooking(id:$id,startAt:$s,endAt:$e){id}}`,
			map[string]any{"id": strconv.Itoa(b), "s": moved, "e": moved.Add(time.Hour)}, nil)
		f.remove(t, id)
		var open []conflictNode
		until(t, "a conflict opens", func() (bool, string) {
			open = f.conflicts(t, f.admin)
			return len(open) == 1, fmt.Sprintf("%+v", open)
		})
		if !open[0].ProviderVersion.Deleted || strings.Join(open[0].ProviderChanged, ",") != "DELETED" {
			t.Fatalf("conflict: %+v", open[0])
		}
		unblock()
		var res struct {
			ResolveSyncConflict struct {
				State   string
				Booking *struct{ ID string }
			}
		}
		f.admin.MustDo(t, `mutation($id:ID!){resolveSyncConflict(id:$id,keep:KEEP_PROVIDER){state booking{id}}}`,
			map[string]any{"id": open[0].ID}, &res)
		if res.ResolveSyncConflict.State != "RESOLVED" || res.ResolveSyncConflict.Booking != nil {
			t.Fatalf("resolved: %+v", res)
		}
		if bk := f.booking(t, b); bk != nil {
			t.Fatalf("the booking survived keeping the deletion: %+v", bk)
		}
		var settled struct {
			SyncConflicts struct{ TotalCount int }
		}
		f.admin.MustDo(t, `{syncConflicts(where:{state:RESOLVED}){totalCount}}`, nil, &settled)
		if settled.SyncConflicts.TotalCount != 1 {
			t.Fatalf("%d settled conflicts listed, want 1", settled.SyncConflicts.TotalCount)
		}
		f.quiet(t)
		for _, e := range f.events(t) {
			if e.Title == "Yoga" {
				t.Fatalf("the deleted event came back: %+v", e)
			}
		}
	})
}
